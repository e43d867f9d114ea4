package realtime

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/chatd/chatd/internal/chat"
)

// chunkSize is how many events one log chunk holds. Chunks are the unit of
// trimming; small ones keep a quiet direct chat's log small.
const chunkSize = 64

// eventLog is one chat's deliveries in fan-out order, kept for the
// retention window. Sessions do not copy events: each remembers runs of
// positions in these logs, so a session in a busy channel costs a few
// words however many events it has been sent, and the retention buffer
// doubles as the send queue.
//
// Only the chat's worker appends. Readers find a position through the
// atomically replaced index without locking; the event in a slot is
// written before the position is handed to any session (under that
// session's mutex), which orders the write before every read.
type eventLog struct {
	mu   sync.Mutex // serialises append and trim
	idx  atomic.Pointer[logIndex]
	next uint64 // position of the next append; under mu
}

type logIndex struct {
	first  uint64 // chunk number of chunks[0]
	chunks []*logChunk
}

type logChunk struct {
	ev   [chunkSize]*chat.Event
	last int64 // unix nanos of the newest append; under eventLog.mu
}

func newEventLog() *eventLog {
	l := &eventLog{}
	l.idx.Store(&logIndex{})
	return l
}

// append stores e and returns its position.
func (l *eventLog) append(e *chat.Event, now int64) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	pos := l.next
	l.next++
	idx := l.idx.Load()
	cn := pos / chunkSize
	var c *logChunk
	if n := len(idx.chunks); n > 0 && idx.first+uint64(n)-1 == cn {
		c = idx.chunks[n-1]
	} else {
		c = new(logChunk)
		first := idx.first
		if len(idx.chunks) == 0 {
			first = cn
		}
		chunks := make([]*logChunk, len(idx.chunks), len(idx.chunks)+1)
		copy(chunks, idx.chunks)
		l.idx.Store(&logIndex{first: first, chunks: append(chunks, c)})
	}
	c.ev[pos%chunkSize] = e
	c.last = now
	return pos
}

// at returns the event at pos, or nil when it has been trimmed.
func (l *eventLog) at(pos uint64) *chat.Event {
	idx := l.idx.Load()
	cn := pos / chunkSize
	if cn < idx.first || cn-idx.first >= uint64(len(idx.chunks)) {
		return nil
	}
	return idx.chunks[cn-idx.first].ev[pos%chunkSize]
}

// base is the oldest position still held.
func (l *eventLog) base() uint64 { return l.idx.Load().first * chunkSize }

// trim drops the chunks whose newest event is older than cutoff, never the
// chunk the next append goes to. It reports whether the log is now empty.
func (l *eventLog) trim(cutoff int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	idx := l.idx.Load()
	cur := l.next / chunkSize
	n := 0
	for n < len(idx.chunks) && idx.first+uint64(n) < cur && idx.chunks[n].last < cutoff {
		n++
	}
	if n > 0 {
		l.idx.Store(&logIndex{first: idx.first + uint64(n), chunks: slices.Clone(idx.chunks[n:])})
	}
	return n == len(idx.chunks)
}
