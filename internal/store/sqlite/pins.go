package sqlite

import (
	"context"
	"errors"
	"slices"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"
)

func (s *Store) Pin(ctx context.Context, p chat.Pin, log *chat.Change) (bool, error) {
	var added bool
	cl := logTo(log)
	err := s.writeSingle(ctx, func(w *writer) error {
		if ok, err := w.exists(`SELECT 1 FROM chats WHERE id = ?`, p.ChatID); err != nil || !ok {
			return orNotFound(err, chat.WhatChat)
		}
		if ok, err := w.exists(`SELECT 1 FROM messages WHERE id = ?`, p.MessageID); err != nil || !ok {
			return orNotFound(err, chat.WhatMessage)
		}
		after, err := cl.afterSeq(w, chat.WhatChat)
		if err != nil {
			return err
		}
		res, err := w.exec(`INSERT INTO pins (chat_id, message_id, pinned_by, pinned_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (chat_id, message_id) DO NOTHING`, p.ChatID, p.MessageID, p.PinnedBy, storecodec.MS(p.PinnedAt))
		if err != nil {
			return err
		}
		if added, err = rowsChanged(res); err != nil || !added {
			return err
		}
		return cl.write(w, after)
	})
	return added, cl.commit(err)
}

func (s *Store) Unpin(ctx context.Context, chatID, messageID int64, log *chat.Change) (bool, error) {
	var removed bool
	cl := logTo(log)
	err := s.writeSingle(ctx, func(w *writer) error {
		after, err := cl.afterSeq(w, chat.WhatChat)
		if errors.Is(err, chat.ErrNotFound) {
			return nil // the chat's deletion took its pins with it: none to remove
		}
		if err != nil {
			return err
		}
		res, err := w.exec(`DELETE FROM pins WHERE chat_id = ? AND message_id = ?`, chatID, messageID)
		if err != nil {
			return err
		}
		if removed, err = rowsChanged(res); err != nil || !removed {
			return err
		}
		return cl.write(w, after)
	})
	return removed, cl.commit(err)
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
