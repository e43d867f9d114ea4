package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"

	"github.com/jackc/pgx/v5"
)

// logged runs write in one transaction and, when log is not nil and write
// changed something, records log in that transaction (see chat.Store).
//
// The stream's row (chats for a chat, guilds for a guild) is locked before
// write runs: a stream's logged writes then commit one at a time on every
// node, so "newest seq + 1" is gapless and unique, and since appends take
// the same chats lock, the last_seq read under it is exactly the messages
// committed before the change. Locking first, rather than after the write,
// also means two writers never hold a row each and wait for the other's.
// BEGIN goes with the lock, and the change with the COMMIT, so a logged
// write costs two round trips more than its own statements, not four.
//
// log is only filled in (Seq, AfterSeq, and Kind when write sets it) once
// the transaction committed; on failure or no change it is as it came.
func (s *Store) logged(ctx context.Context, log *chat.Change, write func(tx execer) (changed bool, err error)) (bool, error) {
	return s.runLogged(ctx, log, false, write)
}

// loggedCreate is logged for a write that creates the stream's row itself
// (CreateChat, CreateGuild): nothing can be locked before it exists, and
// no one else sees it before the commit, so there is no lock to take; its
// first change follows no message.
func (s *Store) loggedCreate(ctx context.Context, log *chat.Change, write func(tx execer) error) error {
	_, err := s.runLogged(ctx, log, true, func(tx execer) (bool, error) { return true, write(tx) })
	return err
}

func (s *Store) runLogged(ctx context.Context, log *chat.Change, create bool, write func(tx execer) (bool, error)) (bool, error) {
	if log == nil {
		var changed bool
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) (err error) {
			changed, err = write(tx)
			return err
		})
		return changed, err
	}
	orig := *log
	changed, seq, afterSeq, err := s.runLoggedTx(ctx, log, create, write)
	if err != nil || !changed {
		// write may have set log.Kind (PutMember) before failing.
		*log = orig
	} else {
		log.Seq, log.AfterSeq = seq, afterSeq
	}
	return changed, err
}

func (s *Store) runLoggedTx(ctx context.Context, log *chat.Change, create bool, write func(tx execer) (bool, error)) (changed bool, seq, afterSeq int64, err error) {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return false, 0, 0, err
	}
	defer pc.Release()
	conn := pc.Conn()
	defer func() {
		if err != nil || !changed {
			// A connection that cannot roll back is closed by Release.
			conn.Exec(context.Background(), "ROLLBACK") //nolint:errcheck
		}
	}()
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	if !create {
		queueLock(b, log.Stream, &afterSeq)
	}
	if err = conn.SendBatch(ctx, b).Close(); err != nil {
		return false, 0, 0, err
	}
	if changed, err = write(conn); err != nil || !changed {
		return changed, 0, 0, err
	}
	b = &pgx.Batch{}
	queueChange(b, *log, afterSeq, &seq)
	b.Queue("COMMIT")
	err = conn.SendBatch(ctx, b).Close()
	return changed, seq, afterSeq, err
}

// queueLock queues the lock of the row that orders stream's changes; it
// sets afterSeq, the AfterSeq of a change logged under it: the chat's
// last_seq, or 0 for a guild. A missing row is a NotFound of the chat or
// guild.
func queueLock(b *pgx.Batch, stream int64, afterSeq *int64) {
	switch {
	case stream > 0:
		b.Queue(`SELECT last_seq FROM chats WHERE id = $1 FOR NO KEY UPDATE`, stream).QueryRow(func(r pgx.Row) error {
			return notFoundIfNoRows(r.Scan(afterSeq), chat.WhatChat)
		})
	case stream < 0:
		b.Queue(`SELECT 0 FROM guilds WHERE id = $1 FOR NO KEY UPDATE`, -stream).QueryRow(func(r pgx.Row) error {
			return notFoundIfNoRows(r.Scan(afterSeq), chat.WhatGuild)
		})
	default:
		b.Queue(`SELECT 1/0`) // a stream of nothing: fail the transaction
	}
}

// queueChange queues the insert of c as its stream's next change, setting
// seq. Under READ COMMITTED its snapshot is taken after the stream's lock
// was granted, so it sees every change logged before.
func queueChange(b *pgx.Batch, c chat.Change, afterSeq int64, seq *int64) {
	b.Queue(`INSERT INTO changes (stream, seq, after_seq, kind, chat_id, guild_id, message_id, user_id,
		actor_id, emoji, at)
		SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM changes WHERE stream = $1
		RETURNING seq`,
		c.Stream, afterSeq, int32(c.Kind), c.ChatID, c.GuildID, c.MessageID, c.UserID, c.ActorID, c.Emoji,
		storecodec.MS(c.At)).QueryRow(func(r pgx.Row) error { return r.Scan(seq) })
}

func (s *Store) ChangesAfter(ctx context.Context, stream, after int64, limit int) ([]chat.Change, error) {
	if limit <= 0 {
		return []chat.Change{}, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT stream, seq, after_seq, kind, chat_id, guild_id, message_id, user_id, actor_id,
		emoji, at FROM changes WHERE stream = $1 AND seq > $2 ORDER BY seq LIMIT $3`, stream, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []chat.Change{}
	for rows.Next() {
		var c chat.Change
		var kind int32
		var at int64
		if err := rows.Scan(&c.Stream, &c.Seq, &c.AfterSeq, &kind, &c.ChatID, &c.GuildID, &c.MessageID, &c.UserID,
			&c.ActorID, &c.Emoji, &at); err != nil {
			return nil, err
		}
		c.Kind, c.At = chat.EventKind(kind), storecodec.FromMS(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// LastChangeBefore walks the stream's changes from the newest: the first
// one old enough is usually the newest itself.
func (s *Store) LastChangeBefore(ctx context.Context, stream int64, t time.Time) (int64, error) {
	var seq int64
	err := s.pool.QueryRow(ctx, `SELECT seq FROM changes WHERE stream = $1 AND at < $2 ORDER BY seq DESC LIMIT 1`,
		stream, storecodec.MS(t)).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return seq, err
}

func (s *Store) StreamsChangedSince(ctx context.Context, t time.Time) ([]int64, error) {
	return s.ids(ctx, `SELECT DISTINCT stream FROM changes WHERE at >= $1 ORDER BY 1`, storecodec.MS(t))
}

// PruneChanges keeps each stream's newest change whatever its age, since
// the next seq is its seq + 1: a change goes only when this statement sees
// a newer one of its stream, which is committed and so stays.
func (s *Store) PruneChanges(ctx context.Context, before time.Time) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM changes c WHERE c.at < $1
		AND EXISTS (SELECT 1 FROM changes n WHERE n.stream = c.stream AND n.seq > c.seq)`, storecodec.MS(before))
	return err
}
