package postgres

import (
	"context"
	"slices"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"
)

// Pin relies on the foreign keys to report a missing chat or message.
func (s *Store) Pin(ctx context.Context, p chat.Pin, log *chat.Change) (bool, error) {
	return s.logged(ctx, log, func(tx execer) (bool, error) {
		added, err := affected(tx.Exec(ctx, `INSERT INTO pins (chat_id, message_id, pinned_by, pinned_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (chat_id, message_id) DO NOTHING`, p.ChatID, p.MessageID, p.PinnedBy, storecodec.MS(p.PinnedAt)))
		return added, mapErr(err, "pin")
	})
}

func (s *Store) Unpin(ctx context.Context, chatID, messageID int64, log *chat.Change) (bool, error) {
	return s.logged(ctx, log, func(tx execer) (bool, error) {
		return affected(tx.Exec(ctx, `DELETE FROM pins WHERE chat_id = $1 AND message_id = $2`, chatID, messageID))
	})
}

func (s *Store) PinnedMessages(ctx context.Context, chatID int64, limit int) ([]chat.Message, error) {
	if limit <= 0 {
		return []chat.Message{}, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+msgColsM+` FROM pins p JOIN messages m ON m.id = p.message_id
		WHERE p.chat_id = $1 ORDER BY p.pinned_at DESC, p.id DESC LIMIT $2`, chatID, limit)
	msgs, err := scanMessages(rows, err, limit)
	if err != nil {
		return nil, err
	}
	slices.Reverse(msgs)
	return msgs, nil
}
