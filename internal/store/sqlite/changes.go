package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"
)

// changeLog is the change a write logs (chat.ChangeStore). The writer fills
// in row inside the write's transaction; the caller's log gets it only in
// commit, once that transaction committed, so a write that failed, or whose
// batch rolled back after it ran, leaves log with Seq 0.
type changeLog struct {
	log *chat.Change // nil: the caller logs nothing
	row chat.Change  // what is written: *log, with Seq and AfterSeq set
}

func logTo(log *chat.Change) changeLog {
	if log == nil {
		return changeLog{}
	}
	return changeLog{log: log, row: *log}
}

// afterSeq is the row's AfterSeq: a chat stream's last message seq as the
// writer knows it (chats.last_seq lags until the batch ends), 0 for a
// guild's stream. A chat gone since is a NotFound of what, the thing the
// write was about. Ops read it before their first write, so it fails
// without aborting the batch.
func (l *changeLog) afterSeq(w *writer, what string) (int64, error) {
	if l.log == nil || l.row.Stream <= 0 {
		return 0, nil
	}
	cs, err := w.chatSeq(l.row.Stream)
	if errors.Is(err, chat.ErrNotFound) {
		return 0, chat.NotFound(what)
	}
	if err != nil {
		return 0, err
	}
	return cs.last, nil
}

// sqlLogChange numbers the change in the statement that stores it: the
// writer is single, so MAX + 1 cannot race and seqs stay gapless.
const sqlLogChange = `INSERT INTO changes (stream, seq, after_seq, kind, chat_id, guild_id, message_id, user_id, actor_id, emoji, at)
	SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 FROM changes WHERE stream = ?1
	RETURNING seq`

// write stores the change, when there is a log, with afterSeq. It always
// follows the write it logs, so its error is afterWrite's: a single op
// cannot undo that first write alone.
func (l *changeLog) write(w *writer, afterSeq int64) error {
	if l.log == nil {
		return nil
	}
	r := l.row
	err := w.queryRow(sqlLogChange, r.Stream, afterSeq, int64(r.Kind), r.ChatID, r.GuildID, r.MessageID,
		r.UserID, r.ActorID, r.Emoji, storecodec.MS(r.At)).Scan(&r.Seq)
	if err != nil {
		return afterWrite(fmt.Errorf("sqlite: log change: %w", err))
	}
	r.AfterSeq = afterSeq
	l.row = r
	return nil
}

// logged runs write as one writer op that makes its one write first (see
// writeSingle) and, when write changed something, logs log after it, with
// the stream's AfterSeq (what is the NotFound of a chat stream that is
// gone).
func (s *Store) logged(ctx context.Context, log *chat.Change, what string, write func(w *writer) (changed bool, err error)) (bool, error) {
	cl := logTo(log)
	var changed bool
	err := s.writeSingle(ctx, func(w *writer) error {
		after, err := cl.afterSeq(w, what)
		if err != nil {
			return err
		}
		if changed, err = write(w); err != nil || !changed {
			return err
		}
		return cl.write(w, after)
	})
	return changed, cl.commit(err)
}

// commit hands the logged change to the caller once its write committed
// (err is the write's result) and returns err.
func (l *changeLog) commit(err error) error {
	if err == nil && l.log != nil && l.row.Seq != 0 {
		*l.log = l.row
	}
	return err
}

const changeCols = `stream, seq, after_seq, kind, chat_id, guild_id, message_id, user_id, actor_id, emoji, at`

// sqlChangesAfter reads one range of the primary key.
const sqlChangesAfter = `SELECT ` + changeCols + ` FROM changes WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?`

func (s *Store) ChangesAfter(ctx context.Context, stream, after int64, limit int) ([]chat.Change, error) {
	if limit <= 0 {
		return []chat.Change{}, nil
	}
	rows, err := s.query(ctx, sqlChangesAfter, stream, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]chat.Change, 0, min(limit, 64))
	for rows.Next() {
		var c chat.Change
		var kind, at int64
		if err := rows.Scan(&c.Stream, &c.Seq, &c.AfterSeq, &kind, &c.ChatID, &c.GuildID, &c.MessageID,
			&c.UserID, &c.ActorID, &c.Emoji, &at); err != nil {
			return nil, err
		}
		c.Kind, c.At = chat.EventKind(kind), storecodec.FromMS(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// sqlLastChangeBefore walks the stream's primary key from its newest
// change: the first one old enough is usually the newest itself.
const sqlLastChangeBefore = `SELECT seq FROM changes WHERE stream = ? AND at < ? ORDER BY seq DESC LIMIT 1`

func (s *Store) LastChangeBefore(ctx context.Context, stream int64, t time.Time) (int64, error) {
	var seq int64
	err := s.queryRow(ctx, sqlLastChangeBefore, stream, storecodec.MS(t)).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, err
}

// sqlStreamsChangedSince: as sqlChatsWithMessagesFrom, a range of one
// index, then the distinct values.
const sqlStreamsChangedSince = `WITH r AS MATERIALIZED (SELECT stream FROM changes WHERE at >= ?)
	SELECT DISTINCT stream FROM r ORDER BY 1`

func (s *Store) StreamsChangedSince(ctx context.Context, t time.Time) ([]int64, error) {
	return s.ids(ctx, sqlStreamsChangedSince, storecodec.MS(t))
}

// pruneChunk bounds the rows one pruning op deletes, so pruning a long
// backlog never holds the writer for long.
const pruneChunk = 1000

// sqlPruneChanges keeps each stream's newest change whatever its age: the
// next seq is MAX + 1, so numbering goes on after it.
const sqlPruneChanges = `DELETE FROM changes WHERE (stream, seq) IN (
	SELECT stream, seq FROM changes c WHERE at < ?1
		AND seq < (SELECT MAX(seq) FROM changes n WHERE n.stream = c.stream)
	LIMIT ?2)`

func (s *Store) PruneChanges(ctx context.Context, before time.Time) error {
	for {
		var n int64
		err := s.writeSingle(ctx, func(w *writer) error {
			res, err := w.exec(sqlPruneChanges, storecodec.MS(before), pruneChunk)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: prune changes: %w", err)
		}
		if n < pruneChunk {
			return nil
		}
	}
}
