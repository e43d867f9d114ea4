package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"
)

const msgCols = `id, uuid, chat_id, seq, author_id, type, content, mentions, quote_id, nonce,
	created_at, edited_at, recalled_at, extra`

// messageRow is what one row of msgCols scans into. Scanning into fields of
// one value, reused for every row of a result, spares the allocation of
// each destination that a fresh set of locals costs per row.
type messageRow struct {
	m               chat.Message
	uuid            sql.RawBytes // copied out at once; []byte for a *sql.Row
	mentions, extra string
	// Integers are scanned as int64: database/sql converts into other
	// integer types by formatting and parsing a string.
	typ, created, edited, recalled int64
	dest                           []any
}

// newMessageRow returns a messageRow for a *sql.Rows, or with one false for
// a *sql.Row, which does not take sql.RawBytes.
func newMessageRow(rows bool) *messageRow {
	r := &messageRow{}
	var uuid any = &r.uuid
	if !rows {
		uuid = (*[]byte)(&r.uuid)
	}
	r.dest = []any{&r.m.ID, uuid, &r.m.ChatID, &r.m.Seq, &r.m.AuthorID, &r.typ, &r.m.Content, &r.mentions,
		&r.m.QuoteID, &r.m.Nonce, &r.created, &r.edited, &r.recalled, &r.extra}
	return r
}

func (r *messageRow) scan(sc scanner) (chat.Message, error) {
	r.m = chat.Message{}
	if err := sc.Scan(r.dest...); err != nil {
		return chat.Message{}, err
	}
	m := r.m
	m.Type = chat.MessageType(r.typ)
	if len(r.uuid) != len(m.UUID) {
		return m, fmt.Errorf("sqlite: message %d: uuid of %d bytes", m.ID, len(r.uuid))
	}
	copy(m.UUID[:], r.uuid)
	m.CreatedAt, m.EditedAt, m.RecalledAt = storecodec.FromMS(r.created), storecodec.FromMS(r.edited), storecodec.FromMS(r.recalled)
	var err error
	if m.Mentions, err = storecodec.DecodeMentions(r.mentions); err != nil {
		return m, err
	}
	m.Extra, err = storecodec.DecodeExtra(r.extra)
	return m, err
}

func scanMessage(sc scanner) (chat.Message, error) {
	return newMessageRow(false).scan(sc)
}

func oneMessage(row scanner) (chat.Message, error) {
	m, err := scanMessage(row)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.Message{}, chat.NotFound(chat.WhatMessage)
	}
	return m, err
}

