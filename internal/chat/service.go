package chat

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"
)

// Service holds every rule of chatd. The faces (KOOK, Yunhu, Lanying, the
// operator API) parse requests, call it, and render what it returns.
type Service struct {
	store    Store
	ids      *IDGen
	pub      Publisher
	appHooks AppWebhookFace
	webhooks map[string]WebhookFace // by face
	now      func() time.Time
	nonceTTL time.Duration

	dir *directory

	presenceMu sync.RWMutex
	online     map[int64]bool
}

// Option configures a Service.
type Option func(*Service)

// WithPublisher sends every committed change to p.
func WithPublisher(p Publisher) Option { return func(s *Service) { s.pub = p } }

// WithNode sets the node number that keeps ids unique across nodes.
func WithNode(n int) Option { return func(s *Service) { s.ids = NewIDGen(n) } }

// WithClock replaces the wall clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithNonceTTL sets how long a send's idempotency key is remembered
// (default 24 hours).
func WithNonceTTL(d time.Duration) Option { return func(s *Service) { s.nonceTTL = d } }

// NewService returns a Service over store.
func NewService(store Store, opts ...Option) *Service {
	s := &Service{
		store:    store,
		ids:      NewIDGen(0),
		pub:      discardPublisher{},
		now:      time.Now,
		nonceTTL: 24 * time.Hour,
		online:   map[int64]bool{},
		dir:      newDirectory(),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// clock returns the current time at millisecond precision, the precision
// every face shows.
func (s *Service) clock() time.Time { return s.now().Truncate(time.Millisecond) }

// HashToken is how tokens are kept: only their SHA-256.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// publish hands a committed change to the live-event layer. It runs after
// the store returned, so the change is durable.
func (s *Service) publish(ctx context.Context, e Event) {
	if e.At.IsZero() {
		e.At = s.clock()
	}
	s.pub.Publish(ctx, e)
}
