// Package sqlite is chatd's embedded store: chat.Store over one SQLite file
// in WAL mode. One writer connection, fed by a single goroutine that group-
// commits every write (see writer.go), and a pool of read-only connections
// that read beside it.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/chatd/chatd/internal/chat"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("sqlite: store closed")

var _ chat.Store = (*Store)(nil)

// Store is chat.Store on SQLite. It is safe for concurrent use.
type Store struct {
	path string
	wdb  *sql.DB // exactly one connection, owned by the writer goroutine
	rdb  *sql.DB // read-only pool
	w    *writer

	rmu   sync.RWMutex
	rstmt map[string]*sql.Stmt // prepared statements of the read pool, by text

	// mu guards closed and sending on ops: Close takes it exclusively
	// before closing ops, so no send can race the close.
	mu     sync.RWMutex
	closed bool
	ops    chan *op

	writerDone chan struct{}
	closeOnce  sync.Once
	closeErr   error
}

// Open opens (creating it and its directory when missing) the database file
// at path and brings its schema up to date.
func Open(path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("sqlite: create directory: %w", err)
	}
	s := &Store{path: abs, rstmt: map[string]*sql.Stmt{}, ops: make(chan *op, 4*maxBatch),
		writerDone: make(chan struct{})}
	if err := s.openWriter(); err != nil {
		return nil, err
	}
	if err := s.openReaders(); err != nil {
		s.wdb.Close()
		return nil, err
	}
	go s.runWriter()
	return s, nil
}

// dsn is the driver name of the database file with the given parameters.
// The file: URI form lets SQLite see its own parameters (mode=ro) too.
func dsn(path string, params url.Values) string {
	u := url.URL{Scheme: "file", Path: path, RawQuery: params.Encode()}
	return u.String()
}

func (s *Store) openWriter() error {
	params := url.Values{
		"_busy_timeout": {"10000"},
		"_journal_mode": {"WAL"},
		"_synchronous":  {"FULL"}, // an ack means the WAL frame is on disk
		"_foreign_keys": {"1"},
		"_dqs":          {"0"},
		"_pragma":       {"temp_store(MEMORY)", "cache_size(-65536)", "mmap_size(1073741824)"},
	}
	db, err := sql.Open("sqlite", dsn(s.path, params))
	if err != nil {
		return fmt.Errorf("sqlite: open %s: %w", s.path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return fmt.Errorf("sqlite: open %s: %w", s.path, err)
	}
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || !strings.EqualFold(mode, "wal") {
		conn.Close()
		db.Close()
		return fmt.Errorf("sqlite: %s: journal mode %q, want wal: %v", s.path, mode, err)
	}
	s.wdb = db
	s.w = &writer{conn: conn, ctx: ctx, stmts: map[string]*sql.Stmt{}, seqs: map[int64]*chatSeq{}, dirty: map[int64]*chatSeq{}}
	if err := s.w.inTx(func() error { return applyMigrations(ctx, conn) }); err != nil {
		conn.Close()
		db.Close()
		return err
	}
	return nil
}

func (s *Store) openReaders() error {
	params := url.Values{
		"mode":          {"ro"},
		"_busy_timeout": {"10000"},
		"_query_only":   {"1"},
		"_pragma":       {"temp_store(MEMORY)", "cache_size(-16384)", "mmap_size(1073741824)"},
	}
	db, err := sql.Open("sqlite", dsn(s.path, params))
	if err != nil {
		return fmt.Errorf("sqlite: open readers: %w", err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(context.Background()); err != nil {
		db.Close()
		return fmt.Errorf("sqlite: open readers: %w", err)
	}
	s.rdb = db
	return nil
}

// Migrate applies the embedded migrations not applied yet. Open already
// does; it is exported for tools that upgrade a file without serving it.
func (s *Store) Migrate(ctx context.Context) error {
	return s.write(ctx, func(w *writer) error { return applyMigrations(w.ctx, w.conn) })
}

// Close lets the writer finish every queued write, then closes the files.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.ops)
		s.mu.Unlock()
		<-s.writerDone

		var errs []error
		s.rmu.Lock()
		for _, st := range s.rstmt {
			errs = append(errs, st.Close())
		}
		s.rstmt = nil
		s.rmu.Unlock()
		errs = append(errs, s.rdb.Close())
		errs = append(errs, s.w.close())
		errs = append(errs, s.wdb.Close())
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// stmt returns the read pool's prepared statement for query, preparing it
// on first use.
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	s.rmu.RLock()
	st, ok := s.rstmt[query]
	s.rmu.RUnlock()
	if ok {
		return st, nil
	}
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if s.rstmt == nil {
		return nil, ErrClosed
	}
	if st, ok := s.rstmt[query]; ok {
		return st, nil
	}
	st, err := s.rdb.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	s.rstmt[query] = st
	return st, nil
}

// shortRead is the context for a read that follows an index to a bounded
// number of rows: the caller's, minus its cancellation once it is checked.
// The driver watches a cancelable context with a goroutine and a progress
// handler per statement, which doubles the cost of a point lookup; such a
// read ends sooner than the cancellation would.
func shortRead(ctx context.Context) (context.Context, error) {
	if ctx.Done() == nil {
		return ctx, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return context.WithoutCancel(ctx), nil
}

// query runs a short read on the read pool.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx, err := shortRead(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// queryRow runs a short one-row read on the read pool.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) scanner {
	ctx, err := shortRead(ctx)
	if err != nil {
		return errRow{err}
	}
	st, err := s.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// errRow is a row that failed before it was read.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// ids runs a query of one integer column and returns its values.
func (s *Store) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