func scanMessages(rows *sql.Rows, err error, capacity int) ([]chat.Message, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]chat.Message, 0, capacity)
	r := newMessageRow(true)
	for rows.Next() {
		m, err := r.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

const (
	sqlMessageByID = `SELECT ` + msgCols + ` FROM messages WHERE id = ?`
	sqlInsertMsg   = `INSERT INTO messages (id, uuid, chat_id, seq, author_id, type, content, mentions, quote_id,
		nonce, created_at, edited_at, recalled_at, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlInsertKeyedMsg = `INSERT INTO messages (id, uuid, chat_id, seq, author_id, type, content, mentions, quote_id,
		nonce, created_at, edited_at, recalled_at, extra, send_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlKeyHolder = `SELECT ` + msgCols + ` FROM messages WHERE chat_id = ? AND author_id = ? AND send_key = ?`
	sqlDropKey   = `UPDATE messages SET send_key = NULL WHERE id = ?`
)

// AppendMessage measures a key's lifetime from its first use to m.CreatedAt,
// so the Service's clock, not this machine's, decides expiry.
//
// A key lives in the send_key column of the message it stored, under a
// partial UNIQUE index: a first send is one INSERT, and only a send the
// index rejects looks the key up. A retry within the key's lifetime gets
// the key's message; a send after it takes the key over.
func (s *Store) AppendMessage(ctx context.Context, m chat.Message, key *chat.SendKey) (chat.Message, bool, error) {
	mentions, err := storecodec.EncodeMentions(m.Mentions)
	if err != nil {
		return chat.Message{}, false, err
	}
	extra, err := storecodec.EncodeExtra(m.Extra)
	if err != nil {
		return chat.Message{}, false, err
	}
	now := storecodec.MS(m.CreatedAt)
	created := true
	// Single: the INSERT of the message is the only write that can fail
	// without aborting the batch; taking over an expired key runs in a
	// savepoint of its own.
	err = s.writeSingle(ctx, func(w *writer) error {
		// The writer is single, so the next seq cannot race: seqs stay
		// gapless. chats.last_seq follows before the batch commits.
		cs, err := w.chatSeq(m.ChatID)
		if err != nil {
			return err
		}
		seq := cs.last + 1
		insert := func() error {
			var err error
			if key == nil {
				_, err = w.exec(sqlInsertMsg, m.ID, m.UUID[:], m.ChatID, seq, m.AuthorID, int64(m.Type), m.Content,
					mentions, m.QuoteID, m.Nonce, now, storecodec.MS(m.EditedAt), storecodec.MS(m.RecalledAt), extra)
			} else {
				_, err = w.exec(sqlInsertKeyedMsg, m.ID, m.UUID[:], m.ChatID, seq, m.AuthorID, int64(m.Type), m.Content,
					mentions, m.QuoteID, m.Nonce, now, storecodec.MS(m.EditedAt), storecodec.MS(m.RecalledAt), extra, key.Key)
			}
			return err
		}
		err = insert()
		if err != nil && key != nil && isUniqueViolation(err) {
			first, ferr := scanMessage(w.queryRow(sqlKeyHolder, m.ChatID, m.AuthorID, key.Key))
			switch {
			case errors.Is(ferr, sql.ErrNoRows):
				// Not the key: err says what conflicted.
			case ferr != nil:
				return ferr
			case now < storecodec.MS(first.CreatedAt)+key.Expires.Milliseconds():
				m, created = first, false
				return nil
			default:
				err = w.renewKey(first.ID, insert)
			}
		}
		if err != nil {
			if _, pending := w.dirty[m.ChatID]; !pending {
				w.forgetChat(m.ChatID) // in case the cached seq is what conflicted
			}
			return conflict(err, "message id or uuid")
		}
		w.appended(cs, m.ChatID, seq, now)
		m.Seq = seq
		return nil
	})
	if err != nil {
		return chat.Message{}, false, err
	}
	return m, created, nil
}

// renewKey moves an expired key from the message holding it (holder) to
// the one insert stores, in a savepoint: if insert fails, the holder keeps
// its key and the batch goes on.
func (w *writer) renewKey(holder int64, insert func() error) error {
	if _, err := w.exec("SAVEPOINT renew_key"); err != nil {
		return afterWrite(fmt.Errorf("sqlite: savepoint: %w", err))
	}
	_, err := w.exec(sqlDropKey, holder)
	if err == nil {
		err = insert()
	}
	if err != nil {
		if _, rerr := w.exec("ROLLBACK TO renew_key"); rerr != nil {
			return afterWrite(fmt.Errorf("sqlite: renewing a send key: %v; rollback: %w", err, rerr))
		}
	}
	if _, rerr := w.exec("RELEASE renew_key"); rerr != nil {
		return afterWrite(fmt.Errorf("sqlite: release savepoint: %w", rerr))
	}
	return err
}

func (s *Store) Message(ctx context.Context, id int64) (chat.Message, error) {
	return oneMessage(s.queryRow(ctx, sqlMessageByID, id))
}

func (s *Store) MessageByUUID(ctx context.Context, u chat.UUID) (chat.Message, error) {
	return oneMessage(s.queryRow(ctx, `SELECT `+msgCols+` FROM messages WHERE uuid = ?`, u[:]))
}

func (s *Store) MessagesByID(ctx context.Context, ids []int64) (map[int64]chat.Message, error) {
	out := make(map[int64]chat.Message, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.query(ctx, `SELECT `+msgCols+` FROM messages WHERE id IN (SELECT value FROM json_each(?))`, idArray(ids))
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
// recalled, hidden and type filters only skip rows on the way. ?2 is
// WithRecalled, ?5 HiddenFor (0 for no one), ?6 Type (0 for any).
const (
	sqlListFilter = ` AND (?2 OR recalled_at = 0) AND (?6 = 0 OR type = ?6)
		AND (?5 = 0 OR NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = ?5 AND h.message_id = messages.id))`
	sqlListLatest = `SELECT ` + msgCols + ` FROM messages WHERE chat_id = ?1` + sqlListFilter + `
		ORDER BY seq DESC LIMIT ?3`
	sqlListBefore = `SELECT ` + msgCols + ` FROM messages WHERE chat_id = ?1 AND seq < ?4` + sqlListFilter + `
		ORDER BY seq DESC LIMIT ?3`
	sqlListAfter = `SELECT ` + msgCols + ` FROM messages WHERE chat_id = ?1 AND seq > ?4` + sqlListFilter + `
		ORDER BY seq ASC LIMIT ?3`
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
		return nil, fmt.Errorf("sqlite: direction %d: %w", q.Direction, chat.ErrInvalid)
	}
	rows, err := s.query(ctx, query, q.ChatID, q.WithRecalled, q.Limit, q.AnchorSeq, q.HiddenFor, int64(q.Type))
	msgs, err := scanMessages(rows, err, q.Limit)
	if err != nil {
		return nil, err
	}
	if q.Direction != chat.After {
		slices.Reverse(msgs)
	}
	return msgs, nil
}

func (s *Store) EditMessage(ctx context.Context, m chat.Message, editorID int64, log *chat.Change) error {
	mentions, err := storecodec.EncodeMentions(m.Mentions)
	if err != nil {
		return err
	}
	extra, err := storecodec.EncodeExtra(m.Extra)
	if err != nil {
		return err
	}
	cl := logTo(log)
	return cl.commit(s.write(ctx, func(w *writer) error {
		var oldContent, oldMentions, oldExtra string
		var oldQuote int64
		err := w.queryRow(`SELECT content, mentions, quote_id, extra FROM messages WHERE id = ?`, m.ID).
			Scan(&oldContent, &oldMentions, &oldQuote, &oldExtra)
		if errors.Is(err, sql.ErrNoRows) {
			return chat.NotFound(chat.WhatMessage)
		}
		if err != nil {
			return err
		}
		after, err := cl.afterSeq(w, chat.WhatMessage)
		if err != nil {
			return err
		}
		if _, err := w.exec(`INSERT INTO revisions (message_id, rev, content, mentions, quote_id, editor_id, edited_at, extra)
			SELECT ?1, COALESCE(MAX(rev), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7 FROM revisions WHERE message_id = ?1`,
			m.ID, oldContent, oldMentions, oldQuote, editorID, storecodec.MS(m.EditedAt), oldExtra); err != nil {
			return err
		}
		if _, err := w.exec(`UPDATE messages SET content = ?, mentions = ?, quote_id = ?, edited_at = ?, extra = ? WHERE id = ?`,
			m.Content, mentions, m.QuoteID, storecodec.MS(m.EditedAt), extra, m.ID); err != nil {
			return err
		}
		return cl.write(w, after)
	}))
}

func (s *Store) Revisions(ctx context.Context, messageID int64) ([]chat.Revision, error) {
	rows, err := s.query(ctx, `SELECT message_id, rev, content, mentions, quote_id, editor_id, edited_at, extra
		FROM revisions WHERE message_id = ? ORDER BY rev`, messageID)
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

// RecallMessage keeps the first recall time when called twice; the second
// call still logs its change, as it fails nothing.
func (s *Store) RecallMessage(ctx context.Context, id int64, at time.Time, log *chat.Change) error {
	_, err := s.logged(ctx, log, chat.WhatMessage, func(w *writer) (bool, error) {
		res, err := w.exec(`UPDATE messages SET recalled_at = CASE WHEN recalled_at = 0 THEN ? ELSE recalled_at END
			WHERE id = ?`, storecodec.MS(at), id)
		return true, mustChange(res, err, chat.WhatMessage)
	})
	return err
}

// ChatsWithMessagesFrom reads a range of the messages' primary key (the
// CTE keeps the planner from walking the whole (chat, seq) index instead,
// for the order DISTINCT wants).
func (s *Store) ChatsWithMessagesFrom(ctx context.Context, minID int64) ([]int64, error) {
	return s.ids(ctx, sqlChatsWithMessagesFrom, minID)
}

const sqlChatsWithMessagesFrom = `WITH r AS MATERIALIZED (SELECT chat_id FROM messages WHERE id >= ?)
	SELECT DISTINCT chat_id FROM r ORDER BY 1`

// CountUnread walks every unread message, so unlike the other reads it
// stays cancelable: a chat can hold millions.
func (s *Store) CountUnread(ctx context.Context, chatID, userID, afterSeq int64) (int, error) {
	st, err := s.stmt(ctx, `SELECT COUNT(*) FROM messages
		WHERE chat_id = ? AND seq > ? AND author_id <> ? AND recalled_at = 0`)
	if err != nil {
		return 0, err
	}
	var n int
	err = st.QueryRowContext(ctx, chatID, afterSeq, userID).Scan(&n)
	return n, err
}
