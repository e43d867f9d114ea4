package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// Leases are session-level advisory locks, each held by a connection of
// its own: when the node dies, its connection closes and PostgreSQL
// releases the lock, so another node's Hold returns. No table, no clock:
// the lock is exactly as alive as the connection.
type Leases struct {
	s *Store
	// Poll is how often a waiting node tries the lock and a holding node
	// checks its connection (default 1 s).
	Poll time.Duration
}

var _ chat.Leases = (*Leases)(nil)

// Leases returns the store's leases.
func (s *Store) Leases() *Leases { return &Leases{s: s, Poll: time.Second} }

// Hold takes the advisory lock named name (hashed to a key), waiting for
// it.
func (l *Leases) Hold(ctx context.Context, name string) (context.Context, func(), error) {
	held, release, _, err := l.hold(ctx, name, true)
	return held, release, err
}

// ErrHeld is TryHold's error when another connection holds the lease.
var ErrHeld = errors.New("postgres lease: held by another node")

// TryHold is Hold without the wait: it fails with ErrHeld at once when
// another node holds the lease.
func (l *Leases) TryHold(ctx context.Context, name string) (context.Context, func(), error) {
	held, release, got, err := l.hold(ctx, name, false)
	if err == nil && !got {
		err = fmt.Errorf("postgres lease %s: %w", name, ErrHeld)
	}
	return held, release, err
}

func (l *Leases) hold(ctx context.Context, name string, wait bool) (context.Context, func(), bool, error) {
	pc, err := l.s.pool.Acquire(ctx)
	if err != nil {
		return nil, nil, false, fmt.Errorf("postgres lease %s: %w", name, err)
	}
	conn := pc.Hijack() // the lock lives and dies with this connection alone
	const key = `hashtextextended('chatd:' || current_schema() || ':' || $1, 0)`
	for {
		var got bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+key+`)`, name).Scan(&got); err != nil {
			conn.Close(context.Background())
			return nil, nil, false, fmt.Errorf("postgres lease %s: %w", name, err)
		}
		if got {
			break
		}
		if !wait {
			conn.Close(context.Background())
			return nil, nil, false, nil
		}
		select {
		case <-ctx.Done():
			conn.Close(context.Background())
			return nil, nil, false, ctx.Err()
		case <-time.After(l.Poll):
		}
	}
	held, lost := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer conn.Close(context.Background())
		defer lost()
		t := time.NewTicker(l.Poll)
		defer t.Stop()
		for {
			select {
			case <-held.Done():
				return // released; closing the connection drops the lock
			case <-t.C:
			}
			pctx, cancel := context.WithTimeout(held, 5*time.Second)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return
			}
		}
	}()
	return held, func() { lost(); <-done }, true, nil
}
