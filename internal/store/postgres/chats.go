package postgres

import (
	"context"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"

	"github.com/jackc/pgx/v5"
)

// chatCols reads a chat; the NULLs of columns a kind does not use read as
// zero values.
const chatCols = `c.id, c.kind, COALESCE(c.guild_id, 0), c.name, c.topic, c.type, c.parent_id, c.level,
	c.slow_mode, c.creator_id, COALESCE(c.code, ''), COALESCE(c.member_lo, 0), COALESCE(c.member_hi, 0),
	c.last_seq, c.last_msg_at, c.created_at, c.app_id`

func scanChat(row pgx.Row, extra ...any) (chat.Chat, error) {
	var c chat.Chat
	var kind, typ int32
	var lastMsg, created int64
	dest := append([]any{&c.ID, &kind, &c.GuildID, &c.Name, &c.Topic, &typ, &c.ParentID, &c.Level,
		&c.SlowMode, &c.CreatorID, &c.Code, &c.Members[0], &c.Members[1], &c.LastSeq, &lastMsg, &created, &c.AppID}, extra...)
	err := row.Scan(dest...)
	c.Kind, c.Type = chat.ChatKind(kind), chat.ChannelType(typ)
	c.LastMsgAt, c.CreatedAt = storecodec.FromMS(lastMsg), storecodec.FromMS(created)
	return c, err
}

// nullable stores a zero value as NULL, for columns only some kinds of chat
// use (so their UNIQUE constraints bind only those).
func nullable[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

const sqlInsertChat = `INSERT INTO chats (id, kind, guild_id, name, topic, type, parent_id, level, slow_mode,
	creator_id, code, member_lo, member_hi, last_seq, last_msg_at, created_at, app_id)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`

func chatArgs(c chat.Chat) []any {
	var lo, hi *int64
	if c.Kind == chat.ChatDirect {
		lo, hi = &c.Members[0], &c.Members[1]
	}
	return []any{c.ID, int32(c.Kind), nullable(c.GuildID), c.Name, c.Topic, int32(c.Type), c.ParentID, c.Level, c.SlowMode,
		c.CreatorID, nullable(c.Code), lo, hi, c.LastSeq, storecodec.MS(c.LastMsgAt), storecodec.MS(c.CreatedAt), appID(c.AppID)}
}

func insertChat(ctx context.Context, db execer, c chat.Chat) error {
	_, err := db.Exec(ctx, sqlInsertChat, chatArgs(c)...)
	return mapErr(err, "chat")
}

func (s *Store) CreateChat(ctx context.Context, c chat.Chat, log *chat.Change) error {
	return s.loggedCreate(ctx, log, func(tx execer) error { return insertChat(ctx, tx, c) })
}

func (s *Store) UpdateChat(ctx context.Context, c chat.Chat, log *chat.Change) error {
	_, err := s.logged(ctx, log, func(tx execer) (bool, error) {
		tag, err := tx.Exec(ctx, `UPDATE chats SET name = $1, topic = $2, parent_id = $3, level = $4, slow_mode = $5
			WHERE id = $6`, c.Name, c.Topic, c.ParentID, c.Level, c.SlowMode, c.ID)
		return true, mustChange(tag, err, chat.WhatChat)
	})
	return err
}

// DeleteChat removes the chat row and, by cascade, its pins, read states
// and hides. Its messages stay, unreachable, as in SQLite. A logged delete
// reads the chat's last_seq under its lock (logged) before the row goes.
func (s *Store) DeleteChat(ctx context.Context, id int64, log *chat.Change) error {
	_, err := s.logged(ctx, log, func(tx execer) (bool, error) {
		tag, err := tx.Exec(ctx, `DELETE FROM chats WHERE id = $1`, id)
		return true, mustChange(tag, err, chat.WhatChat)
	})
	return err
}

func (s *Store) Chat(ctx context.Context, id int64) (chat.Chat, error) {
	c, err := scanChat(s.pool.QueryRow(ctx, `SELECT `+chatCols+` FROM chats c WHERE c.id = $1`, id))
	return c, notFoundIfNoRows(err, chat.WhatChat)
}

func (s *Store) ChatByCode(ctx context.Context, code string) (chat.Chat, error) {
	if code == "" {
		return chat.Chat{}, chat.NotFound(chat.WhatChat)
	}
	c, err := scanChat(s.pool.QueryRow(ctx, `SELECT `+chatCols+` FROM chats c WHERE c.code = $1`, code))
	return c, notFoundIfNoRows(err, chat.WhatChat)
}

func (s *Store) GuildChats(ctx context.Context, guildID int64) ([]chat.Chat, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+chatCols+` FROM chats c WHERE c.guild_id = $1 ORDER BY c.level, c.id`, guildID)
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
