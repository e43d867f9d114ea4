package postgres

import (
	"context"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"

	"github.com/jackc/pgx/v5"
)

func (s *Store) CreateGroup(ctx context.Context, c chat.Chat, members []chat.GroupMember) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := insertChat(ctx, tx, c); err != nil {
			return err
		}
		for _, m := range members {
			if _, err := tx.Exec(ctx, `INSERT INTO group_members (chat_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)`,
				m.ChatID, m.UserID, int32(m.Role), storecodec.MS(m.JoinedAt)); err != nil {
				return mapErr(err, "group member")
			}
		}
		return nil
	})
}

func scanGroupMember(row pgx.Row) (chat.GroupMember, error) {
	var m chat.GroupMember
	var role int32
	var joined int64
	err := row.Scan(&m.ChatID, &m.UserID, &role, &joined)
	m.Role, m.JoinedAt = chat.GroupRole(role), storecodec.FromMS(joined)
	return m, err
}

func (s *Store) GroupMember(ctx context.Context, chatID, userID int64) (chat.GroupMember, error) {
	m, err := scanGroupMember(s.pool.QueryRow(ctx, `SELECT chat_id, user_id, role, joined_at FROM group_members
		WHERE chat_id = $1 AND user_id = $2`, chatID, userID))
	return m, notFoundIfNoRows(err, chat.WhatMember)
}

func (s *Store) GroupMembers(ctx context.Context, chatID int64) ([]chat.GroupMember, error) {
	rows, err := s.pool.Query(ctx, `SELECT chat_id, user_id, role, joined_at FROM group_members WHERE chat_id = $1
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
	_, err := s.pool.Exec(ctx, `INSERT INTO hidden_messages (user_id, message_id, chat_id, hidden_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, userID, m.ID, m.ChatID, storecodec.MS(at))
	return err
}

func (s *Store) RecordDownload(ctx context.Context, d chat.FileDownload) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO file_downloads (message_id, user_id, path, at) VALUES ($1, $2, $3, $4)`,
		d.MessageID, d.UserID, d.Path, storecodec.MS(d.At))
	return err
}

func (s *Store) FileDownloads(ctx context.Context, messageID int64) ([]chat.FileDownload, error) {
	rows, err := s.pool.Query(ctx, `SELECT message_id, user_id, path, at FROM file_downloads WHERE message_id = $1 ORDER BY id`,
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
