package realtime

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// Tails. Gap repair finds a missing message (or change) when a later one
// arrives; the last messages of a chat before a pause have no later one to
// reveal them.
// With several nodes such a tail goes missing when the node that committed
// it dies (or loses the bus) before its events leave. So the hub probes a
// chat's tail in the store: once after each burst of activity, when the
// chat has been quiet for Options.TailCheck, and on every chat it knows
// when a peer goes silent (Relay). A probe is a worker task, ordered with
// the chat's events: it delivers the stored messages after the last seq
// delivered, and the logged changes after the last change delivered; their
// own events, arriving later, are dropped as late.

// probe is the inbox entry of a tail probe.
var probe = new(chat.Event)

// CheckTails queues a tail probe for every chat that was quiet for
// Options.TailCheck since its last events (all: for every chat whose
// position the hub knows, at once).
func (h *Hub) CheckTails(all bool) {
	now := h.now()
	grace := int64(h.opts.TailCheck)
	if grace <= 0 {
		grace = int64(time.Second)
	}
	h.chats.Range(func(_, v any) bool {
		cs := v.(*chatState)
		last := cs.lastAt.Load()
		if !all && (last <= cs.probedAt.Load() || now-last < grace) {
			return true
		}
		cs.probedAt.Store(now)
		h.enqueue(cs, queued{e: probe})
		return true
	})
}

// CheckUnseen queues a tail probe for every stream with a message or a
// change made since t that the hub has not seen an event of: after a node's
// death, the first events of a chat may have died with it, and nothing
// else would make the hub look.
func (h *Hub) CheckUnseen(ctx context.Context, since time.Time) {
	core := h.coreOf()
	if core == nil {
		return
	}
	streams, err := core.StreamsActiveSince(ctx, since)
	if err != nil {
		h.log.Error("cannot list the chats active lately; their unseen events may be missing", "since", since, "err", err)
		return
	}
	for _, key := range streams {
		if _, ok := h.chats.Load(key); ok {
			continue
		}
		cs := h.state(key)
		cs.probedAt.Store(h.now())
		h.enqueue(cs, queued{e: probe})
	}
}

func (h *Hub) tailChecker() {
	defer h.wg.Done()
	t := time.NewTicker(max(h.opts.TailCheck/2, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			h.CheckTails(false)
		}
	}
}

// probeTail delivers the stored messages after the last seq delivered and
// the logged changes after the last change delivered. A chat whose
// messages the hub has not placed yet starts where startPosition says.
func (h *Hub) probeTail(ctx context.Context, core Core, cs *chatState) {
	if core == nil || cs.dead {
		return
	}
	h.placeMessages(ctx, core, cs)
	h.probeMessages(ctx, core, cs)
	if !cs.dead && h.startChanges(ctx, core, cs) {
		h.repairChanges(ctx, core, cs, math.MaxInt64)
	}
}

// placeMessages places a chat whose messages the hub has not seen any of
// where startPosition says.
func (h *Hub) placeMessages(ctx context.Context, core Core, cs *chatState) {
	if cs.posKnown || cs.key <= 0 {
		return
	}
	c, err := core.ChatByID(ctx, cs.key)
	if err == nil {
		cs.chat = c
		cs.pos, cs.posKnown = h.startPosition(ctx, core, c.ID, c.LastSeq+1), true
	} else if !errors.Is(err, chat.ErrNotFound) {
		h.log.Error("cannot read a chat to place it", "chat", cs.key, "err", err)
	}
}

func (h *Hub) probeMessages(ctx context.Context, core Core, cs *chatState) {
	if !cs.posKnown || cs.chat.ID == 0 {
		return
	}
	for {
		msgs, err := core.MessagesAfter(ctx, cs.key, cs.pos, repairLimit)
		if err != nil {
			h.log.Error("tail probe failed", "chat", cs.key, "after", cs.pos, "err", err)
			return
		}
		for _, m := range msgs {
			if m.Seq == cs.pos+1 {
				h.emitStored(ctx, core, cs, cs.chat, m)
			}
		}
		if len(msgs) < repairLimit {
			return
		}
	}
}
