package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"
)

// chatCols reads a chat; the NULLs of columns a kind does not use read as
// zero values.
const chatCols = `c.id, c.kind, COALESCE(c.guild_id, 0), c.name, c.topic, c.type, c.parent_id, c.level,
	c.slow_mode, c.creator_id, COALESCE(c.code, ''), COALESCE(c.member_lo, 0), COALESCE(c.member_hi, 0),
	c.last_seq, c.last_msg_at, c.created_at, c.app_id`

func scanChat(sc scanner, extra ...any) (chat.Chat, error) {
	var c chat.Chat
	var lastMsg, created int64
	dest := append([]any{&c.ID, &c.Kind, &c.GuildID, &c.Name, &c.Topic, &c.Type, &c.ParentID, &c.Level,
		&c.SlowMode, &c.CreatorID, &c.Code, &c.Members[0], &c.Members[1], &c.LastSeq, &lastMsg, &created, &c.AppID}, extra...)
	err := sc.Scan(dest...)
	c.LastMsgAt, c.CreatedAt = storecodec.FromMS(lastMsg), storecodec.FromMS(created)
	return c, err
}

// nullable stores a zero value as NULL, for columns only some kinds of chat
// use (so their UNIQUE indexes bind only those).
func nullable[T comparable](v T) any {
	var zero T
	if v == zero {
		return nil
	}
	return v
}

func insertChat(w *writer, c chat.Chat) error {
	if c.GuildID != 0 {
		if ok, err := w.exists(`SELECT 1 FROM guilds WHERE id = ?`, c.GuildID); err != nil || !ok {
			return orNotFound(err, chat.WhatGuild)
		}
	}
	var lo, hi any
	if c.Kind == chat.ChatDirect {
		lo, hi = c.Members[0], c.Members[1]
	}
	_, err := w.exec(`INSERT INTO chats (id, kind, guild_id, name, topic, type, parent_id, level, slow_mode,
		creator_id, code, member_lo, member_hi, last_seq, last_msg_at, created_at, app_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Kind, nullable(c.GuildID), c.Name, c.Topic, c.Type, c.ParentID, c.Level, c.SlowMode,
		c.CreatorID, nullable(c.Code), lo, hi, c.LastSeq, storecodec.MS(c.LastMsgAt), storecodec.MS(c.CreatedAt), appID(c.AppID))
	return conflict(err, "chat")
}

// CreateChat logs the chat's own last seq as inserted (0 for a new chat):
// the writer's cache may still hold a chat deleted under the same id.
func (s *Store) CreateChat(ctx context.Context, c chat.Chat, log *chat.Change) error {
	cl := logTo(log)
	return cl.commit(s.writeSingle(ctx, func(w *writer) error {
		if err := insertChat(w, c); err != nil {
			return err
		}
		w.forgetChat(c.ID)
		return cl.write(w, c.LastSeq)
	}))
}

func (s *Store) UpdateChat(ctx context.Context, c chat.Chat, log *chat.Change) error {
	_, err := s.logged(ctx, log, chat.WhatChat, func(w *writer) (bool, error) {
		res, err := w.exec(`UPDATE chats SET name = ?, topic = ?, parent_id = ?, level = ?, slow_mode = ? WHERE id = ?`,
			c.Name, c.Topic, c.ParentID, c.Level, c.SlowMode, c.ID)
		return true, mustChange(res, err, chat.WhatChat)
	})
	return err
}

// DeleteChat removes the chat row and, by cascade, its pins, read states
// and hides. Its messages stay, unreachable: deleting them could hold the
// writer for as long as the chat is big. The change's AfterSeq is read
// before the row (and the writer's cache of it) goes.
func (s *Store) DeleteChat(ctx context.Context, id int64, log *chat.Change) error {
	_, err := s.logged(ctx, log, chat.WhatChat, func(w *writer) (bool, error) {
		res, err := w.exec(`DELETE FROM chats WHERE id = ?`, id)
		if err := mustChange(res, err, chat.WhatChat); err != nil {
			return false, err
		}
		w.forgetChat(id)
		return true, nil
	})
	return err
}

// rowsChanged reports whether a statement changed any row.
func rowsChanged(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// mustChange turns "no row changed" into a NotFound of what.
func mustChange(res sql.Result, err error, what string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return chat.NotFound(what)
	}
	return nil
}

func (s *Store) Chat(ctx context.Context, id int64) (chat.Chat, error) {
	return oneChat(s.queryRow(ctx, `SELECT `+chatCols+` FROM chats c WHERE c.id = ?`, id))
}

func (s *Store) ChatByCode(ctx context.Context, code string) (chat.Chat, error) {
	if code == "" {
		return chat.Chat{}, chat.NotFound(chat.WhatChat)
	}
	return oneChat(s.queryRow(ctx, `SELECT `+chatCols+` FROM chats c WHERE c.code = ?`, code))
}

func oneChat(row scanner) (chat.Chat, error) {
	c, err := scanChat(row)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.Chat{}, chat.NotFound(chat.WhatChat)
	}
	return c, err
}

func (s *Store) GuildChats(ctx context.Context, guildID int64) ([]chat.Chat, error) {
	rows, err := s.query(ctx, `SELECT `+chatCols+` FROM chats c WHERE c.guild_id = ? ORDER BY c.level, c.id`, guildID)
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
