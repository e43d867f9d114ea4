package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// msgColsM reads a message from `messages m`.
const msgColsM = `m.id, m.uuid, m.chat_id, m.seq, m.author_id, m.type, m.content, m.mentions::text, m.quote_id, m.nonce,
	m.created_at, m.edited_at, m.recalled_at, m.extra`

// msgColsNullable is msgColsM for a message that may be missing (from an
// outer join): its NULLs read as zero values.
const msgColsNullable = `COALESCE(m.id, 0), COALESCE(m.uuid, '00000000-0000-0000-0000-000000000000'), COALESCE(m.chat_id, 0),
	COALESCE(m.seq, 0), COALESCE(m.author_id, 0), COALESCE(m.type, 0), COALESCE(m.content, ''),
	COALESCE(m.mentions::text, '{}'), COALESCE(m.quote_id, 0), COALESCE(m.nonce, ''), COALESCE(m.created_at, 0),
	COALESCE(m.edited_at, 0), COALESCE(m.recalled_at, 0), COALESCE(m.extra, '')`

func scanMessage(row pgx.Row) (chat.Message, error) { return scanMessageAfter(row) }

// scanMessageAfter scans a message whose columns follow before.
func scanMessageAfter(row pgx.Row, before ...any) (chat.Message, error) {
	var m chat.Message
	var uuid pgtype.UUID
	var typ int32
	var mentions, extra string
	var created, edited, recalled int64
	dest := append(before, &m.ID, &uuid, &m.ChatID, &m.Seq, &m.AuthorID, &typ, &m.Content, &mentions,
		&m.QuoteID, &m.Nonce, &created, &edited, &recalled, &extra)
	if err := row.Scan(dest...); err != nil {
		return m, err
	}
	m.UUID = uuid.Bytes
	m.Type = chat.MessageType(typ)
	m.CreatedAt, m.EditedAt, m.RecalledAt = storecodec.FromMS(created), storecodec.FromMS(edited), storecodec.FromMS(recalled)
	var err error
	if m.Mentions, err = storecodec.DecodeMentions(mentions); err != nil {
		return m, err
	}
	m.Extra, err = storecodec.DecodeExtra(extra)
	return m, err
}

func scanMessages(rows pgx.Rows, err error, capacity int) ([]chat.Message, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]chat.Message, 0, capacity)
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Store) Message(ctx context.Context, id int64) (chat.Message, error) {
	m, err := scanMessage(s.pool.QueryRow(ctx, `SELECT `+msgColsM+` FROM messages m WHERE m.id = $1`, id))
	return m, notFoundIfNoRows(err, chat.WhatMessage)
}

func (s *Store) MessageByUUID(ctx context.Context, u chat.UUID) (chat.Message, error) {
	m, err := scanMessage(s.pool.QueryRow(ctx, `SELECT `+msgColsM+` FROM messages m WHERE m.uuid = $1`, pgUUID(u)))
	return m, notFoundIfNoRows(err, chat.WhatMessage)
}

func (s *Store) MessagesByID(ctx context.Context, ids []int64) (map[int64]chat.Message, error) {
	out := make(map[int64]chat.Message, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+msgColsM+` FROM messages m WHERE m.id = ANY($1)`, ids)
	msgs, err := scanMessages(rows, err, len(ids))
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		out[m.ID] = m
	}
	return out, nil
}

// The history queries walk the (chat_id, seq) index from the anchor; the
// recalled, hidden and type filters only skip rows on the way. $2 is
// WithRecalled, $5 HiddenFor (0 for no one), $6 Type (0 for any).
const (
	sqlListFilter = ` AND ($2 OR m.recalled_at = 0) AND ($6::integer = 0 OR m.type = $6::integer)
		AND ($5::bigint = 0 OR NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = $5::bigint AND h.message_id = m.id))`
	sqlListLatest = `SELECT ` + msgColsM + ` FROM messages m WHERE m.chat_id = $1 AND $4::bigint >= 0` + sqlListFilter + `
		ORDER BY m.seq DESC LIMIT $3`
	sqlListBefore = `SELECT ` + msgColsM + ` FROM messages m WHERE m.chat_id = $1 AND m.seq < $4` + sqlListFilter + `
		ORDER BY m.seq DESC LIMIT $3`
	sqlListAfter = `SELECT ` + msgColsM + ` FROM messages m WHERE m.chat_id = $1 AND m.seq > $4` + sqlListFilter + `
		ORDER BY m.seq ASC LIMIT $3`
)

