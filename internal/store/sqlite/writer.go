package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// maxBatch bounds how many writes share one transaction: enough to ride out
// one fsync at the target rate, few enough that one batch stays short.
const maxBatch = 512

// op is one queued write. fn runs on the writer goroutine, inside the
// batch transaction and, unless it is single, its own savepoint.
type op struct {
	fn func(w *writer) error
	// single marks an fn whose first write is the only one that can fail
	// without aborting the transaction (a constraint violation): SQLite
	// undoes a failed statement by itself, so such an op needs no
	// savepoint. A savepoint costs two statements and a copy of every page
	// the op touches that the batch touched before, about a quarter of an
	// append's cost.
	single bool
	err    error
	state  atomic.Int32
	done   chan struct{}
}

const (
	opQueued    int32 = iota
	opTaken           // the writer runs it: the caller waits for the commit
	opAbandoned       // the caller gave up while it was queued: never run
)

// writer owns the single write connection. Only the writer goroutine (and
// Open, before that goroutine starts) touches it.
type writer struct {
	conn  *sql.Conn
	ctx   context.Context // statements are not cut short by a caller's cancellation
	stmts map[string]*sql.Stmt

	// seqs caches chats.last_seq and last_msg_at of the chats written
	// lately, so an append is one INSERT; dirty holds those changed in the
	// running batch, written to chats once per chat before COMMIT. The
	// cache is dropped when the batch fails and when another connection
	// wrote the file (data_version moved).
	seqs        map[int64]*chatSeq
	dirty       map[int64]*chatSeq
	dataVersion int64

	nOps, nBatches atomic.Int64 // ops run and transactions committed or tried
}

type writerStats struct{ ops, batches int64 }

func (w *writer) stats() writerStats {
	return writerStats{ops: w.nOps.Load(), batches: w.nBatches.Load()}
}

// write queues fn and waits until the batch that ran it committed. A caller
// whose ctx ends while fn is still queued gets ctx's error and fn never
// runs; once the writer took fn, the caller waits for the commit, so the
// result it reports is the truth.
func (s *Store) write(ctx context.Context, fn func(w *writer) error) error {
	return s.submit(ctx, &op{fn: fn})
}

// writeSingle is write for an fn that makes at most one write that can
// fail short of aborting the transaction, and makes it first (see op.single).
func (s *Store) writeSingle(ctx context.Context, fn func(w *writer) error) error {
	return s.submit(ctx, &op{fn: fn, single: true})
}

func (s *Store) submit(ctx context.Context, o *op) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o.done = make(chan struct{})
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	select {
	case s.ops <- o:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case <-o.done:
		return o.err
	case <-ctx.Done():
		if o.state.CompareAndSwap(opQueued, opAbandoned) {
			return ctx.Err()
		}
		<-o.done
		return o.err
	}
}

// runWriter is the group commit loop: it takes every write waiting (up to
// maxBatch) and commits them together, so one fsync acknowledges them all.
func (s *Store) runWriter() {
	defer close(s.writerDone)
	batch := make([]*op, 0, maxBatch)
	for o := range s.ops {
		batch = append(batch[:0], o)
	fill:
		for len(batch) < maxBatch {
			select {
			case o, ok := <-s.ops:
				if !ok {
					break fill
				}
				batch = append(batch, o)
			default:
				break fill
			}
		}
		s.w.runBatch(batch)
		clear(batch)
	}
}

