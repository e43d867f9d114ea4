package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"
)

func (s *Store) CreateGroup(ctx context.Context, c chat.Chat, members []chat.GroupMember) error {
	return s.write(ctx, func(w *writer) error {
		if err := insertChat(w, c); err != nil {
			return err
		}
		for _, m := range members {
			if _, err := w.exec(`INSERT INTO group_members (chat_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)`,
				m.ChatID, m.UserID, int64(m.Role), storecodec.MS(m.JoinedAt)); err != nil {
				return conflict(err, "group member")
			}
		}
		w.forgetChat(c.ID)
		return nil
	})
}

func scanGroupMember(sc scanner) (chat.GroupMember, error) {
	var m chat.GroupMember
	var role, joined int64
	err := sc.Scan(&m.ChatID, &m.UserID, &role, &joined)
	m.Role, m.JoinedAt = chat.GroupRole(role), storecodec.FromMS(joined)
	return m, err
}

func (s *Store) GroupMember(ctx context.Context, chatID, userID int64) (chat.GroupMember, error) {
	m, err := scanGroupMember(s.queryRow(ctx, `SELECT chat_id, user_id, role, joined_at FROM group_members
		WHERE chat_id = ? AND user_id = ?`, chatID, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return m, chat.NotFound(chat.WhatMember)
	}
	return m, err
}

func (s *Store) GroupMembers(ctx context.Context, chatID int64) ([]chat.GroupMember, error) {
	rows, err := s.query(ctx, `SELECT chat_id, user_id, role, joined_at FROM group_members WHERE chat_id = ?
		ORDER BY joined_at, user_id`, chatID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []chat.GroupMember{}
	for rows.Next() {
		m, err := scanGroupMember(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Store) HideMessage(ctx context.Context, userID int64, m chat.Message, at time.Time) error {
	return s.write(ctx, func(w *writer) error {
		_, err := w.exec(`INSERT INTO hidden_messages (user_id, message_id, chat_id, hidden_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, userID, m.ID, m.ChatID, storecodec.MS(at))
		return err
	})
}

func (s *Store) RecordDownload(ctx context.Context, d chat.FileDownload) error {
	return s.write(ctx, func(w *writer) error {
		_, err := w.exec(`INSERT INTO file_downloads (message_id, user_id, path, at) VALUES (?, ?, ?, ?)`,
			d.MessageID, d.UserID, d.Path, storecodec.MS(d.At))
		return err
	})
}

func (s *Store) FileDownloads(ctx context.Context, messageID int64) ([]chat.FileDownload, error) {
	rows, err := s.query(ctx, `SELECT message_id, user_id, path, at FROM file_downloads WHERE message_id = ? ORDER BY id`,
		messageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []chat.FileDownload{}
	for rows.Next() {
		var d chat.FileDownload
		var at int64
		if err := rows.Scan(&d.MessageID, &d.UserID, &d.Path, &at); err != nil {
			return nil, err
		}
		d.At = storecodec.FromMS(at)
		out = append(out, d)
	}
	return out, rows.Err()
}
