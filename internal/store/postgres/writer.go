package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// maxBatch bounds how many appends share one transaction.
const maxBatch = 512

// batchTimeout bounds one batch's work on the database, so a hung server
// fails the appends waiting on it instead of holding them forever.
const batchTimeout = 30 * time.Second

// appendOp is one queued AppendMessage.
type appendOp struct {
	m        chat.Message
	mentions string
	extra    string
	key      *chat.SendKey

	// Set by the writer before done closes.
	out     chat.Message
	created bool
	err     error

	state atomic.Int32
	done  chan struct{}
}

const (
	opQueued    int32 = iota
	opTaken           // the writer runs it: the caller waits for the commit
	opAbandoned       // the caller gave up while it was queued: never run
)

// keyID names an idempotency key: one author's key in one chat.
type keyID struct {
	chatID, authorID int64
	key              string
}

// writer group-commits the appends of its share of the chats: it takes
// every append waiting and stores them in one transaction of two round
// trips (lock the chats and read their keys; insert and commit), so one
// commit acknowledges them all.
type writer struct {
	s    *Store
	ops  chan *appendOp
	done chan struct{}

	nOps, nBatches atomic.Int64 // appends run and transactions tried
}

func newWriter(s *Store) *writer {
	return &writer{s: s, ops: make(chan *appendOp, 4*maxBatch), done: make(chan struct{})}
}

type writerStats struct{ ops, batches int64 }

func (s *Store) stats() writerStats {
	var st writerStats
	for _, w := range s.writers {
		st.ops += w.nOps.Load()
		st.batches += w.nBatches.Load()
	}
	return st
}

// writerOf is the writer that owns chatID: the appends of one chat always
// go through one writer, so a node's own batches never wait on each other.
func (s *Store) writerOf(chatID int64) *writer {
	h := uint64(chatID) * 0x9E3779B97F4A7C15 // ids are time-ordered: mix the bits
	return s.writers[(h>>32)%uint64(len(s.writers))]
}

// AppendMessage measures a key's lifetime from its first use to m.CreatedAt,
// so the Service's clock, not this machine's, decides expiry. A caller whose
// ctx ends while its append is still queued gets ctx's error and the append
// never runs; once a writer took it, the caller waits for the commit.
func (s *Store) AppendMessage(ctx context.Context, m chat.Message, key *chat.SendKey) (chat.Message, bool, error) {
	if err := ctx.Err(); err != nil {
		return chat.Message{}, false, err
	}
	mentions, err := storecodec.EncodeMentions(m.Mentions)
	if err != nil {
		return chat.Message{}, false, err
	}
	extra, err := storecodec.EncodeExtra(m.Extra)
	if err != nil {
		return chat.Message{}, false, err
	}
	o := &appendOp{m: m, mentions: mentions, extra: extra, key: key, done: make(chan struct{})}
	w := s.writerOf(m.ChatID)
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return chat.Message{}, false, ErrClosed
	}
	select {
	case w.ops <- o:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return chat.Message{}, false, ctx.Err()
	}
	select {
	case <-o.done:
	case <-ctx.Done():
		if o.state.CompareAndSwap(opQueued, opAbandoned) {
			return chat.Message{}, false, ctx.Err()
		}
		<-o.done
	}
	return o.out, o.created, o.err
}

// run is the group commit loop. Appends that must wait for the batch they
// were taken in (a second use of one key) are carried into the next.
func (w *writer) run() {
	defer close(w.done)
	var carry []*appendOp
	open := true
	for open || len(carry) > 0 {
		batch := carry
		carry = nil
		if len(batch) == 0 {
			o, ok := <-w.ops
			if !ok {
				return
			}
			batch = append(batch, o)
		}
	fill:
		for open && len(batch) < maxBatch {
			select {
			case o, ok := <-w.ops:
				if !ok {
					open = false
					break fill
				}
				batch = append(batch, o)
			default:
				break fill
			}
		}
		carry = w.runBatch(batch)
	}
}

