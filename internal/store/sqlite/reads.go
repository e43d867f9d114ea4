package sqlite

import (
	"context"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"
)

func (s *Store) MarkRead(ctx context.Context, r chat.ReadState) error {
	return s.writeSingle(ctx, func(w *writer) error {
		if ok, err := w.exists(`SELECT 1 FROM chats WHERE id = ?`, r.ChatID); err != nil || !ok {
			return orNotFound(err, chat.WhatChat)
		}
		_, err := w.exec(`INSERT INTO read_states (chat_id, user_id, device, seq, read_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (chat_id, user_id, device) DO UPDATE SET seq = excluded.seq, read_at = excluded.read_at
			WHERE excluded.seq > read_states.seq`, r.ChatID, r.UserID, r.Device, r.Seq, storecodec.MS(r.ReadAt))
		return err
	})
}

func (s *Store) ReadStates(ctx context.Context, userID, chatID int64) ([]chat.ReadState, error) {
	rows, err := s.query(ctx, `SELECT user_id, chat_id, device, seq, read_at FROM read_states
		WHERE chat_id = ? AND user_id = ? ORDER BY device`, chatID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []chat.ReadState{}
	for rows.Next() {
		var r chat.ReadState
		var at int64
		if err := rows.Scan(&r.UserID, &r.ChatID, &r.Device, &r.Seq, &at); err != nil {
			return nil, err
		}
		r.ReadAt = storecodec.FromMS(at)
		out = append(out, r)
	}
	return out, rows.Err()
}
