package realtime

import (
	"context"
	"math"
	"runtime"
	"slices"
	"time"
)

// Changes. Every event but a message's creation carries its place in its
// stream (chat.Event.ChangeSeq, logged by the store in the change's
// transaction) and the chat's last message seq when it committed
// (AfterSeq). The worker delivers them as it does messages: in ChangeSeq
// order, a gap filled from the batch or else from the store's log (the
// change was committed: a later one was), a late one dropped, and each
// only after the messages it may refer to. So a change committed by a node
// that died before publishing it still goes out, found by the next change
// of its stream or by a tail probe.

// deliverChange delivers batch[i], a logged change, after the changes and
// messages before it.
func (h *Hub) deliverChange(ctx context.Context, core Core, cs *chatState, batch []queued, i int) []queued {
	e := batch[i].e
	seq := e.ChangeSeq
	if !h.startChanges(ctx, core, cs) {
		cs.cpos, cs.cposKnown = seq-1, true // the store is down: trust the event
	}
	if seq <= cs.cpos {
		h.stats.dropped.Add(1)
		return batch
	}
	if seq > cs.cpos+1 {
		var ok bool
		for try := 0; !ok && try < 3; try++ {
			// As for messages: the missing events are most likely being
			// published right now; the store is the last resort.
			switch try {
			case 1:
				batch = cs.absorb(batch)
			case 2:
				runtime.Gosched()
				batch = cs.absorb(batch)
			}
			ok, batch = h.fillChanges(ctx, core, cs, batch, i)
		}
		if !ok {
			h.repairChanges(ctx, core, cs, seq)
		}
	}
	batch = h.messagesThrough(ctx, core, cs, batch, i, e.AfterSeq)
	cs.stamp = batch[i].stamp
	h.emitOther(ctx, core, cs, batch[i])
	cs.cpos = seq
	return batch
}

// messagesThrough delivers the messages up to seq of batch[i]'s chat
// first: a change is announced after the messages committed before it.
func (h *Hub) messagesThrough(ctx context.Context, core Core, cs *chatState, batch []queued, i int, seq int64) []queued {
	if seq <= 0 || cs.key <= 0 || batch[i].e.Chat.ID == 0 || (cs.posKnown && seq <= cs.pos) {
		return batch
	}
	stamp := cs.stamp
	batch = h.messagesBefore(ctx, core, cs, batch, i, seq+1)
	// The messages were committed before the change, so they count as
	// published no later than it; the ones from the batch set their own.
	cs.stamp = stamp
	return batch
}

// fillChanges delivers the changes missing before batch[i]'s when all of
// them are among the events published after it in this batch.
func (h *Hub) fillChanges(ctx context.Context, core Core, cs *chatState, batch []queued, i int) (bool, []queued) {
	seq, rest := batch[i].e.ChangeSeq, batch[i+1:]
	want := seq - 1 - cs.cpos
	if want > int64(len(rest)) {
		return false, batch
	}
	var idx []int
	for j, x := range rest {
		if x.e != nil && x.e != probe && x.e.ChangeSeq > cs.cpos && x.e.ChangeSeq < seq {
			idx = append(idx, j)
		}
	}
	slices.SortFunc(idx, func(a, b int) int { return int(rest[a].e.ChangeSeq - rest[b].e.ChangeSeq) })
	idx = slices.CompactFunc(idx, func(a, b int) bool { return rest[a].e.ChangeSeq == rest[b].e.ChangeSeq })
	if int64(len(idx)) != want {
		return false, batch
	}
	stamp := cs.stamp
	for _, j := range idx {
		k := i + 1 + j
		batch = h.messagesThrough(ctx, core, cs, batch, k, batch[k].e.AfterSeq)
		cs.stamp = min(batch[k].stamp, stamp)
		h.emitOther(ctx, core, cs, batch[k])
		cs.cpos = batch[k].e.ChangeSeq
		batch[k] = queued{}
	}
	cs.stamp = stamp
	return true, batch
}

// repairChanges delivers the logged changes of the stream between the last
// one delivered and seq (all of them for math.MaxInt64), rebuilt from the
// store.
func (h *Hub) repairChanges(ctx context.Context, core Core, cs *chatState, seq int64) {
	tail := seq == math.MaxInt64
	for attempt := 0; cs.cpos < seq-1; {
		evs, err := core.ChangesAfter(ctx, cs.key, cs.cpos, int(min(seq-1-cs.cpos, repairLimit)))
		if err != nil {
			attempt++
			if attempt >= repairAttempts {
				h.log.Error("change repair failed; skipping", "stream", cs.key, "after", cs.cpos, "before", seq, "err", err)
				break
			}
			time.Sleep(time.Duration(10<<attempt) * time.Millisecond)
			continue
		}
		progressed := false
		for j := range evs {
			e := &evs[j]
			if e.ChangeSeq != cs.cpos+1 || e.ChangeSeq >= seq {
				continue
			}
			h.stats.repaired.Add(1)
			h.observe(e)
			if e.AfterSeq > 0 && cs.key > 0 {
				if !cs.posKnown {
					cs.pos, cs.posKnown = h.startPosition(ctx, core, cs.key, e.AfterSeq+1), true
				}
				if cs.pos < e.AfterSeq {
					h.repair(ctx, core, cs, e.Chat, e.AfterSeq+1)
				}
			}
			h.emitOther(ctx, core, cs, queued{e: e})
			cs.cpos = e.ChangeSeq
			progressed = true
		}
		if tail && len(evs) < repairLimit {
			return
		}
		if !progressed {
			if !tail {
				h.log.Error("change repair found no changes; skipping", "stream", cs.key, "after", cs.cpos, "before", seq)
			}
			break
		}
	}
	if !tail {
		cs.cpos = seq - 1
	}
}

// startChanges places a stream the hub has not placed yet after the newest
// change made before placeFrom (the reasoning of startPosition): every
// later one was published to this hub, or is owed to it.
func (h *Hub) startChanges(ctx context.Context, core Core, cs *chatState) bool {
	if cs.cposKnown {
		return true
	}
	seq, err := core.LastChangeBefore(ctx, cs.key, h.placeFrom())
	if err != nil {
		h.log.Error("cannot read where a stream's changes start", "stream", cs.key, "err", err)
		return false
	}
	cs.cpos, cs.cposKnown = seq, true
	return true
}