// runBatch stores batch and answers its callers, but for the appends it
// returns: those reuse a key an earlier append of the batch uses, and are
// decided once that one is committed.
func (w *writer) runBatch(batch []*appendOp) (later []*appendOp) {
	n := 0
	seen := map[keyID]bool{}
	for _, o := range batch {
		if o.state.Load() != opTaken && !o.state.CompareAndSwap(opQueued, opTaken) {
			continue // abandoned
		}
		if o.key != nil {
			k := keyID{o.m.ChatID, o.m.AuthorID, o.key.Key}
			if seen[k] {
				later = append(later, o)
				continue
			}
			seen[k] = true
		}
		batch[n] = o
		n++
	}
	batch = batch[:n]
	if n == 0 {
		return later
	}
	w.nOps.Add(int64(n))
	results, err := w.commitRetrying(batch)
	if code, _ := pgCode(err); err != nil && code == "" {
		// Not PostgreSQL's answer: the connection failed, perhaps after
		// the COMMIT reached the server. Whether the batch is stored is
		// read back rather than reported as a failure it may not be.
		if stored := w.readBack(batch); stored != nil {
			for i, o := range batch {
				answer(o, stored[i])
			}
			return later
		}
	}
	if len(batch) > 1 && isConstraintViolation(err) {
		// One append failed them all (a taken id or uuid), and the
		// transaction is certainly undone: each alone then fails only
		// itself. Any other error (a lost connection, perhaps during the
		// COMMIT) leaves the outcome unknown, so nothing is tried again.
		for _, o := range batch {
			res, err := w.commitRetrying([]*appendOp{o})
			if err != nil {
				res = []result{{err: mapErr(err, "message id or uuid")}}
			}
			answer(o, res[0])
		}
		return later
	}
	for i, o := range batch {
		if err != nil {
			answer(o, result{err: mapErr(err, "message id or uuid")})
		} else {
			answer(o, results[i])
		}
	}
	return later
}

// readBack returns the results of batch when its transaction committed
// though its connection failed, nil when it did not (or the database cannot
// tell yet). The transaction is atomic, so one message of the batch found
// means all of it is stored; an append answered by its key inserted
// nothing, and is run again: its key now names the first message.
func (w *writer) readBack(batch []*appendOp) []result {
	ids := make([]int64, len(batch))
	for i, o := range batch {
		ids[i] = o.m.ID
	}
	var seqs map[int64]int64
	for attempt := 0; attempt < readBackAttempts && len(seqs) == 0; attempt++ {
		if attempt > 0 {
			// A COMMIT that reached the server may still be finishing.
			time.Sleep(readBackPause)
		}
		ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
		rows, err := w.s.pool.Query(ctx, `SELECT id, seq FROM messages WHERE id = ANY($1)`, ids)
		if err == nil {
			seqs = map[int64]int64{}
			var id, seq int64
			_, err = pgx.ForEachRow(rows, []any{&id, &seq}, func() error { seqs[id] = seq; return nil })
		}
		cancel()
		if err != nil {
			return nil
		}
	}
	if len(seqs) == 0 {
		return nil
	}
	out := make([]result, len(batch))
	for i, o := range batch {
		if seq, ok := seqs[o.m.ID]; ok {
			out[i] = result{m: o.m, created: true}
			out[i].m.Seq = seq
			w.s.noteTime(storecodec.MS(o.m.CreatedAt))
			continue
		}
		res, err := w.commitRetrying([]*appendOp{o})
		if err != nil {
			out[i] = result{err: mapErr(err, "message id or uuid")}
		} else {
			out[i] = res[0]
		}
	}
	return out
}

// How long readBack looks for a batch whose connection failed.
const (
	readBackAttempts = 3
	readBackPause    = 100 * time.Millisecond
)

func answer(o *appendOp, r result) {
	o.out, o.created, o.err = r.m, r.created, r.err
	close(o.done)
}

// result is what one append of a committed batch gets.
type result struct {
	m       chat.Message
	created bool
	err     error
}

// isConstraintViolation reports whether PostgreSQL refused a statement for
// breaking a constraint (SQLSTATE class 23).
func isConstraintViolation(err error) bool {
	code, _ := pgCode(err)
	return strings.HasPrefix(code, "23")
}

// commitRetrying is commit, tried again when PostgreSQL gave up on the
// transaction for a reason that a retry clears (a deadlock with some
// other writer, a serialization failure).
func (w *writer) commitRetrying(batch []*appendOp) ([]result, error) {
	for attempt := 0; ; attempt++ {
		res, err := w.commit(batch)
		code, _ := pgCode(err)
		if (code != codeDeadlock && code != codeSerialization) || attempt == 2 {
			return res, err
		}
	}
}

