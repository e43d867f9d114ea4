package realtime

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// Ordering. Each chat has a worker goroutine (started when events arrive,
// gone when its inbox is empty) that delivers the chat's events in Publish
// order, except that message-created events go out in seq order: the
// worker remembers the last seq delivered; an event with the next seq goes
// out at once; one further ahead first has the missing seqs delivered,
// taken from later in the same batch of published events when they are all
// there, else read from the store (they are durable: a later seq was
// committed, so every earlier one was); a late event at or below the last
// seq delivered is dropped.

// queued is an inbox entry: an event, its place in the order of every
// Publish of the hub, which tells the sessions opened after it apart from
// those opened before, and its audience, taken when it was published so
// that a membership change published after it does not reroute it.
type queued struct {
	e      *chat.Event
	stamp  uint64
	users  []*userEntry
	routed bool      // users was taken at Publish (a tail probe's is not)
	fill   *backfill // the task of a backfill entry (backfill.go)
}

// chatState is one chat (or, for guild-level events, one guild).
type chatState struct {
	key int64

	mu      sync.Mutex
	inbox   []queued
	spare   []queued
	running bool
	evicted bool // dropped from Hub.chats (evict.go): enqueue uses a new state

	// unix nanos of the last Publish and of the last tail probe queued
	lastAt, probedAt atomic.Int64

	// owned by the worker
	posKnown bool
	pos      int64 // last seq delivered
	// the same for the stream's logged changes (changes.go)
	cposKnown bool
	cpos      int64
	chat      chat.Chat // of the last message event, for events rebuilt from the store
	dead      bool      // the channel was deleted
	stamp     uint64    // of the entry being delivered
	log       *eventLog

	audMu sync.Mutex // publishers and the worker share the cached audience
	aud   *chanAudience
}

// Repair bounds.
const (
	repairLimit    = 500 // messages per store read
	repairAttempts = 8
	startWindow    = 16 // first look-back when a chat is first seen
)

// Publish queues a committed change for delivery. It never blocks on
// sessions or the store.
func (h *Hub) Publish(ctx context.Context, e chat.Event) {
	key := e.Stream() // the chat, or -guild for guild-level events
	if key == 0 {
		return
	}
	h.stats.published.Add(1)
	ev := new(chat.Event)
	*ev = e
	h.observe(ev)
	cs := h.state(key)
	cs.lastAt.Store(h.now())
	q := queued{e: ev}
	if core := h.coreOf(); core != nil {
		q.users, q.routed = h.audience(ctx, core, cs, ev), true
	}
	h.enqueue(cs, q)
}

// state returns the chat's state, made on first use.
func (h *Hub) state(key int64) *chatState {
	v, ok := h.chats.Load(key)
	if !ok {
		v, _ = h.chats.LoadOrStore(key, &chatState{key: key, log: newEventLog()})
	}
	return v.(*chatState)
}

// enqueue adds q to the chat's inbox and starts its worker if idle.
func (h *Hub) enqueue(cs *chatState, q queued) {
	cs.mu.Lock()
	for cs.evicted { // evicted since the caller found it: use its successor
		cs.mu.Unlock()
		cs = h.state(cs.key)
		cs.mu.Lock()
	}
	q.stamp = h.stamp.Add(1)
	cs.inbox = append(cs.inbox, q)
	start := !cs.running
	cs.running = true
	cs.mu.Unlock()
	if start {
		go h.work(cs)
	}
}

func (h *Hub) work(cs *chatState) {
	ctx := context.Background()
	var batch []queued
	for {
		cs.mu.Lock()
		clear(batch)
		cs.spare = batch[:0]
		batch = cs.inbox
		cs.inbox = cs.spare
		if len(batch) == 0 {
			cs.running = false
			cs.mu.Unlock()
			return
		}
		cs.mu.Unlock()
		batch = h.process(ctx, cs, batch)
	}
}

// absorb moves the events published since batch was taken to its end.
func (cs *chatState) absorb(batch []queued) []queued {
	cs.mu.Lock()
	batch = append(batch, cs.inbox...)
	clear(cs.inbox)
	cs.inbox = cs.inbox[:0]
	cs.mu.Unlock()
	return batch
}

func ordered(e *chat.Event) bool {
	return e != nil && e.Kind == chat.EventMessageCreated && e.Message.TempTargetID == 0 && e.Message.Seq > 0
}

