package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"
)

const directPairQuery = `SELECT ` + chatCols + ` FROM chats c WHERE c.member_lo = ? AND c.member_hi = ?`

func (s *Store) OpenDirectChat(ctx context.Context, c chat.Chat) (chat.Chat, error) {
	lo, hi := min(c.Members[0], c.Members[1]), max(c.Members[0], c.Members[1])
	c.Members = [2]int64{lo, hi}
	// Most opens find the chat: answer those from the read pool.
	found, err := scanChat(s.queryRow(ctx, directPairQuery, lo, hi))
	if err == nil {
		return found, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return chat.Chat{}, err
	}
	// The single writer makes look-up-then-insert atomic: of concurrent
	// opens, the first inserts and the others find its chat.
	err = s.writeSingle(ctx, func(w *writer) (err error) {
		found, err = openDirect(w, c)
		return err
	})
	if err != nil {
		return chat.Chat{}, err
	}
	return found, nil
}

// openDirect returns the direct chat of c.Members, inserting c when there
// is none.
func openDirect(w *writer, c chat.Chat) (chat.Chat, error) {
	lo, hi := c.Members[0], c.Members[1]
	found, err := scanChat(w.queryRow(directPairQuery, lo, hi))
	if err == nil {
		if cs, ok := w.seqs[found.ID]; ok { // chats may lag the batch
			found.LastSeq, found.LastMsgAt = cs.last, storecodec.FromMS(cs.lastAt)
		}
		return found, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return chat.Chat{}, err
	}
	c.Kind = chat.ChatDirect
	if err := insertChat(w, c); err != nil {
		return chat.Chat{}, err
	}
	found, err = scanChat(w.queryRow(directPairQuery, lo, hi))
	if err != nil {
		return chat.Chat{}, afterWrite(err)
	}
	return found, nil
}

// directListWhere selects the direct chats of user ?1 that it has not
// hidden since their newest message.
const directListWhere = `FROM chats c LEFT JOIN direct_hidden h ON h.chat_id = c.id AND h.user_id = ?1
	WHERE (c.member_lo = ?1 OR c.member_hi = ?1) AND c.kind = 2
	  AND (h.hidden_seq IS NULL OR c.last_seq > h.hidden_seq)`

// DirectChatsOf orders by the id of each chat's newest message, else the
// chat's own id: both come from one time-ordered generator, so activity
// within the same millisecond is still told apart.
func (s *Store) DirectChatsOf(ctx context.Context, userID int64, p chat.Page) ([]chat.DirectChatSummary, int, error) {
	limit, offset := storecodec.PageBounds(p)
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) `+directListWhere, userID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.query(ctx, `SELECT `+chatCols+`,
		COALESCE((SELECT r.seq FROM read_states r WHERE r.chat_id = c.id AND r.user_id = ?1 ORDER BY r.seq DESC LIMIT 1), 0),
		COALESCE((SELECT r.read_at FROM read_states r WHERE r.chat_id = c.id AND r.user_id = ?1 ORDER BY r.seq DESC LIMIT 1), 0)
		`+directListWhere+`
		ORDER BY COALESCE((SELECT m.id FROM messages m WHERE m.chat_id = c.id AND m.seq = c.last_seq), c.id) DESC
		LIMIT ?2 OFFSET ?3`, userID, limit, offset)
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
	return s.writeSingle(ctx, func(w *writer) error {
		cs, err := w.chatSeq(chatID)
		if err != nil {
			return err
		}
		_, err = w.exec(`INSERT INTO direct_hidden (chat_id, user_id, hidden_seq) VALUES (?, ?, ?)
			ON CONFLICT (chat_id, user_id) DO UPDATE SET hidden_seq = excluded.hidden_seq`, chatID, userID, cs.last)
		return err
	})
}