const (
	// sqlLockChats locks the batch's chats in id order, so two nodes'
	// batches over the same chats cannot deadlock. The lock orders every
	// append of a chat: whoever holds it reads last_seq and the chat's
	// keys as the previous holder committed them.
	sqlLockChats = `SELECT id, last_seq FROM chats WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`
	// sqlFindKeys reads the batch's keys and the messages they name (NULL
	// columns when the message is gone).
	sqlFindKeys = `SELECT k.chat_id, k.author_id, k.key, k.created_at, m.id IS NOT NULL, ` + msgColsNullable + `
		FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS q(chat_id, author_id, key)
		JOIN send_keys k ON k.chat_id = q.chat_id AND k.author_id = q.author_id AND k.key = q.key
		LEFT JOIN messages m ON m.id = k.message_id`
	sqlInsertMessages = `INSERT INTO messages (id, uuid, chat_id, seq, author_id, type, content, mentions, quote_id,
		nonce, created_at, edited_at, recalled_at, extra)
		SELECT id, uuid, chat_id, seq, author_id, type, content, mentions::jsonb, quote_id, nonce, created_at, edited_at,
			recalled_at, extra
		FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::bigint[], $5::bigint[], $6::integer[], $7::text[],
			$8::text[], $9::bigint[], $10::text[], $11::bigint[], $12::bigint[], $13::bigint[], $14::text[])
			AS t(id, uuid, chat_id, seq, author_id, type, content, mentions, quote_id, nonce, created_at, edited_at,
				recalled_at, extra)`
	sqlPutKeys = `INSERT INTO send_keys (chat_id, author_id, key, message_id, created_at, expires_at)
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])
		ON CONFLICT (chat_id, author_id, key) DO UPDATE SET
		message_id = excluded.message_id, created_at = excluded.created_at, expires_at = excluded.expires_at`
	sqlBumpChats = `UPDATE chats c SET last_seq = v.last_seq, last_msg_at = v.last_at
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS v(id, last_seq, last_at) WHERE c.id = v.id`
)

// storedKey is a key as the database holds it, with its message.
type storedKey struct {
	m         chat.Message
	createdAt int64
	gone      bool // the message is not there (as good as expired)
}

