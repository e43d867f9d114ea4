package realtime

import "time"

// Eviction. The hub holds a state for every chat it has seen an event of,
// and with several nodes that is every chat of the service. A chat quiet
// for idleChat (twice the retention window: its log is empty by then, and
// every event its nodes failed to announce was repaired long before) is
// dropped. When its next event comes, it is placed again like a chat never
// seen, but from placeFrom rather than from the hub's start: it was quiet
// that long, so nothing created after that was delivered, and nothing
// created before is owed.

// idleChat is how long a chat must be quiet before its state is dropped.
func (h *Hub) idleChat() time.Duration { return 2 * h.opts.Retention }

// placeFrom is the time before which a chat placed now has had everything
// delivered: the hub's start, or for a chat it may have dropped, idleChat
// ago.
func (h *Hub) placeFrom() time.Time {
	t := h.opts.Now().Add(-h.idleChat())
	if t.Before(h.horizon) {
		return h.horizon
	}
	return t
}

// evictIdle drops the states of the chats quiet for idleChat.
func (h *Hub) evictIdle(now int64) {
	cutoff := now - int64(h.idleChat())
	h.chats.Range(func(key, v any) bool {
		cs := v.(*chatState)
		if cs.lastAt.Load() > cutoff || cs.probedAt.Load() > cutoff {
			return true
		}
		cs.mu.Lock()
		if !cs.running && len(cs.inbox) == 0 {
			cs.evicted = true
			h.chats.CompareAndDelete(key, cs)
		}
		cs.mu.Unlock()
		return true
	})
}