// runBatch runs ops in one transaction, each in a savepoint (or, if single,
// relying on SQLite undoing a failed statement) so that a failing op undoes
// only itself, commits once and answers every caller.
func (w *writer) runBatch(batch []*op) {
	n := 0
	for _, o := range batch {
		if o.state.CompareAndSwap(opQueued, opTaken) {
			batch[n] = o
			n++
		}
	}
	batch = batch[:n]
	if n == 0 {
		return
	}
	w.nOps.Add(int64(n))
	w.nBatches.Add(1)
	defer func() {
		for _, o := range batch {
			close(o.done)
		}
	}()
	fail := func(err error) {
		for _, o := range batch {
			o.err = err
		}
	}
	if _, err := w.exec("BEGIN IMMEDIATE"); err != nil {
		fail(fmt.Errorf("sqlite: begin: %w", err))
		return
	}
	if err := w.checkDataVersion(); err != nil {
		w.abort(err, fail)
		return
	}
	for _, o := range batch {
		if o.single {
			if o.err = o.fn(w); o.err != nil && fatal(o.err) {
				// SQLite may have rolled the transaction back already.
				w.abort(fmt.Errorf("sqlite: batch aborted: %w", o.err), fail)
				return
			}
			continue
		}
		if _, err := w.exec("SAVEPOINT op"); err != nil {
			w.abort(fmt.Errorf("sqlite: savepoint: %w", err), fail)
			return
		}
		if o.err = o.fn(w); o.err != nil {
			// SQLite may have rolled the whole transaction back already
			// (disk full, I/O error): then the savepoint is gone too.
			if _, err := w.exec("ROLLBACK TO op"); err != nil {
				w.abort(fmt.Errorf("sqlite: batch aborted by %v: %w", o.err, err), fail)
				return
			}
		}
		if _, err := w.exec("RELEASE op"); err != nil {
			w.abort(fmt.Errorf("sqlite: release savepoint: %w", err), fail)
			return
		}
	}
	if err := w.flushSeqs(); err != nil {
		w.abort(err, fail)
		return
	}
	if _, err := w.exec("COMMIT"); err != nil {
		w.abort(fmt.Errorf("sqlite: commit: %w", err), fail)
	}
}

// abort rolls the batch back and reports err to every op in it: none of
// them is durable.
func (w *writer) abort(err error, fail func(error)) {
	w.exec("ROLLBACK") //nolint:errcheck // the transaction may be gone already
	clear(w.seqs)
	clear(w.dirty)
	fail(err)
}

// fatal reports whether an op's error may have ended the transaction (any
// SQLite error but a constraint violation, which only undoes its
// statement), or came after a single op's first write, which no savepoint
// can undo.
func fatal(err error) bool {
	var aw *writtenError
	if errors.As(err, &aw) {
		return true
	}
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff != sqlite3.SQLITE_CONSTRAINT
}

// writtenError is an error of a single op after its first write.
type writtenError struct{ err error }

func (e *writtenError) Error() string { return e.err.Error() }
func (e *writtenError) Unwrap() error { return e.err }

// afterWrite marks err as coming after a single op's first write: the batch
// must abort, as the op cannot be undone alone.
func afterWrite(err error) error { return &writtenError{err} }

// inTx runs fn in a transaction of its own (used before the writer
// goroutine starts).
func (w *writer) inTx(fn func() error) error {
	if _, err := w.conn.ExecContext(w.ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	if err := fn(); err != nil {
		w.conn.ExecContext(w.ctx, "ROLLBACK") //nolint:errcheck
		return err
	}
	if _, err := w.conn.ExecContext(w.ctx, "COMMIT"); err != nil {
		w.conn.ExecContext(w.ctx, "ROLLBACK") //nolint:errcheck
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// stmt returns the writer's prepared statement for query.
func (w *writer) stmt(query string) (*sql.Stmt, error) {
	if st, ok := w.stmts[query]; ok {
		return st, nil
	}
	st, err := w.conn.PrepareContext(w.ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	w.stmts[query] = st
	return st, nil
}

func (w *writer) exec(query string, args ...any) (sql.Result, error) {
	st, err := w.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(w.ctx, args...)
}

func (w *writer) queryRow(query string, args ...any) scanner {
	st, err := w.stmt(query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(w.ctx, args...)
}

func (w *writer) query(query string, args ...any) (*sql.Rows, error) {
	st, err := w.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(w.ctx, args...)
}

// exists reports whether query finds a row.
func (w *writer) exists(query string, args ...any) (bool, error) {
	var one int
	err := w.queryRow(query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (w *writer) close() error {
	var errs []error
	for _, st := range w.stmts {
		errs = append(errs, st.Close())
	}
	w.stmts = nil
	errs = append(errs, w.conn.Close())
	return errors.Join(errs...)
}
