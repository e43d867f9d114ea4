package chat

import (
	"context"
	"slices"
)

// ListMode says where a history page sits relative to its anchor.
type ListMode int

const (
	// ListLatest returns the newest messages.
	ListLatest ListMode = iota
	// ListBefore returns messages before the anchor, without it.
	ListBefore
	// ListAround returns the anchor in the middle of its neighbours.
	ListAround
	// ListAfter returns messages after the anchor, without it.
	ListAfter
)

// History page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// ListQuery asks for one page of a chat's history.
type ListQuery struct {
	ChatID int64
	Mode   ListMode
	Anchor UUID // required unless Mode is ListLatest
	Limit  int  // default DefaultPageSize, at most MaxPageSize
}

// ListMessages returns one page of the history of a chat actor can view,
// oldest first. Recalled messages are left out (they keep their seq, and
// the page is filled from the messages beyond them). Around puts
// (Limit-1)/2 messages before the anchor and the rest after it.
func (s *Service) ListMessages(ctx context.Context, actor User, q ListQuery) ([]MessageView, error) {
	if q.Limit == 0 {
		q.Limit = DefaultPageSize
	}
	if q.Limit < 1 || q.Limit > MaxPageSize {
		return nil, invalid("page_size", "must be between 1 and %d", MaxPageSize)
	}
	a, err := s.chatAccess(ctx, actor, q.ChatID)
	if err != nil {
		return nil, err
	}
	var msgs []Message
	if q.Mode == ListLatest {
		msgs, err = s.store.ListMessages(ctx, MessageQuery{ChatID: a.chat.ID, Direction: Latest, Limit: q.Limit})
	} else {
		msgs, err = s.pageAround(ctx, a.chat.ID, q)
	}
	if err != nil {
		return nil, err
	}
	return s.views(ctx, actor, a, msgs)
}

func (s *Service) pageAround(ctx context.Context, chatID int64, q ListQuery) ([]Message, error) {
	if q.Anchor.IsZero() {
		return nil, invalid("msg_id", "required with this flag")
	}
	anchor, err := s.store.MessageByUUID(ctx, q.Anchor)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	if err != nil || anchor.ChatID != chatID {
		return nil, invalid("msg_id", "no such message in this chat")
	}
	side := func(d Direction, n int) ([]Message, error) {
		if n == 0 {
			return nil, nil
		}
		return s.store.ListMessages(ctx, MessageQuery{ChatID: chatID, Direction: d, AnchorSeq: anchor.Seq, Limit: n})
	}
	switch q.Mode {
	case ListBefore:
		return side(Before, q.Limit)
	case ListAfter:
		return side(After, q.Limit)
	}
	before, err := side(Before, (q.Limit-1)/2)
	if err != nil {
		return nil, err
	}
	after, err := side(After, q.Limit-1-(q.Limit-1)/2)
	if err != nil {
		return nil, err
	}
	page := before
	if !anchor.Recalled() {
		page = append(page, anchor)
	}
	return append(page, after...), nil
}

// Message returns one live message of a chat actor can view.
func (s *Service) Message(ctx context.Context, actor User, id UUID) (MessageView, error) {
	m, a, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return MessageView{}, err
	}
	vs, err := s.views(ctx, actor, a, []Message{m})
	if err != nil {
		return MessageView{}, err
	}
	return vs[0], nil
}

// PinnedMessages lists the newest pinned messages of a chat actor can view.
func (s *Service) PinnedMessages(ctx context.Context, actor User, chatID int64, limit int) ([]MessageView, error) {
	if limit == 0 {
		limit = DefaultPageSize
	}
	if limit < 1 || limit > MaxPageSize {
		return nil, invalid("page_size", "must be between 1 and %d", MaxPageSize)
	}
	a, err := s.chatAccess(ctx, actor, chatID)
	if err != nil {
		return nil, err
	}
	msgs, err := s.store.PinnedMessages(ctx, a.chat.ID, limit)
	if err != nil {
		return nil, err
	}
	msgs = slices.DeleteFunc(msgs, Message.Recalled)
	return s.views(ctx, actor, a, msgs)
}