// process delivers a batch of published events; it returns the batch,
// which may have grown with events published meanwhile.
func (h *Hub) process(ctx context.Context, cs *chatState, batch []queued) []queued {
	core := h.coreOf()
	for i := 0; i < len(batch); i++ {
		e := batch[i].e
		if e == nil {
			continue // delivered ahead of its turn
		}
		cs.stamp = batch[i].stamp
		if e == probe {
			h.probeTail(ctx, core, cs)
			continue
		}
		if e == backfillTask {
			h.runBackfill(ctx, core, cs, batch[i].fill)
			continue
		}
		switch {
		case core == nil || cs.dead:
			h.stats.dropped.Add(1)
		case ordered(e):
			batch = h.deliverInOrder(ctx, core, cs, batch, i)
		case e.ChangeSeq > 0:
			batch = h.deliverChange(ctx, core, cs, batch, i)
		default:
			h.emitOther(ctx, core, cs, batch[i])
		}
	}
	return batch
}

// emitOther delivers an event other than a message's creation, keeping
// the chat's own state in step with its channel events.
func (h *Hub) emitOther(ctx context.Context, core Core, cs *chatState, q queued) {
	e := q.e
	switch e.Kind {
	case chat.EventChannelCreated:
		if !cs.posKnown {
			cs.pos, cs.posKnown = e.Chat.LastSeq, true
		}
	case chat.EventChannelUpdated:
		cs.dropAudience()
	}
	h.emit(ctx, core, cs, q)
	if e.Kind == chat.EventChannelDeleted {
		cs.dead = true
		cs.dropAudience()
	}
}

// deliverInOrder delivers batch[i], a message-created event, after the
// messages before it.
func (h *Hub) deliverInOrder(ctx context.Context, core Core, cs *chatState, batch []queued, i int) []queued {
	e := batch[i].e
	seq := e.Message.Seq
	cs.chat = e.Chat
	if cs.posKnown && seq <= cs.pos {
		h.stats.dropped.Add(1)
		return batch
	}
	batch = h.messagesBefore(ctx, core, cs, batch, i, seq)
	cs.stamp = batch[i].stamp
	h.emit(ctx, core, cs, batch[i])
	cs.pos = seq
	return batch
}

// messagesBefore delivers the messages of batch[i]'s chat up to seq-1
// that have not gone out yet: from the batch when they are all there, else
// from the store.
func (h *Hub) messagesBefore(ctx context.Context, core Core, cs *chatState, batch []queued, i int, seq int64) []queued {
	chatID := batch[i].e.Chat.ID
	if !cs.posKnown {
		cs.pos, cs.posKnown = h.startPosition(ctx, core, chatID, seq), true
	}
	if seq <= cs.pos+1 || h.fillFromBatch(ctx, core, cs, seq, batch[i+1:]) {
		return batch
	}
	// The missing events are most likely being published right now: look
	// at what arrived meanwhile, once more after letting their publishers
	// run, and only then read the store.
	batch = cs.absorb(batch)
	if !h.fillFromBatch(ctx, core, cs, seq, batch[i+1:]) {
		runtime.Gosched()
		batch = cs.absorb(batch)
		if !h.fillFromBatch(ctx, core, cs, seq, batch[i+1:]) {
			h.repair(ctx, core, cs, batch[i].e.Chat, seq)
		}
	}
	return batch
}

// fillFromBatch delivers the seqs missing before seq when all of them are
// among the events published after it in this batch.
func (h *Hub) fillFromBatch(ctx context.Context, core Core, cs *chatState, seq int64, rest []queued) bool {
	want := seq - 1 - cs.pos
	if want > int64(len(rest)) {
		return false
	}
	var idx []int
	for j, x := range rest {
		if ordered(x.e) && x.e.Message.Seq > cs.pos && x.e.Message.Seq < seq {
			idx = append(idx, j)
		}
	}
	slices.SortFunc(idx, func(a, b int) int { return int(rest[a].e.Message.Seq - rest[b].e.Message.Seq) })
	idx = slices.CompactFunc(idx, func(a, b int) bool { return rest[a].e.Message.Seq == rest[b].e.Message.Seq })
	if int64(len(idx)) != want {
		return false
	}
	stamp := cs.stamp
	for _, j := range idx {
		// A message delivered ahead of its turn was committed before the
		// one that revealed the gap: it counts as published no later.
		cs.stamp = min(rest[j].stamp, stamp)
		h.emit(ctx, core, cs, rest[j])
		cs.pos = rest[j].e.Message.Seq
		rest[j] = queued{}
	}
	cs.stamp = stamp
	return true
}

