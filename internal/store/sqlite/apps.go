package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"
)

// appID stores the default app for a zero id.
func appID(id int64) int64 {
	if id == 0 {
		return chat.DefaultAppID
	}
	return id
}

func (s *Store) CreateApp(ctx context.Context, a chat.App, adminTokenHash []byte) error {
	return s.writeSingle(ctx, func(w *writer) error {
		_, err := w.exec(`INSERT INTO apps (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)`,
			a.ID, a.Name, adminTokenHash, storecodec.MS(a.CreatedAt))
		return conflict(err, "app")
	})
}

func oneApp(row scanner) (chat.App, error) {
	var a chat.App
	var created int64
	err := row.Scan(&a.ID, &a.Name, &created)
	a.CreatedAt = storecodec.FromMS(created)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.App{}, chat.NotFound(chat.WhatApp)
	}
	return a, err
}

func (s *Store) App(ctx context.Context, id int64) (chat.App, error) {
	return oneApp(s.queryRow(ctx, `SELECT id, name, created_at FROM apps WHERE id = ?`, id))
}

func (s *Store) AppByTokenHash(ctx context.Context, hash []byte) (chat.App, error) {
	return oneApp(s.queryRow(ctx, `SELECT id, name, created_at FROM apps WHERE token_hash = ?`, hash))
}

func (s *Store) SetPassword(ctx context.Context, userID int64, hash []byte) error {
	return s.writeSingle(ctx, func(w *writer) error {
		_, err := w.exec(`INSERT INTO user_passwords (user_id, hash) VALUES (?, ?)
			ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash`, userID, hash)
		return err
	})
}

func (s *Store) PasswordHash(ctx context.Context, userID int64) ([]byte, error) {
	var h []byte
	err := s.queryRow(ctx, `SELECT hash FROM user_passwords WHERE user_id = ?`, userID).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, chat.NotFound(chat.WhatUser)
	}
	return h, err
}

func (s *Store) UserByName(ctx context.Context, app int64, username string) (chat.User, error) {
	return oneUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE app_id = ? AND username = ?`, appID(app), username))
}

func (s *Store) PutDeviceToken(ctx context.Context, userID int64, guid string, tokenHash []byte, at time.Time) (chat.Device, error) {
	d := chat.Device{UserID: userID, GUID: guid}
	err := s.writeSingle(ctx, func(w *writer) error {
		if ok, err := w.exists(`SELECT 1 FROM users WHERE id = ?`, userID); err != nil || !ok {
			return orNotFound(err, chat.WhatUser)
		}
		if guid != "" {
			err := w.queryRow(`SELECT sn FROM devices WHERE user_id = ? AND guid = ?`, userID, guid).Scan(&d.SN)
			if errors.Is(err, sql.ErrNoRows) {
				if err = w.queryRow(`SELECT COALESCE(MAX(sn), 0) + 1 FROM devices WHERE user_id = ?`, userID).Scan(&d.SN); err != nil {
					return err
				}
				_, err = w.exec(`INSERT INTO devices (user_id, sn, guid) VALUES (?, ?, ?)`, userID, d.SN, guid)
			}
			if err != nil {
				return err
			}
		}
		_, err := w.exec(`INSERT INTO device_tokens (token_hash, user_id, sn, created_at) VALUES (?, ?, ?, ?)`,
			tokenHash, userID, d.SN, storecodec.MS(at))
		return conflict(err, "token")
	})
	return d, err
}

func (s *Store) UserByDeviceTokenHash(ctx context.Context, hash []byte) (chat.User, int32, error) {
	var u chat.User
	var created int64
	var sn int32
	err := s.queryRow(ctx, `SELECT u.id, u.username, u.nickname, u.avatar, u.bot, u.created_at, u.app_id, t.sn
		FROM device_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`, hash).
		Scan(&u.ID, &u.Username, &u.Nickname, &u.Avatar, &u.Bot, &created, &u.AppID, &sn)
	u.CreatedAt = storecodec.FromMS(created)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.User{}, 0, chat.NotFound(chat.WhatUser)
	}
	return u, sn, err
}

func (s *Store) AddGroupMember(ctx context.Context, m chat.GroupMember, log *chat.Change) (bool, error) {
	return s.logged(ctx, log, chat.WhatChat, func(w *writer) (bool, error) {
		return rowsChanged(w.exec(`INSERT INTO group_members (chat_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, m.ChatID, m.UserID, int64(m.Role), storecodec.MS(m.JoinedAt)))
	})
}

func (s *Store) RemoveGroupMember(ctx context.Context, chatID, userID int64, log *chat.Change) (bool, error) {
	removed, err := s.logged(ctx, log, chat.WhatChat, func(w *writer) (bool, error) {
		return rowsChanged(w.exec(`DELETE FROM group_members WHERE chat_id = ? AND user_id = ?`, chatID, userID))
	})
	if errors.Is(err, chat.ErrNotFound) {
		return false, nil // the chat's deletion took its members with it: none to remove
	}
	return removed, err
}

func (s *Store) GroupsOf(ctx context.Context, userID int64) ([]chat.Chat, error) {
	rows, err := s.query(ctx, `SELECT `+chatCols+` FROM group_members g JOIN chats c ON c.id = g.chat_id
		LEFT JOIN direct_hidden h ON h.chat_id = c.id AND h.user_id = ?1
		WHERE g.user_id = ?1 AND (h.hidden_seq IS NULL OR c.last_seq > h.hidden_seq)
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
