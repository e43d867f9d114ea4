package sqlite

import (
	"context"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"
)

func (s *Store) AddReaction(ctx context.Context, r chat.Reaction, log *chat.Change) (bool, error) {
	return s.logged(ctx, log, chat.WhatMessage, func(w *writer) (bool, error) {
		if ok, err := w.exists(`SELECT 1 FROM messages WHERE id = ?`, r.MessageID); err != nil || !ok {
			return false, orNotFound(err, chat.WhatMessage)
		}
		return rowsChanged(w.exec(`INSERT INTO reactions (message_id, emoji, user_id, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (message_id, emoji, user_id) DO NOTHING`, r.MessageID, r.Emoji, r.UserID, storecodec.MS(r.CreatedAt)))
	})
}

func (s *Store) RemoveReaction(ctx context.Context, messageID int64, emoji string, userID int64, log *chat.Change) (bool, error) {
	return s.logged(ctx, log, chat.WhatMessage, func(w *writer) (bool, error) {
		return rowsChanged(w.exec(`DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?`,
			messageID, emoji, userID))
	})
}

// ReactionCounts orders emojis by their earliest standing reaction; the
// row id breaks ties within one millisecond.
func (s *Store) ReactionCounts(ctx context.Context, messageIDs []int64, viewerID int64) (map[int64][]chat.ReactionCount, error) {
	out := make(map[int64][]chat.ReactionCount, len(messageIDs))
	if len(messageIDs) == 0 {
		return out, nil
	}
	rows, err := s.query(ctx, `SELECT message_id, emoji, COUNT(*), MAX(user_id = ?2), MIN(created_at) AS first_at, MIN(id) AS first_id
		FROM reactions WHERE message_id IN (SELECT value FROM json_each(?1))
		GROUP BY message_id, emoji ORDER BY message_id, first_at, first_id`, idArray(messageIDs), viewerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, firstAt, firstID int64
		var c chat.ReactionCount
		if err := rows.Scan(&id, &c.Emoji, &c.Count, &c.Me, &firstAt, &firstID); err != nil {
			return nil, err
		}
		out[id] = append(out[id], c)
	}
	return out, rows.Err()
}

func (s *Store) Reactions(ctx context.Context, messageID int64, emoji string) ([]chat.Reaction, error) {
	rows, err := s.query(ctx, `SELECT message_id, emoji, user_id, created_at FROM reactions
		WHERE message_id = ? AND emoji = ? ORDER BY created_at, id`, messageID, emoji)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []chat.Reaction{}
	for rows.Next() {
		var r chat.Reaction
		var created int64
		if err := rows.Scan(&r.MessageID, &r.Emoji, &r.UserID, &created); err != nil {
			return nil, err
		}
		r.CreatedAt = storecodec.FromMS(created)
		out = append(out, r)
	}
	return out, rows.Err()
}