func (s *Store) ListMessages(ctx context.Context, q chat.MessageQuery) ([]chat.Message, error) {
	if q.Limit <= 0 {
		return []chat.Message{}, nil
	}
	var query string
	switch q.Direction {
	case chat.Latest:
		query = sqlListLatest
	case chat.Before:
		query = sqlListBefore
	case chat.After:
		query = sqlListAfter
	default:
		return nil, fmt.Errorf("postgres: direction %d: %w", q.Direction, chat.ErrInvalid)
	}
	rows, err := s.pool.Query(ctx, query, q.ChatID, q.WithRecalled, q.Limit, max(q.AnchorSeq, 0), q.HiddenFor, int32(q.Type))
	msgs, err := scanMessages(rows, err, q.Limit)
	if err != nil {
		return nil, err
	}
	if q.Direction != chat.After {
		slices.Reverse(msgs)
	}
	return msgs, nil
}

// EditMessage locks the message's row while it numbers the revision, so
// two nodes editing one message at once keep both versions in order.
func (s *Store) EditMessage(ctx context.Context, m chat.Message, editorID int64, log *chat.Change) error {
	mentions, err := storecodec.EncodeMentions(m.Mentions)
	if err != nil {
		return err
	}
	extra, err := storecodec.EncodeExtra(m.Extra)
	if err != nil {
		return err
	}
	_, err = s.logged(ctx, log, func(tx execer) (bool, error) {
		var oldContent, oldMentions, oldExtra string
		var oldQuote int64
		err := tx.QueryRow(ctx, `SELECT content, mentions::text, quote_id, extra FROM messages WHERE id = $1 FOR UPDATE`, m.ID).
			Scan(&oldContent, &oldMentions, &oldQuote, &oldExtra)
		if err != nil {
			return false, notFoundIfNoRows(err, chat.WhatMessage)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO revisions (message_id, rev, content, mentions, quote_id, editor_id, edited_at, extra)
			SELECT $1, COALESCE(MAX(rev), 0) + 1, $2, $3::jsonb, $4, $5, $6, $7 FROM revisions WHERE message_id = $1`,
			m.ID, oldContent, oldMentions, oldQuote, editorID, storecodec.MS(m.EditedAt), oldExtra); err != nil {
			return false, err
		}
		_, err = tx.Exec(ctx, `UPDATE messages SET content = $1, mentions = $2::jsonb, quote_id = $3, edited_at = $4, extra = $5
			WHERE id = $6`, m.Content, mentions, m.QuoteID, storecodec.MS(m.EditedAt), extra, m.ID)
		return true, err
	})
	return err
}

func (s *Store) Revisions(ctx context.Context, messageID int64) ([]chat.Revision, error) {
	rows, err := s.pool.Query(ctx, `SELECT message_id, rev, content, mentions::text, quote_id, editor_id, edited_at, extra
		FROM revisions WHERE message_id = $1 ORDER BY rev`, messageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []chat.Revision{}
	for rows.Next() {
		var r chat.Revision
		var mentions, extra string
		var edited int64
		if err := rows.Scan(&r.MessageID, &r.Rev, &r.Content, &mentions, &r.QuoteID, &r.EditorID, &edited, &extra); err != nil {
			return nil, err
		}
		r.EditedAt = storecodec.FromMS(edited)
		if r.Mentions, err = storecodec.DecodeMentions(mentions); err != nil {
			return nil, err
		}
		if r.Extra, err = storecodec.DecodeExtra(extra); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RecallMessage keeps the first recall time when called twice.
func (s *Store) RecallMessage(ctx context.Context, id int64, at time.Time, log *chat.Change) error {
	_, err := s.logged(ctx, log, func(tx execer) (bool, error) {
		tag, err := tx.Exec(ctx, `UPDATE messages SET recalled_at = CASE WHEN recalled_at = 0 THEN $1 ELSE recalled_at END
			WHERE id = $2`, storecodec.MS(at), id)
		return true, mustChange(tag, err, chat.WhatMessage)
	})
	return err
}

// ChatsWithMessagesFrom reads a range of the messages' primary key.
func (s *Store) ChatsWithMessagesFrom(ctx context.Context, minID int64) ([]int64, error) {
	return s.ids(ctx, `SELECT DISTINCT chat_id FROM messages WHERE id >= $1 ORDER BY 1`, minID)
}

func (s *Store) CountUnread(ctx context.Context, chatID, userID, afterSeq int64) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM messages
		WHERE chat_id = $1 AND seq > $2 AND author_id <> $3 AND recalled_at = 0`, chatID, afterSeq, userID).Scan(&n)
	return n, err
}
