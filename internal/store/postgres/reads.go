package postgres

import (
	"context"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"
)

// MarkRead relies on the foreign key to report a missing chat; the upsert
// only ever moves a read state forward, whichever node writes first.
func (s *Store) MarkRead(ctx context.Context, r chat.ReadState) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO read_states (chat_id, user_id, device, seq, read_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (chat_id, user_id, device) DO UPDATE SET seq = excluded.seq, read_at = excluded.read_at
		WHERE excluded.seq > read_states.seq`, r.ChatID, r.UserID, r.Device, r.Seq, storecodec.MS(r.ReadAt))
	return mapErr(err, "read state")
}

// ReadStates orders devices bytewise (COLLATE "C"), as SQLite does, whatever
// the database's collation.
func (s *Store) ReadStates(ctx context.Context, userID, chatID int64) ([]chat.ReadState, error) {
	rows, err := s.pool.Query(ctx, `SELECT user_id, chat_id, device, seq, read_at FROM read_states
		WHERE chat_id = $1 AND user_id = $2 ORDER BY device COLLATE "C"`, chatID, userID)
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
