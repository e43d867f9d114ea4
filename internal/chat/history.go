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
	Anchor UUID // required unless Mode is ListLatest (or another anchor is set)
	Limit  int  // default DefaultPageSize, at most MaxPageSize
	// AnchorID names the anchor by its numeric id instead of Anchor.
	AnchorID int64
	// BySeq anchors the page at seq AnchorSeq instead of a message: the
	// seq need not hold a message (0 is before the first).
	BySeq     bool
	AnchorSeq int64
	// IncludeAnchor adds the anchor (when it is a message to show) to a
	// Before or After page, beyond Limit.
	IncludeAnchor bool
	// WithRecalled keeps recalled messages in the page, for faces that
	// show their slot (Message.Content is then empty).
	WithRecalled bool
	// Type, when set, reads only messages of that type.
	Type MessageType
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
		msgs, err = s.store.ListMessages(ctx, MessageQuery{ChatID: a.chat.ID, Direction: Latest, Limit: q.Limit,
			WithRecalled: q.WithRecalled, HiddenFor: actor.ID, Type: q.Type})
	} else {
		msgs, err = s.pageAround(ctx, actor, a.chat.ID, q)
	}
	if err != nil {
		return nil, err
	}
	if q.WithRecalled {
		for i := range msgs {
			if msgs[i].Recalled() {
				msgs[i].Content, msgs[i].Mentions, msgs[i].Extra, msgs[i].QuoteID = "", Mentions{}, Extra{}, 0
			}
		}
	}
	return s.views(ctx, actor, a, msgs)
}

// anchor resolves the anchor of q: the message it names (ok false for a
// bare seq) and its seq.
func (s *Service) anchor(ctx context.Context, chatID int64, q ListQuery) (m Message, ok bool, err error) {
	switch {
	case q.BySeq:
		if q.AnchorSeq < 0 {
			return Message{}, false, invalid("msg_seq", "must not be negative")
		}
		return Message{Seq: q.AnchorSeq}, false, nil
	case q.AnchorID != 0:
		m, err = s.store.Message(ctx, q.AnchorID)
	case !q.Anchor.IsZero():
		m, err = s.store.MessageByUUID(ctx, q.Anchor)
	default:
		return Message{}, false, invalid("msg_id", "required with this flag")
	}
	if err != nil && !isNotFound(err) {
		return Message{}, false, err
	}
	if err != nil || m.ChatID != chatID {
		return Message{}, false, invalid("msg_id", "no such message in this chat")
	}
	return m, true, nil
}

func (s *Service) pageAround(ctx context.Context, actor User, chatID int64, q ListQuery) ([]Message, error) {
	anchor, isMsg, err := s.anchor(ctx, chatID, q)
	if err != nil {
		return nil, err
	}
	if q.BySeq && q.Mode == ListAround {
		return nil, invalid("msg_seq", "a page around needs a message")
	}
	side := func(d Direction, n int) ([]Message, error) {
		if n == 0 {
			return nil, nil
		}
		return s.store.ListMessages(ctx, MessageQuery{ChatID: chatID, Direction: d, AnchorSeq: anchor.Seq, Limit: n,
			WithRecalled: q.WithRecalled, HiddenFor: actor.ID, Type: q.Type})
	}
	showAnchor := isMsg && (q.WithRecalled || !anchor.Recalled()) && (q.Type == 0 || anchor.Type == q.Type)
	if showAnchor && (q.Mode == ListAround || q.IncludeAnchor) {
		hidden, err := s.store.ListMessages(ctx, MessageQuery{ChatID: chatID, Direction: After, AnchorSeq: anchor.Seq - 1,
			Limit: 1, WithRecalled: true, HiddenFor: actor.ID})
		if err != nil {
			return nil, err
		}
		showAnchor = len(hidden) == 1 && hidden[0].ID == anchor.ID
	}
	switch q.Mode {
	case ListBefore:
		page, err := side(Before, q.Limit)
		if err == nil && q.IncludeAnchor && showAnchor {
			page = append(page, anchor)
		}
		return page, err
	case ListAfter:
		page, err := side(After, q.Limit)
		if err == nil && q.IncludeAnchor && showAnchor {
			page = append([]Message{anchor}, page...)
		}
		return page, err
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
	if showAnchor {
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
