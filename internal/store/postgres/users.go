package postgres

import (
	"context"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"

	"github.com/jackc/pgx/v5"
)

const userCols = `id, username, nickname, avatar, bot, created_at, app_id`

func scanUser(row pgx.Row) (chat.User, error) {
	var u chat.User
	var created int64
	err := row.Scan(&u.ID, &u.Username, &u.Nickname, &u.Avatar, &u.Bot, &created, &u.AppID)
	u.CreatedAt = storecodec.FromMS(created)
	return u, err
}

func (s *Store) CreateUser(ctx context.Context, u chat.User, tokenHash []byte) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO users (id, username, nickname, avatar, bot, token_hash, created_at, app_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.ID, u.Username, u.Nickname, u.Avatar, u.Bot, tokenHash, storecodec.MS(u.CreatedAt), appID(u.AppID))
	return mapErr(err, "user "+u.Username)
}

func (s *Store) User(ctx context.Context, id int64) (chat.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	return u, notFoundIfNoRows(err, chat.WhatUser)
}

func (s *Store) UserByTokenHash(ctx context.Context, tokenHash []byte) (chat.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE token_hash = $1`, tokenHash))
	return u, notFoundIfNoRows(err, chat.WhatUser)
}

func (s *Store) UsersByID(ctx context.Context, ids []int64) (map[int64]chat.User, error) {
	out := make(map[int64]chat.User, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+userCols+` FROM users WHERE id = ANY($1)`, ids)
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
