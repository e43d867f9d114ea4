package realtime

import (
	"context"
	"sync"

	"github.com/chatd/chatd/internal/chat"
)

// Delivery is one event sent to one session. Event is shared by every
// session that receives it and must not be modified: a gateway can cache
// its encoding per wire format and splice in SN.
type Delivery struct {
	SN    int64 // 1, 2, 3, ... per session, without gaps
	Event *chat.Event
}

// run is a stretch of a session's deliveries that are consecutive
// positions of one chat's log.
type run struct {
	log *eventLog
	pos uint64 // log position of the first delivery
	sn  int64  // sn of the first delivery
	n   int64
}

type sessionState uint8

const (
	stateAttached sessionState = iota
	stateDetached
	stateClosed
)

// session is the state that outlives connections; Session is one
// attachment of a connection to it.
type session struct {
	id     string
	user   *userEntry
	opened uint64 // Hub.stamp when the session opened
	// ready holds a token when deliveries may be waiting.
	ready chan struct{}

	mu         sync.Mutex
	runs       []run
	sent       int64 // sn of the newest delivery
	next       int64 // sn the consumer takes next
	liveFrom   int64 // sent when the attachment began: only live deliveries count towards the queue bound
	epoch      uint64
	state      sessionState
	detachedAt int64 // unix nanos
	done       chan struct{}
	reason     error // why done was closed
	// notify is the current attachment's wake-up (Session.Notify), nil
	// when it set none or has ended.
	notify func()
}

// deliver appends the event at pos of l. It never blocks beyond the
// session's own short critical section.
func (s *session) deliver(l *eventLog, pos uint64, queue int64, now int64) (overflowed bool) {
	s.mu.Lock()
	if s.state == stateClosed {
		s.mu.Unlock()
		return false
	}
	wasEmpty := s.next > s.sent
	wake := s.notify
	s.sent++
	if n := len(s.runs); n > 0 && s.runs[n-1].log == l && s.runs[n-1].pos+uint64(s.runs[n-1].n) == pos {
		s.runs[n-1].n++
	} else {
		s.dropExpiredRuns()
		s.runs = append(s.runs, run{log: l, pos: pos, sn: s.sent, n: 1})
	}
	if s.state == stateAttached && s.sent-max(s.next-1, s.liveFrom) > queue {
		wake = s.endAttachment(stateDetached, ErrOverflow, now)
		overflowed, wasEmpty = true, true
	}
	s.mu.Unlock()
	if wasEmpty {
		s.wake(wake)
	}
	return overflowed
}

// wake tells the consumer that deliveries may be waiting (or that its
// attachment ended): a token on ready, and f, the attachment's Notify
// function, when it set one. Called without s.mu held.
func (s *session) wake(f func()) {
	select {
	case s.ready <- struct{}{}:
	default:
	}
	if f != nil {
		f()
	}
}

// dropExpiredRuns forgets leading runs whose every position was trimmed.
func (s *session) dropExpiredRuns() {
	n := 0
	for n < len(s.runs)-1 && s.runs[n].pos+uint64(s.runs[n].n) <= s.runs[n].log.base() {
		n++
	}
	if n > 0 {
		s.runs = append(s.runs[:0:0], s.runs[n:]...)
	}
}

// endAttachment closes the current attachment's done channel. It returns
// the attachment's Notify function, if any, which the caller must call
// once s.mu is released.
func (s *session) endAttachment(to sessionState, reason error, now int64) (notify func()) {
	if s.state == stateAttached {
		s.reason = reason
		close(s.done)
		s.detachedAt = now
		notify, s.notify = s.notify, nil
	}
	if to == stateClosed || s.state == stateAttached {
		s.state = to
	}
	return notify
}

// oldest is the smallest sn whose event is still held (sent+1 when none).
func (s *session) oldest() int64 {
	for _, r := range s.runs {
		b := r.log.base()
		if r.pos+uint64(r.n) <= b {
			continue
		}
		if r.pos >= b {
			return r.sn
		}
		return r.sn + int64(b-r.pos)
	}
	return s.sent + 1
}