// commit stores batch in one transaction and returns each append's result,
// in batch's order. An error fails the whole batch: nothing of it is stored.
func (w *writer) commit(batch []*appendOp) (results []result, err error) {
	w.nBatches.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	conn, err := w.s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	// A connection left inside a transaction (a failed batch) is closed by
	// Release rather than reused.
	defer conn.Release()
	defer func() {
		if err != nil && conn.Conn().PgConn().TxStatus() != 'I' {
			conn.Exec(ctx, "ROLLBACK") //nolint:errcheck // the connection may be gone
		}
	}()

	chatIDs := make([]int64, 0, 4)
	var kChats, kAuthors []int64
	var kKeys []string
	for _, o := range batch {
		if !slices.Contains(chatIDs, o.m.ChatID) {
			chatIDs = append(chatIDs, o.m.ChatID)
		}
		if o.key != nil {
			kChats, kAuthors, kKeys = append(kChats, o.m.ChatID), append(kAuthors, o.m.AuthorID), append(kKeys, o.key.Key)
		}
	}

	// Round trip 1: begin, lock the chats, read the keys in use.
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(sqlLockChats, chatIDs)
	if len(kKeys) > 0 {
		// The key lookup is planned for the keys it is given: a generic
		// plan cached while send_keys and messages were small (a new
		// database) goes on scanning them whole once they are not.
		b.Queue("SET LOCAL plan_cache_mode = force_custom_plan")
		b.Queue(sqlFindKeys, kChats, kAuthors, kKeys)
		b.Queue("SET LOCAL plan_cache_mode = auto")
	}
	br := conn.SendBatch(ctx, b)
	lastSeq := make(map[int64]int64, len(chatIDs))
	keys := map[keyID]storedKey{}
	err = func() error {
		if _, err := br.Exec(); err != nil {
			return err
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		var id, seq int64
		if _, err := pgx.ForEachRow(rows, []any{&id, &seq}, func() error { lastSeq[id] = seq; return nil }); err != nil {
			return err
		}
		if len(kKeys) == 0 {
			return nil
		}
		if _, err := br.Exec(); err != nil {
			return err
		}
		if rows, err = br.Query(); err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k keyID
			var createdAt int64
			var stored bool
			m, err := scanMessageAfter(rows, &k.chatID, &k.authorID, &k.key, &createdAt, &stored)
			if err != nil {
				return err
			}
			if stored {
				keys[k] = storedKey{m: m, createdAt: createdAt}
			} else {
				keys[k] = storedKey{createdAt: createdAt, gone: true}
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = br.Exec()
		return err
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: append: %w", err)
	}

	// Decide each append, in queue order: seqs follow it within a chat.
	results = make([]result, len(batch))
	var ins insertArgs
	var keysOut putKeyArgs
	lastAt := map[int64]int64{}
	for i, o := range batch {
		r := &results[i]
		seq, ok := lastSeq[o.m.ChatID]
		if !ok {
			r.err = chat.NotFound(chat.WhatChat)
			continue
		}
		now := storecodec.MS(o.m.CreatedAt)
		if o.key != nil {
			sk, found := keys[keyID{o.m.ChatID, o.m.AuthorID, o.key.Key}]
			if found && !sk.gone && now < sk.createdAt+o.key.Expires.Milliseconds() {
				r.m = sk.m
				continue
			}
			// No key, an expired one, or one whose message is gone: this
			// append takes the key over.
			keysOut.add(o, now)
		}
		seq++
		lastSeq[o.m.ChatID], lastAt[o.m.ChatID] = seq, now
		ins.add(o, seq, now)
		r.m, r.created = o.m, true
		r.m.Seq = seq
	}

	// Round trip 2: store the messages and keys, move the chats, commit.
	b = &pgx.Batch{}
	if len(ins.id) > 0 {
		b.Queue(sqlInsertMessages, ins.id, ins.uuid, ins.chatID, ins.seq, ins.authorID, ins.typ, ins.content,
			ins.mentions, ins.quoteID, ins.nonce, ins.createdAt, ins.editedAt, ins.recalledAt, ins.extra)
		if len(keysOut.chatID) > 0 {
			b.Queue(sqlPutKeys, keysOut.chatID, keysOut.authorID, keysOut.key, keysOut.messageID, keysOut.createdAt, keysOut.expiresAt)
		}
		var ids, seqs, ats []int64
		for id, at := range lastAt {
			ids, seqs, ats = append(ids, id), append(seqs, lastSeq[id]), append(ats, at)
		}
		b.Queue(sqlBumpChats, ids, seqs, ats)
	}
	b.Queue("COMMIT")
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("postgres: append: %w", err)
	}
	for _, at := range lastAt {
		w.s.noteTime(at)
	}
	return results, nil
}

// insertArgs are the columns of the messages a batch inserts, one array
// each, for sqlInsertMessages.
type insertArgs struct {
	id, chatID, seq, authorID, quoteID, createdAt, editedAt, recalledAt []int64
	uuid                                                                []pgtype.UUID
	typ                                                                 []int32
	content, mentions, nonce, extra                                     []string
}

func (a *insertArgs) add(o *appendOp, seq, now int64) {
	m := &o.m
	a.id = append(a.id, m.ID)
	a.uuid = append(a.uuid, pgUUID(m.UUID))
	a.chatID = append(a.chatID, m.ChatID)
	a.seq = append(a.seq, seq)
	a.authorID = append(a.authorID, m.AuthorID)
	a.typ = append(a.typ, int32(m.Type))
	a.content = append(a.content, m.Content)
	a.mentions = append(a.mentions, o.mentions)
	a.extra = append(a.extra, o.extra)
	a.quoteID = append(a.quoteID, m.QuoteID)
	a.nonce = append(a.nonce, m.Nonce)
	a.createdAt = append(a.createdAt, now)
	a.editedAt = append(a.editedAt, storecodec.MS(m.EditedAt))
	a.recalledAt = append(a.recalledAt, storecodec.MS(m.RecalledAt))
}

// putKeyArgs are the keys a batch takes, for sqlPutKeys.
type putKeyArgs struct {
	chatID, authorID, messageID, createdAt, expiresAt []int64
	key                                               []string
}

func (a *putKeyArgs) add(o *appendOp, now int64) {
	a.chatID = append(a.chatID, o.m.ChatID)
	a.authorID = append(a.authorID, o.m.AuthorID)
	a.key = append(a.key, o.key.Key)
	a.messageID = append(a.messageID, o.m.ID)
	a.createdAt = append(a.createdAt, now)
	a.expiresAt = append(a.expiresAt, now+o.key.Expires.Milliseconds())
}