// repair delivers the stored messages of c between the last seq delivered
// and seq, which the core committed but whose events have not arrived yet.
func (h *Hub) repair(ctx context.Context, core Core, cs *chatState, c chat.Chat, seq int64) {
	for attempt := 0; cs.pos < seq-1; {
		msgs, err := core.MessagesAfter(ctx, c.ID, cs.pos, int(min(seq-1-cs.pos, repairLimit)))
		if err != nil {
			attempt++
			if attempt >= repairAttempts {
				h.log.Error("gap repair failed; skipping", "chat", c.ID, "after", cs.pos, "before", seq, "err", err)
				break
			}
			time.Sleep(time.Duration(10<<attempt) * time.Millisecond)
			continue
		}
		progressed := false
		for _, m := range msgs {
			if m.Seq <= cs.pos || m.Seq >= seq {
				continue
			}
			h.emitStored(ctx, core, cs, c, m)
			progressed = true
		}
		if !progressed {
			h.log.Error("gap repair found no messages; skipping", "chat", c.ID, "after", cs.pos, "before", seq)
			break
		}
	}
	cs.pos = seq - 1
}

// emitStored delivers m, read from the store, as the event of its
// creation.
func (h *Hub) emitStored(ctx context.Context, core Core, cs *chatState, c chat.Chat, m chat.Message) {
	c.LastSeq, c.LastMsgAt = m.Seq, m.CreatedAt
	h.stats.repaired.Add(1)
	h.emit(ctx, core, cs, queued{e: &chat.Event{Kind: chat.EventMessageCreated, Chat: c, Message: m, ActorID: m.AuthorID,
		At: m.CreatedAt}})
	cs.pos = m.Seq
}

// startPosition is where a chat the hub has not seen before (or dropped,
// evict.go) starts, given the seq of its first message event: after the
// newest message created before placeFrom. Every later message was sent
// through a core publishing to this hub, and its event is either this one
// or one still on its way, so the gap up to this event is repaired from the
// store rather than trusted to arrive in order.
func (h *Hub) startPosition(ctx context.Context, core Core, chatID, seq int64) int64 {
	return h.positionBefore(ctx, core, chatID, seq, h.placeFrom())
}

// positionBefore is the seq of the newest message of chatID below seq
// created before t (0: none), looking back in growing windows.
func (h *Hub) positionBefore(ctx context.Context, core Core, chatID, seq int64, t time.Time) int64 {
	hi := seq - 1
	for w := int64(startWindow); hi > 0; w *= 4 {
		lo := max(0, hi-w)
		msgs, err := core.MessagesAfter(ctx, chatID, lo, int(hi-lo))
		if err != nil {
			h.log.Error("cannot read a new chat's recent messages; starting at the event", "chat", chatID, "err", err)
			return seq - 1
		}
		for j := len(msgs) - 1; j >= 0; j-- {
			if m := msgs[j]; m.Seq <= hi && m.CreatedAt.Before(t) {
				return m.Seq
			}
		}
		hi = lo
	}
	return 0
}

// emit sends q's event to everyone in its audience: the one taken at
// Publish, else (an event rebuilt from the store) the current one.
func (h *Hub) emit(ctx context.Context, core Core, cs *chatState, q queued) {
	e, users := q.e, q.users
	if !q.routed {
		users = h.audience(ctx, core, cs, e)
	}
	if len(users) == 0 {
		return
	}
	now := h.now()
	pos := cs.log.append(e, now)
	if pos%chunkSize == 0 {
		cs.log.trim(now - int64(h.opts.Retention))
	}
	queue := int64(h.opts.QueueSize)
	var n, over int64
	for _, u := range users {
		p := u.sessions.Load()
		if p == nil {
			continue
		}
		for _, s := range *p {
			if s.opened >= cs.stamp {
				continue // published before the session opened
			}
			if s.deliver(cs.log, pos, queue, now) {
				over++
			}
			n++
		}
	}
	h.stats.delivered.Add(n)
	if over > 0 {
		h.stats.overflows.Add(over)
	}
}