// find returns the index of the run holding sn, or -1.
func (s *session) find(sn int64) int {
	if n := len(s.runs); n > 0 && s.runs[n-1].sn <= sn {
		if sn < s.runs[n-1].sn+s.runs[n-1].n {
			return n - 1
		}
		return -1
	}
	lo, hi := 0, len(s.runs)
	for lo < hi {
		m := (lo + hi) / 2
		if s.runs[m].sn+s.runs[m].n <= sn {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(s.runs) && s.runs[lo].sn <= sn {
		return lo
	}
	return -1
}

// collect appends the deliveries from sn through last to buf, at most max
// of them.
func (s *session) collect(buf []Delivery, sn, last int64, max int) ([]Delivery, error) {
	for sn <= last && len(buf) < max {
		i := s.find(sn)
		if i < 0 {
			return buf, ErrInvalidSN
		}
		r := s.runs[i]
		for off := sn - r.sn; off < r.n && sn <= last && len(buf) < max; off++ {
			e := r.log.at(r.pos + uint64(off))
			if e == nil {
				return buf, ErrInvalidSN
			}
			buf = append(buf, Delivery{SN: sn, Event: e})
			sn++
		}
	}
	return buf, nil
}

// Session is one connection's attachment to a session. A resume makes a
// new Session for the same id; the old one then reports ErrSuperseded.
// Session's methods are safe for concurrent use, but one goroutine should
// consume (Next or Take) at a time.
type Session struct {
	s     *session
	hub   *Hub
	epoch uint64
	done  chan struct{}
}

// ID names the session for a resume.
func (h *Session) ID() string { return h.s.id }

// User is who the session belongs to.
func (h *Session) User() chat.User { return h.s.user.user }

// Ready receives a value when deliveries may be waiting; Take drains them.
// Tokens can be stale: Take may then return nothing.
func (h *Session) Ready() <-chan struct{} { return h.s.ready }

// Notify makes f be called whenever Ready would receive a value, and once
// when this attachment ends, so that a consumer can do without a goroutine
// parked on Ready and Done. It is called once right away, since deliveries
// may already be waiting (or the attachment may have ended). f runs on the
// goroutine that delivers an event or ends the attachment: it must return
// quickly, without blocking and without calling the Session's methods.
// Like Ready's tokens, calls can be stale. A later Notify replaces f.
func (h *Session) Notify(f func()) {
	s := h.s
	s.mu.Lock()
	if s.epoch == h.epoch && s.state == stateAttached {
		s.notify = f
	}
	s.mu.Unlock()
	f()
}

// Done is closed when this attachment ends: the queue overflowed, another
// connection resumed the session, or it was detached or closed. The
// connection must then be closed; Err says why.
func (h *Session) Done() <-chan struct{} { return h.done }

// Err is nil while the attachment lasts, then why it ended (ErrOverflow,
// ErrSuperseded, ErrDetached, ErrClosed).
func (h *Session) Err() error {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return h.errLocked()
}

func (h *Session) errLocked() error {
	s := h.s
	switch {
	case s.epoch != h.epoch:
		return ErrSuperseded
	case s.state == stateAttached:
		return nil
	case s.reason != nil:
		return s.reason
	}
	return ErrClosed
}

// Take appends to buf up to max deliveries that are waiting, in sn order,
// without blocking. It fails once the attachment has ended.
func (h *Session) Take(buf []Delivery, max int) ([]Delivery, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := h.errLocked(); err != nil {
		return buf, err
	}
	n := len(buf)
	buf, err := s.collect(buf, s.next, s.sent, n+max)
	s.next += int64(len(buf) - n)
	return buf, err
}

// Next waits for the next delivery.
func (h *Session) Next(ctx context.Context) (Delivery, error) {
	var one [1]Delivery
	for {
		b, err := h.Take(one[:0], 1)
		if err != nil {
			return Delivery{}, err
		}
		if len(b) == 1 {
			return b[0], nil
		}
		select {
		case <-h.s.ready:
		case <-h.done:
		case <-ctx.Done():
			return Delivery{}, ctx.Err()
		}
	}
}

// Since returns again the deliveries after sn that were already taken, for
// a client whose PING shows it is behind. An sn ahead of what was taken or
// older than what is retained is ErrInvalidSN.
func (h *Session) Since(sn int64) ([]Delivery, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if sn < 0 || sn > s.next-1 || (sn < s.next-1 && sn+1 < s.oldest()) {
		return nil, ErrInvalidSN
	}
	return s.collect(make([]Delivery, 0, s.next-1-sn), sn+1, s.next-1, int(s.next-1-sn))
}

// Rewind makes Next and Take continue after sn, so deliveries already taken
// are taken again: the alternative to Since for a gateway that sends
// everything from one loop.
func (h *Session) Rewind(sn int64) error {
	s := h.s
	s.mu.Lock()
	if err := h.errLocked(); err != nil {
		s.mu.Unlock()
		return err
	}
	if sn < 0 || sn > s.next-1 || (sn < s.next-1 && sn+1 < s.oldest()) {
		s.mu.Unlock()
		return ErrInvalidSN
	}
	if sn == s.next-1 {
		s.mu.Unlock()
		return nil
	}
	s.next = sn + 1
	f := s.notify
	s.mu.Unlock()
	s.wake(f)
	return nil
}

// Taken is the sn of the newest delivery taken; a resume may start from
// any sn up to it.
func (h *Session) Taken() int64 {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return h.s.next - 1
}

// Detach records that the connection is gone. The session keeps receiving
// for the retention window, so that a resume finds everything.
func (h *Session) Detach() {
	s := h.s
	s.mu.Lock()
	var f func()
	if s.epoch == h.epoch {
		f = s.endAttachment(stateDetached, ErrDetached, h.hub.now())
	}
	s.mu.Unlock()
	if f != nil {
		f()
	}
}

// Close ends the session for good (the client said goodbye); a resume of
// it fails with ErrSessionExpired.
func (h *Session) Close() {
	h.s.mu.Lock()
	current := h.s.epoch == h.epoch
	h.s.mu.Unlock()
	if current {
		h.hub.remove(h.s, ErrClosed)
	}
}
