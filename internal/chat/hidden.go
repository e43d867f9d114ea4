package chat

import "context"

// HideMessage deletes a message for actor only (delete-for-me): it leaves
// actor's listings of the chat and stays for everyone else. A recalled
// message may be hidden too; hiding twice is no error. chatID, when not 0,
// is the chat the caller names: a message of another chat is not found.
func (s *Service) HideMessage(ctx context.Context, actor User, chatID int64, id UUID) error {
	m, err := s.store.MessageByUUID(ctx, id)
	if err != nil {
		return err
	}
	if chatID != 0 && m.ChatID != chatID {
		return notFound(WhatMessage)
	}
	if _, err := s.chatAccess(ctx, actor, m.ChatID); err != nil {
		return notFound(WhatMessage)
	}
	return s.store.HideMessage(ctx, actor.ID, m, s.clock())
}
