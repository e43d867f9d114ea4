package realtime

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// Errors of resumes and attachments. A gateway maps the first three onto
// its protocol (KOOK: 40106, 40107, 40108).
var (
	ErrUnknownSession = errors.New("realtime: unknown session")
	ErrSessionExpired = errors.New("realtime: session expired")
	ErrInvalidSN      = errors.New("realtime: sn not available")

	ErrOverflow   = errors.New("realtime: send queue overflowed")
	ErrSuperseded = errors.New("realtime: session resumed by another connection")
	ErrDetached   = errors.New("realtime: session detached")
	ErrClosed     = errors.New("realtime: session closed")
	ErrNotBound   = errors.New("realtime: hub not bound to a core")
)

// Core is what the hub needs from the chat core; *chat.Service has it.
type Core interface {
	CanView(ctx context.Context, user chat.User, c chat.Chat) bool
	MessagesAfter(ctx context.Context, chatID, after int64, limit int) ([]chat.Message, error)
	// ChangesAfter returns the events of a stream's logged changes after
	// seq, rebuilt from the store (chat.Service.ChangesAfter).
	ChangesAfter(ctx context.Context, stream, after int64, limit int) ([]chat.Event, error)
	LastChangeBefore(ctx context.Context, stream int64, t time.Time) (int64, error)
	// ChatByID and StreamsActiveSince find the chats a hub has not seen an
	// event of (tail.go).
	ChatByID(ctx context.Context, id int64) (chat.Chat, error)
	StreamsActiveSince(ctx context.Context, t time.Time) ([]int64, error)
	GuildsOf(ctx context.Context, actor chat.User, p chat.Page) ([]chat.Guild, int, error)
}

// Options configure a Hub; zero fields take the defaults.
type Options struct {
	// Retention is how long a session keeps its deliveries for a resume,
	// and how long a detached session lives (default 5 minutes).
	Retention time.Duration
	// QueueSize bounds the live deliveries a connected session may have
	// waiting; one more ends the attachment with ErrOverflow (default 1024).
	QueueSize int
	// Logger receives repair and failure reports (default slog.Default()).
	Logger *slog.Logger
	// TailCheck, when positive, makes the hub look in the store for
	// messages committed after the last event of a chat once the chat has
	// been quiet this long: their events may never come when another node
	// committed them and died (see tail.go). Zero: off, for a single node.
	TailCheck time.Duration
	// Now is the clock (tests); it must be the core's clock too, since a
	// chat first seen by the hub is caught up from the messages created
	// after the hub was made.
	Now func() time.Time
}

