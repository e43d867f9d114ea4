package chat

import (
	"context"
	"slices"
	"time"
)

// Changes. A message's creation is announced by its seq: a subscriber that
// sees a gap in a chat's seqs, or a quiet tail, reads the missing messages
// from the store. Every other change (an edit, a recall, a reaction, a pin,
// a channel or membership change) leaves a Change, written by the store in
// the transaction of the change itself, numbered per stream without gaps.
// So the same repair works for them: a change that was committed by a node
// that died before publishing it is found in the store and announced.

// Change is the durable trace of one event other than a message's creation.
type Change struct {
	Stream int64 // the event's Stream
	// Seq is the change's place in its stream (1, 2, ...; no gaps). The
	// store assigns it in the change's transaction.
	Seq int64
	// AfterSeq is, for a chat's stream, the chat's last message seq when the
	// change committed (set by the store): the change is announced after
	// those messages.
	AfterSeq  int64
	Kind      EventKind
	ChatID    int64
	GuildID   int64
	MessageID int64
	UserID    int64
	ActorID   int64
	Emoji     string
	At        time.Time
}

// ChangeStore reads the changes the write methods of Store logged.
type ChangeStore interface {
	// ChangesAfter returns up to limit changes of stream with Seq > after,
	// oldest first.
	ChangesAfter(ctx context.Context, stream, after int64, limit int) ([]Change, error)
	// LastChangeBefore returns the seq of the newest change of stream
	// committed before t (0: none).
	LastChangeBefore(ctx context.Context, stream int64, t time.Time) (int64, error)
	// StreamsChangedSince lists the streams with a change committed at or
	// after t.
	StreamsChangedSince(ctx context.Context, t time.Time) ([]int64, error)
	// PruneChanges deletes the changes committed before t; a stream keeps
	// numbering after its newest change.
	PruneChanges(ctx context.Context, before time.Time) error
}

// ChangeRetention is how long changes are kept for repair: far longer than
// any node takes to publish what it committed.
const ChangeRetention = time.Hour

// Stream is where an event is ordered: its chat, or for a guild-level
// event (a member joined, changed or left) the guild, as -GuildID.
func (e Event) Stream() int64 {
	if e.Chat.ID != 0 {
		return e.Chat.ID
	}
	return -e.Chat.GuildID
}

// change is the Change that logs e, to be written with it.
func (s *Service) change(e Event) *Change {
	c := &Change{Stream: e.Stream(), Kind: e.Kind, ChatID: e.Chat.ID, GuildID: e.Chat.GuildID,
		MessageID: e.Message.ID, UserID: e.UserID, ActorID: e.ActorID, At: s.clock()}
	if isReaction(e.Kind) {
		c.UserID, c.Emoji = e.Reaction.UserID, e.Reaction.Emoji
	}
	return c
}

func isReaction(k EventKind) bool { return k == EventReactionAdded || k == EventReactionRemoved }

// publishChange publishes e, whose change the store logged as c.
func (s *Service) publishChange(ctx context.Context, e Event, c *Change) {
	e.ChangeSeq, e.AfterSeq, e.At = c.Seq, c.AfterSeq, c.At
	s.publish(ctx, e)
}

// ChangesAfter returns the events of the changes of stream after seq,
// oldest first, rebuilt from the store as they stand now (an edit shows the
// message's current content). The live-event layer reads it to repair a
// gap in the change seqs it was told about.
func (s *Service) ChangesAfter(ctx context.Context, stream, after int64, limit int) ([]Event, error) {
	cs, err := s.store.ChangesAfter(ctx, stream, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(cs))
	for _, c := range cs {
		e, err := s.changeEvent(ctx, c)
		if err != nil {
			return nil, err
		}
		// Another node may have made the change: what it made stale here
		// goes, as for the events that come over the bus.
		s.ForgetChanged(e)
		out = append(out, e)
	}
	return out, nil
}

// LastChangeBefore returns the seq of the newest change of stream committed
// before t (0: none). The live-event layer starts a stream it has not seen
// there.
func (s *Service) LastChangeBefore(ctx context.Context, stream int64, t time.Time) (int64, error) {
	return s.store.LastChangeBefore(ctx, stream, t)
}

// StreamsActiveSince lists the streams with a message or a change made at
// or after t. After a node's death the live-event layer probes those it
// has never seen an event of: their first events may have died with it.
func (s *Service) StreamsActiveSince(ctx context.Context, t time.Time) ([]int64, error) {
	chats, err := s.store.ChatsWithMessagesFrom(ctx, FirstIDAt(t))
	if err != nil {
		return nil, err
	}
	changed, err := s.store.StreamsChangedSince(ctx, t)
	if err != nil {
		return nil, err
	}
	out := append(chats, changed...)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// PruneChanges forgets the changes older than ChangeRetention.
func (s *Service) PruneChanges(ctx context.Context) error {
	return s.store.PruneChanges(ctx, s.now().Add(-ChangeRetention))
}

// changeEvent rebuilds the event c logged.
func (s *Service) changeEvent(ctx context.Context, c Change) (Event, error) {
	e := Event{Kind: c.Kind, ActorID: c.ActorID, UserID: c.UserID, At: c.At, ChangeSeq: c.Seq, AfterSeq: c.AfterSeq,
		Chat: Chat{ID: c.ChatID, GuildID: c.GuildID}}
	if c.GuildID != 0 {
		e.Chat.Kind = ChatChannel
	}
	if c.ChatID != 0 && c.Kind != EventChannelDeleted {
		ch, err := s.store.Chat(ctx, c.ChatID)
		switch {
		case err == nil:
			e.Chat = ch
		case !isNotFound(err):
			return Event{}, err
		}
		// A chat deleted since keeps the ids the change names.
	}
	if c.MessageID != 0 {
		m, err := s.store.Message(ctx, c.MessageID)
		switch {
		case err == nil:
			e.Message = m
		case isNotFound(err):
			e.Message = Message{ID: c.MessageID, ChatID: c.ChatID}
		default:
			return Event{}, err
		}
	}
	if isReaction(c.Kind) {
		e.UserID = 0
		e.Reaction = Reaction{MessageID: c.MessageID, Emoji: c.Emoji, UserID: c.UserID, CreatedAt: c.At}
	}
	return e, nil
}
