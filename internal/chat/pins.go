package chat

import "context"

// PinMessage pins a message in its chat. In channels it needs
// PermManageMessages; in a direct chat either member may pin. chatID must be
// the message's chat.
func (s *Service) PinMessage(ctx context.Context, actor User, chatID int64, id UUID) error {
	return s.setPin(ctx, actor, chatID, id, true)
}

// UnpinMessage takes a pin off, under the same rules as PinMessage.
func (s *Service) UnpinMessage(ctx context.Context, actor User, chatID int64, id UUID) error {
	return s.setPin(ctx, actor, chatID, id, false)
}

func (s *Service) setPin(ctx context.Context, actor User, chatID int64, id UUID, pin bool) error {
	m, a, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return err
	}
	if m.ChatID != chatID {
		return notFound(WhatMessage)
	}
	if a.chat.Kind != ChatDirect {
		if err := a.require(PermManageMessages, "pinning messages"); err != nil {
			return err
		}
	}
	var changed bool
	e := Event{Kind: EventMessagePinned, Chat: a.chat, Message: m, ActorID: actor.ID}
	if !pin {
		e.Kind = EventMessageUnpinned
	}
	log := s.change(e)
	if pin {
		changed, err = s.store.Pin(ctx, Pin{ChatID: chatID, MessageID: m.ID, PinnedBy: actor.ID, PinnedAt: log.At}, log)
	} else {
		changed, err = s.store.Unpin(ctx, chatID, m.ID, log)
	}
	if err != nil {
		return err
	}
	if changed {
		s.publishChange(ctx, e, log)
	}
	return nil
}