// Hub routes the core's events to sessions. It implements chat.Publisher.
type Hub struct {
	// stamp counts every Publish; a session remembers it at Open and gets
	// only what was published after.
	stamp atomic.Uint64

	opts    Options
	log     *slog.Logger
	horizon time.Time // messages created before it are history, not events

	core atomic.Pointer[coreBox]

	mu       sync.RWMutex
	users    map[int64]*userEntry
	guilds   map[int64]*guildState
	sessions map[string]*session
	tombs    map[string]int64 // closed or expired session ids → unix nanos
	gen      uint64

	chats sync.Map // chat key → *chatState

	stats struct {
		published, delivered, repaired, dropped, overflows atomic.Int64
	}

	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

type coreBox struct{ Core }

var _ chat.Publisher = (*Hub)(nil)

// NewHub returns a hub; Bind it to the core before use.
func NewHub(opts Options) *Hub {
	if opts.Retention <= 0 {
		opts.Retention = 5 * time.Minute
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 1024
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Hub{opts: opts, log: opts.Logger.With("component", "realtime"),
		horizon: opts.Now().Truncate(time.Millisecond),
		users:   map[int64]*userEntry{}, guilds: map[int64]*guildState{},
		sessions: map[string]*session{}, tombs: map[string]int64{}, stop: make(chan struct{})}
	h.wg.Add(1)
	go h.janitor()
	if opts.TailCheck > 0 {
		h.wg.Add(1)
		go h.tailChecker()
	}
	return h
}

// Bind gives the hub the core it asks about visibility and missing
// messages. The core publishes to the hub, so it is made after the hub.
func (h *Hub) Bind(c Core) { h.core.Store(&coreBox{c}) }

func (h *Hub) coreOf() Core {
	if b := h.core.Load(); b != nil {
		return b.Core
	}
	return nil
}

func (h *Hub) now() int64 { return h.opts.Now().UnixNano() }

// Stats are counters since the hub was made.
type Stats struct {
	Sessions  int
	Published int64 // events received from the core
	Delivered int64 // deliveries to sessions
	Repaired  int64 // message events fetched from the store to fill a gap
	Dropped   int64 // late duplicates and events of deleted chats
	Overflows int64
}

// Stats reports the counters.
func (h *Hub) Stats() Stats {
	h.mu.RLock()
	n := len(h.sessions)
	h.mu.RUnlock()
	return Stats{Sessions: n, Published: h.stats.published.Load(), Delivered: h.stats.delivered.Load(),
		Repaired: h.stats.repaired.Load(), Dropped: h.stats.dropped.Load(), Overflows: h.stats.overflows.Load()}
}

// Open starts a session for user. It receives the events of every chat
// the user may read that are published from now on.
func (h *Hub) Open(ctx context.Context, user chat.User) (*Session, error) {
	core := h.coreOf()
	if core == nil {
		return nil, ErrNotBound
	}
	s := &session{id: chat.NewUUID().String(), ready: make(chan struct{}, 1), next: 1, epoch: 1,
		done: make(chan struct{})}
	h.mu.Lock()
	ue, ok := h.users[user.ID]
	if !ok {
		ue = &userEntry{user: user, guilds: map[int64]struct{}{}, loaded: make(chan struct{})}
		h.users[user.ID] = ue
	}
	s.user = ue
	s.opened = h.stamp.Load()
	ue.add(s)
	h.sessions[s.id] = s
	h.mu.Unlock()
	var err error
	if !ok {
		err = h.loadGuilds(ctx, core, ue)
		ue.loadErr = err
		close(ue.loaded)
	} else {
		select {
		case <-ue.loaded:
			err = ue.loadErr
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err != nil {
		h.remove(s, ErrClosed)
		return nil, err
	}
	return &Session{s: s, hub: h, epoch: s.epoch, done: s.done}, nil
}

// Resume attaches a new connection to session id of user. Next and Take
// then return every delivery after sn, in order, and continue live. An
// attachment still open for the session ends with ErrSuperseded.
func (h *Hub) Resume(user chat.User, id string, sn int64) (*Session, error) {
	h.mu.RLock()
	s := h.sessions[id]
	_, gone := h.tombs[id]
	h.mu.RUnlock()
	if s == nil || s.user.user.ID != user.ID {
		if gone && s == nil {
			return nil, ErrSessionExpired
		}
		return nil, ErrUnknownSession
	}
	now := h.now()
	s.mu.Lock()
	if s.state == stateClosed {
		s.mu.Unlock()
		return nil, ErrSessionExpired
	}
	if s.state == stateDetached && now-s.detachedAt > int64(h.opts.Retention) {
		s.mu.Unlock()
		h.remove(s, ErrSessionExpired)
		return nil, ErrSessionExpired
	}
	if sn < 0 || sn > s.next-1 || (sn < s.sent && sn+1 < s.oldest()) {
		s.mu.Unlock()
		return nil, ErrInvalidSN
	}
	old := s.endAttachment(stateDetached, ErrSuperseded, now)
	s.epoch++
	s.state = stateAttached
	s.reason = nil
	s.done = make(chan struct{})
	s.next, s.liveFrom = sn+1, s.sent
	a := &Session{s: s, hub: h, epoch: s.epoch, done: s.done}
	s.mu.Unlock()
	if old != nil {
		old()
	}
	s.wake(nil)
	return a, nil
}

// remove ends a session for good.
func (h *Hub) remove(s *session, reason error) {
	s.mu.Lock()
	f := s.endAttachment(stateClosed, reason, h.now())
	s.runs = nil
	s.mu.Unlock()
	if f != nil {
		f()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.sessions[s.id] != s {
		return
	}
	delete(h.sessions, s.id)
	h.tombs[s.id] = h.now()
	ue := s.user
	if ue.drop(s) == 0 && h.users[ue.user.ID] == ue {
		h.userOffline(ue)
	}
}

// Close ends every session and stops the hub's background work.
func (h *Hub) Close() {
	h.stopOnce.Do(func() { close(h.stop) })
	h.wg.Wait()
	h.mu.RLock()
	all := make([]*session, 0, len(h.sessions))
	for _, s := range h.sessions {
		all = append(all, s)
	}
	h.mu.RUnlock()
	for _, s := range all {
		h.remove(s, ErrClosed)
	}
}

// janitor expires detached sessions, trims logs and forgets old tombstones.
func (h *Hub) janitor() {
	defer h.wg.Done()
	every := min(max(h.opts.Retention/10, 100*time.Millisecond), 30*time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			h.sweep()
		}
	}
}

func (h *Hub) sweep() {
	now := h.now()
	ret := int64(h.opts.Retention)
	h.mu.RLock()
	all := make([]*session, 0, len(h.sessions))
	for _, s := range h.sessions {
		all = append(all, s)
	}
	h.mu.RUnlock()
	for _, s := range all {
		s.mu.Lock()
		expired := s.state == stateDetached && now-s.detachedAt > ret
		if !expired {
			s.dropExpiredRuns()
		}
		s.mu.Unlock()
		if expired {
			h.remove(s, ErrSessionExpired)
		}
	}
	h.chats.Range(func(_, v any) bool {
		v.(*chatState).log.trim(now - ret)
		return true
	})
	h.evictIdle(now)
	h.mu.Lock()
	for id, at := range h.tombs {
		if now-at > 4*ret {
			delete(h.tombs, id)
		}
	}
	h.mu.Unlock()
}
