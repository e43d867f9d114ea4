package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"
)

const userCols = `id, username, nickname, avatar, bot, created_at, app_id`

func scanUser(sc scanner) (chat.User, error) {
	var u chat.User
	var created int64
	err := sc.Scan(&u.ID, &u.Username, &u.Nickname, &u.Avatar, &u.Bot, &created, &u.AppID)
	u.CreatedAt = storecodec.FromMS(created)
	return u, err
}

func (s *Store) CreateUser(ctx context.Context, u chat.User, tokenHash []byte) error {
	return s.writeSingle(ctx, func(w *writer) error {
		_, err := w.exec(`INSERT INTO users (id, username, nickname, avatar, bot, token_hash, created_at, app_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.Username, u.Nickname, u.Avatar, boolInt(u.Bot), tokenHash, storecodec.MS(u.CreatedAt), appID(u.AppID))
		return conflict(err, "user "+u.Username)
	})
}

func (s *Store) User(ctx context.Context, id int64) (chat.User, error) {
	return oneUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
}

func (s *Store) UserByTokenHash(ctx context.Context, tokenHash []byte) (chat.User, error) {
	return oneUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE token_hash = ?`, tokenHash))
}

func oneUser(row scanner) (chat.User, error) {
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.User{}, chat.NotFound(chat.WhatUser)
	}
	return u, err
}

func (s *Store) UsersByID(ctx context.Context, ids []int64) (map[int64]chat.User, error) {
	out := make(map[int64]chat.User, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.query(ctx, `SELECT `+userCols+` FROM users WHERE id IN (SELECT value FROM json_each(?))`, idArray(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out[u.ID] = u
	}
	return out, rows.Err()
}
