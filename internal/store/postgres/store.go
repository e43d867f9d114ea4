// Package postgres is chat.Store on PostgreSQL, for running several chatd
// nodes on one database. Appends are group-committed by writer goroutines
// (see writer.go); every other call is one statement or one short
// transaction on the pool. What keeps several nodes correct lives in the
// database, not in a node: a chat's row lock orders its appends, unique
// constraints decide idempotency keys and direct-chat pairs.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/chatd/chatd/internal/chat"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrClosed is returned by appends after Close.
var ErrClosed = errors.New("postgres: store closed")

var _ chat.Store = (*Store)(nil)

// Store is chat.Store on PostgreSQL. It is safe for concurrent use, and
// several Stores (in several processes) may share one database.
type Store struct {
	pool    *pgxpool.Pool
	writers []*writer

	// mu guards closed against appends queueing while Close runs.
	mu     sync.RWMutex
	closed bool

	now atomic.Int64 // newest message time written, unix ms (see noteTime)

	stopJanitor context.CancelFunc
	janitorDone chan struct{}
	closeOnce   sync.Once
}

// Option configures Open.
type Option func(*options)

type options struct {
	writers int
}

// WithWriters sets how many group-commit writers run (default 2). Each owns
// the chats whose id falls in its share, so its batches never wait on
// another writer of the same node; more writers keep more commits in
// flight at once.
func WithWriters(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.writers = n
		}
	}
}

// Open connects to the database a postgres:// URL names (pgx's connection
// string: any parameter it does not know, such as search_path, is sent to
// the server as a setting) and brings its schema up to date.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return OpenConfig(ctx, cfg, opts...)
}

// OpenConfig is Open with a parsed pool configuration.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config, opts ...Option) (*Store, error) {
	o := options{writers: 2}
	for _, opt := range opts {
		opt(&o)
	}
	// Every writer holds a connection through a whole batch; readers need
	// some beside them.
	cfg.MaxConns = max(cfg.MaxConns, int32(o.writers)+8)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool, janitorDone: make(chan struct{})}
	if err := s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	for range o.writers {
		w := newWriter(s)
		s.writers = append(s.writers, w)
		go w.run()
	}
	jctx, cancel := context.WithCancel(context.Background())
	s.stopJanitor = cancel
	go s.runJanitor(jctx)
	return s, nil
}

// Pool is the store's connection pool, for tools and tests that look at
// the database directly.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close lets the writers finish every queued append, then closes the pool.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.stopJanitor()
		<-s.janitorDone
		s.mu.Lock()
		s.closed = true
		for _, w := range s.writers {
			close(w.ops)
		}
		s.mu.Unlock()
		for _, w := range s.writers {
			<-w.done
		}
		s.pool.Close()
	})
	return nil
}

// PostgreSQL error codes the store tells apart.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeSerialization       = "40001"
	codeDeadlock            = "40P01"
)

func pgCode(err error) (code, constraint string) {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code, e.ConstraintName
	}
	return "", ""
}

// missingRefs names what a foreign key violation means is missing.
var missingRefs = map[string]string{
	"guilds_owner_id_fkey":      chat.WhatUser,
	"members_guild_id_fkey":     chat.WhatGuild,
	"members_user_id_fkey":      chat.WhatUser,
	"roles_guild_id_fkey":       chat.WhatGuild,
	"chats_guild_id_fkey":       chat.WhatGuild,
	"pins_chat_id_fkey":         chat.WhatChat,
	"pins_message_id_fkey":      chat.WhatMessage,
	"reactions_message_id_fkey": chat.WhatMessage,
	"read_states_chat_id_fkey":  chat.WhatChat,
	"revisions_message_id_fkey": chat.WhatMessage,
}

// mapErr turns what a constraint says into the port's errors: a uniqueness
// violation is ErrConflict about what, a missing reference a NotFound.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	code, constraint := pgCode(err)
	switch code {
	case codeUniqueViolation:
		return fmt.Errorf("%s: %w", what, chat.ErrConflict)
	case codeForeignKeyViolation:
		if w, ok := missingRefs[constraint]; ok {
			return chat.NotFound(w)
		}
	}
	return err
}

// notFoundIfNoRows turns pgx.ErrNoRows into a NotFound of what.
func notFoundIfNoRows(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return chat.NotFound(what)
	}
	return err
}

// mustChange turns "no row changed" into a NotFound of what.
func mustChange(tag pgconn.CommandTag, err error, what string) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return chat.NotFound(what)
	}
	return nil
}

// affected reports whether a statement changed a row (an insert that met
// its conflict, a delete that found nothing, did not).
func affected(tag pgconn.CommandTag, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}

// execer is the pool or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ids runs a query of one bigint column and returns its values.
func (s *Store) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if ids == nil {
		ids = []int64{}
	}
	return ids, err
}
