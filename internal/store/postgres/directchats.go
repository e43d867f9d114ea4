package postgres

import (
	"context"
	"errors"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"

	"github.com/jackc/pgx/v5"
)

const directPairQuery = `SELECT ` + chatCols + ` FROM chats c WHERE c.member_lo = $1 AND c.member_hi = $2`

// OpenDirectChat leans on the unique pair: of concurrent first opens on any
// nodes, one INSERT wins, the others wait for it and do nothing, and every
// caller then reads the winner's chat.
func (s *Store) OpenDirectChat(ctx context.Context, c chat.Chat) (chat.Chat, error) {
	lo, hi := min(c.Members[0], c.Members[1]), max(c.Members[0], c.Members[1])
	c.Members = [2]int64{lo, hi}
	c.Kind = chat.ChatDirect
	// Most opens find the chat.
	found, err := scanChat(s.pool.QueryRow(ctx, directPairQuery, lo, hi))
	if err == nil || !errors.Is(err, pgx.ErrNoRows) {
		return found, err
	}
	if _, err := s.pool.Exec(ctx, sqlInsertChat+` ON CONFLICT ON CONSTRAINT chats_direct_pair DO NOTHING`,
		chatArgs(c)...); err != nil {
		return chat.Chat{}, mapErr(err, "chat")
	}
	found, err = scanChat(s.pool.QueryRow(ctx, directPairQuery, lo, hi))
	return found, notFoundIfNoRows(err, chat.WhatChat)
}

// directListFrom and directListWhere select the direct chats of user $1 that it has not
// hidden since their newest message.
const (
	directListFrom  = `FROM chats c LEFT JOIN direct_hidden h ON h.chat_id = c.id AND h.user_id = $1`
	directListWhere = `WHERE (c.member_lo = $1 OR c.member_hi = $1) AND c.kind = 2
	  AND (h.hidden_seq IS NULL OR c.last_seq > h.hidden_seq)`
)

// DirectChatsOf orders by the id of each chat's newest message, else the
// chat's own id: both come from one time-ordered generator, so activity
// within the same millisecond is still told apart.
func (s *Store) DirectChatsOf(ctx context.Context, userID int64, p chat.Page) ([]chat.DirectChatSummary, int, error) {
	limit, offset := storecodec.PageBounds(p)
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) `+directListFrom+` `+directListWhere, userID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+chatCols+`, COALESCE(r.seq, 0), COALESCE(r.read_at, 0)
		`+directListFrom+`
		LEFT JOIN LATERAL (SELECT r.seq, r.read_at FROM read_states r WHERE r.chat_id = c.id AND r.user_id = $1
			ORDER BY r.seq DESC LIMIT 1) r ON true
		`+directListWhere+`
		ORDER BY COALESCE((SELECT m.id FROM messages m WHERE m.chat_id = c.id AND m.seq = c.last_seq), c.id) DESC
		LIMIT $2 OFFSET $3`, userID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := make([]chat.DirectChatSummary, 0, min(limit, total))
	for rows.Next() {
		var sum chat.DirectChatSummary
		var readAt int64
		if sum.Chat, err = scanChat(rows, &sum.ReadSeq, &readAt); err != nil {
			return nil, 0, err
		}
		sum.LastReadAt = storecodec.FromMS(readAt)
		out = append(out, sum)
	}
	return out, total, rows.Err()
}

func (s *Store) HideDirectChat(ctx context.Context, userID, chatID int64) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO direct_hidden (chat_id, user_id, hidden_seq)
		SELECT id, $2, last_seq FROM chats WHERE id = $1
		ON CONFLICT (chat_id, user_id) DO UPDATE SET hidden_seq = excluded.hidden_seq`, chatID, userID)
	return mustChange(tag, err, chat.WhatChat)
}
