package sqlite

import (
	"context"
	"errors"
	"slices"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"
)

func (s *Store) Pin(ctx context.Context, p chat.Pin, log *chat.Change) (bool, error) {
	return s.logged(ctx, log, chat.WhatChat, func(w *writer) (bool, error) {
		if ok, err := w.exists(`SELECT 1 FROM chats WHERE id = ?`, p.ChatID); err != nil || !ok {
			return false, orNotFound(err, chat.WhatChat)
		}
		if ok, err := w.exists(`SELECT 1 FROM messages WHERE id = ?`, p.MessageID); err != nil || !ok {
			return false, orNotFound(err, chat.WhatMessage)
		}
		return rowsChanged(w.exec(`INSERT INTO pins (chat_id, message_id, pinned_by, pinned_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (chat_id, message_id) DO NOTHING`, p.ChatID, p.MessageID, p.PinnedBy, storecodec.MS(p.PinnedAt)))
	})
}

func (s *Store) Unpin(ctx context.Context, chatID, messageID int64, log *chat.Change) (bool, error) {
	removed, err := s.logged(ctx, log, chat.WhatChat, func(w *writer) (bool, error) {
		return rowsChanged(w.exec(`DELETE FROM pins WHERE chat_id = ? AND message_id = ?`, chatID, messageID))
	})
	if errors.Is(err, chat.ErrNotFound) {
		return false, nil // the chat's deletion took its pins with it: none to remove
	}
	return removed, err
}

func (s *Store) PinnedMessages(ctx context.Context, chatID int64, limit int) ([]chat.Message, error) {
	if limit <= 0 {
		return []chat.Message{}, nil
	}
	rows, err := s.query(ctx, `SELECT m.id, m.uuid, m.chat_id, m.seq, m.author_id, m.type, m.content, m.mentions,
		m.quote_id, m.nonce, m.created_at, m.edited_at, m.recalled_at, m.extra
		FROM pins p JOIN messages m ON m.id = p.message_id
		WHERE p.chat_id = ? ORDER BY p.pinned_at DESC, p.id DESC LIMIT ?`, chatID, limit)
	msgs, err := scanMessages(rows, err, limit)
	if err != nil {
		return nil, err
	}
	slices.Reverse(msgs)
	return msgs, nil
}
