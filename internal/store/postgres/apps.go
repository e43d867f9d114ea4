package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"

	"github.com/jackc/pgx/v5"
)

// appID stores the default app for a zero id.
func appID(id int64) int64 {
	if id == 0 {
		return chat.DefaultAppID
	}
	return id
}

func (s *Store) CreateApp(ctx context.Context, a chat.App, adminTokenHash []byte) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO apps (id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)`,
		a.ID, a.Name, adminTokenHash, storecodec.MS(a.CreatedAt))
	return mapErr(err, "app")
}

func oneApp(row pgx.Row) (chat.App, error) {
	var a chat.App
	var created int64
	err := row.Scan(&a.ID, &a.Name, &created)
	a.CreatedAt = storecodec.FromMS(created)
	return a, notFoundIfNoRows(err, chat.WhatApp)
}

func (s *Store) App(ctx context.Context, id int64) (chat.App, error) {
	return oneApp(s.pool.QueryRow(ctx, `SELECT id, name, created_at FROM apps WHERE id = $1`, id))
}

func (s *Store) AppByTokenHash(ctx context.Context, hash []byte) (chat.App, error) {
	return oneApp(s.pool.QueryRow(ctx, `SELECT id, name, created_at FROM apps WHERE token_hash = $1`, hash))
}

func (s *Store) SetPassword(ctx context.Context, userID int64, hash []byte) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO user_passwords (user_id, hash) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash`, userID, hash)
	return mapErr(err, "password")
}

func (s *Store) PasswordHash(ctx context.Context, userID int64) ([]byte, error) {
	var h []byte
	err := s.pool.QueryRow(ctx, `SELECT hash FROM user_passwords WHERE user_id = $1`, userID).Scan(&h)
	return h, notFoundIfNoRows(err, chat.WhatUser)
}

func (s *Store) UserByName(ctx context.Context, app int64, username string) (chat.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE app_id = $1 AND username = $2`,
		appID(app), username))
	return u, notFoundIfNoRows(err, chat.WhatUser)
}

func (s *Store) PutDeviceToken(ctx context.Context, userID int64, guid string, tokenHash []byte, at time.Time) (chat.Device, error) {
	d := chat.Device{UserID: userID, GUID: guid}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Locking the user row numbers one user's devices one at a time.
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&one); err != nil {
			return notFoundIfNoRows(err, chat.WhatUser)
		}
		if guid != "" {
			err := tx.QueryRow(ctx, `SELECT sn FROM devices WHERE user_id = $1 AND guid = $2`, userID, guid).Scan(&d.SN)
			if errors.Is(err, pgx.ErrNoRows) {
				err = tx.QueryRow(ctx, `INSERT INTO devices (user_id, sn, guid)
					SELECT $1, COALESCE(MAX(sn), 0) + 1, $2 FROM devices WHERE user_id = $1 RETURNING sn`, userID, guid).Scan(&d.SN)
			}
			if err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO device_tokens (token_hash, user_id, sn, created_at) VALUES ($1, $2, $3, $4)`,
			tokenHash, userID, d.SN, storecodec.MS(at))
		return mapErr(err, "token")
	})
	return d, err
}

func (s *Store) UserByDeviceTokenHash(ctx context.Context, hash []byte) (chat.User, int32, error) {
	var u chat.User
	var created int64
	var sn int32
	err := s.pool.QueryRow(ctx, `SELECT u.id, u.username, u.nickname, u.avatar, u.bot, u.created_at, u.app_id, t.sn
		FROM device_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, hash).
		Scan(&u.ID, &u.Username, &u.Nickname, &u.Avatar, &u.Bot, &created, &u.AppID, &sn)
	u.CreatedAt = storecodec.FromMS(created)
	return u, sn, notFoundIfNoRows(err, chat.WhatUser)
}

func (s *Store) AddGroupMember(ctx context.Context, m chat.GroupMember, log *chat.Change) (bool, error) {
	return s.logged(ctx, log, func(tx execer) (bool, error) {
		added, err := affected(tx.Exec(ctx, `INSERT INTO group_members (chat_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, m.ChatID, m.UserID, int32(m.Role), storecodec.MS(m.JoinedAt)))
		return added, mapErr(err, "group member")
	})
}

func (s *Store) RemoveGroupMember(ctx context.Context, chatID, userID int64, log *chat.Change) (bool, error) {
	return s.logged(ctx, log, func(tx execer) (bool, error) {
		return affected(tx.Exec(ctx, `DELETE FROM group_members WHERE chat_id = $1 AND user_id = $2`, chatID, userID))
	})
}

func (s *Store) GroupsOf(ctx context.Context, userID int64) ([]chat.Chat, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+chatCols+` FROM group_members g JOIN chats c ON c.id = g.chat_id
		LEFT JOIN direct_hidden h ON h.chat_id = c.id AND h.user_id = $1
		WHERE g.user_id = $1 AND (h.hidden_seq IS NULL OR c.last_seq > h.hidden_seq)
		ORDER BY c.last_msg_at DESC, c.id DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []chat.Chat{}
	for rows.Next() {
		c, err := scanChat(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
