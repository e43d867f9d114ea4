package realtime

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// Backfill. A session gets the events published after it opened. A
// webhook deliverer that takes over from a node that died, or starts again
// after a crash, also needs the events its predecessor may not have passed
// on: those of a moment before. Backfill delivers to one session the
// stored messages and logged changes made since a time, each chat's in
// order and ahead of what the chat delivers next. It is a task in each
// chat's worker, so it sees the chat as its events left: what it replays
// ends where the live events begin. Events published between the
// session's Open and its Backfill may come twice; a backfilled session's
// consumer is at least once anyway.

// backfill is the task of one Backfill in one chat.
type backfill struct {
	ss    []*session
	since time.Time
}

// backfillTask marks a backfill entry in a chat's inbox.
var backfillTask = new(chat.Event)

// Backfill queues, for every chat with a message or change made since
// since, the delivery to each of sessions of what it may see of them up to
// now. Each chat's store is read once for all of them.
func (h *Hub) Backfill(ctx context.Context, sessions []*Session, since time.Time) error {
	core := h.coreOf()
	if core == nil {
		return ErrNotBound
	}
	streams, err := core.StreamsActiveSince(ctx, since)
	if err != nil {
		return err
	}
	b := &backfill{since: since}
	for _, s := range sessions {
		b.ss = append(b.ss, s.s)
	}
	for _, key := range streams {
		h.enqueue(h.state(key), queued{e: backfillTask, fill: b})
	}
	return nil
}

// runBackfill delivers to b's sessions the chat's stored messages and
// changes made since b.since that went out before this task, then (for a
// chat the hub had not placed) what is owed to everyone.
func (h *Hub) runBackfill(ctx context.Context, core Core, cs *chatState, b *backfill) {
	if core == nil || cs.dead {
		return
	}
	h.placeMessages(ctx, core, cs)
	if cs.key > 0 && cs.chat.ID != 0 && !slices.ContainsFunc(b.ss, func(s *session) bool {
		return core.CanView(ctx, s.user.user, cs.chat)
	}) {
		return // none of them may read it: nothing to read for them
	}
	msgs := h.backfillMessages(ctx, core, cs, b.since)
	changes := h.backfillChanges(ctx, core, cs, b.since)
	now := h.now()
	queue := int64(h.opts.QueueSize)
	deliver := func(e *chat.Event) {
		users := h.audience(ctx, core, cs, e)
		var pos uint64
		appended := false
		for _, s := range b.ss {
			if !slices.Contains(users, s.user) {
				continue
			}
			if !appended {
				pos, appended = cs.log.append(e, now), true
			}
			s.deliver(cs.log, pos, queue, now)
		}
	}
	// A change goes after the messages committed before it.
	for _, m := range msgs {
		for len(changes) > 0 && changes[0].AfterSeq < m.Message.Seq {
			deliver(changes[0])
			changes = changes[1:]
		}
		deliver(m)
	}
	for _, c := range changes {
		deliver(c)
	}
	h.probeMessages(ctx, core, cs)
	if h.startChanges(ctx, core, cs) {
		h.repairChanges(ctx, core, cs, math.MaxInt64)
	}
}

// backfillMessages reads the chat's messages created since t up to the
// last seq delivered.
func (h *Hub) backfillMessages(ctx context.Context, core Core, cs *chatState, t time.Time) []*chat.Event {
	if !cs.posKnown || cs.key <= 0 || cs.chat.ID == 0 {
		return nil
	}
	var out []*chat.Event
	for after, last := h.positionBefore(ctx, core, cs.key, cs.pos+1, t), int64(-1); after < cs.pos && after != last; {
		last = after
		msgs, err := core.MessagesAfter(ctx, cs.key, after, int(min(cs.pos-after, repairLimit)))
		if err != nil || len(msgs) == 0 {
			if err != nil {
				h.log.Error("backfill cannot read messages", "chat", cs.key, "after", after, "err", err)
			}
			break
		}
		for _, m := range msgs {
			if m.Seq > cs.pos {
				break
			}
			c := cs.chat
			c.LastSeq, c.LastMsgAt = m.Seq, m.CreatedAt
			out = append(out, &chat.Event{Kind: chat.EventMessageCreated, Chat: c, Message: m, ActorID: m.AuthorID,
				At: m.CreatedAt})
			after = m.Seq
		}
	}
	return out
}

// backfillChanges reads the stream's changes made since t up to the last
// change delivered.
func (h *Hub) backfillChanges(ctx context.Context, core Core, cs *chatState, t time.Time) []*chat.Event {
	if !h.startChanges(ctx, core, cs) {
		return nil
	}
	after, err := core.LastChangeBefore(ctx, cs.key, t)
	if err != nil {
		h.log.Error("backfill cannot find where changes start", "stream", cs.key, "err", err)
		return nil
	}
	var out []*chat.Event
	for last := int64(-1); after < cs.cpos && after != last; {
		last = after
		evs, err := core.ChangesAfter(ctx, cs.key, after, int(min(cs.cpos-after, repairLimit)))
		if err != nil || len(evs) == 0 {
			if err != nil {
				h.log.Error("backfill cannot read changes", "stream", cs.key, "after", after, "err", err)
			}
			break
		}
		for i := range evs {
			if evs[i].ChangeSeq > cs.cpos {
				break
			}
			out = append(out, &evs[i])
			after = evs[i].ChangeSeq
		}
	}
	return out
}
