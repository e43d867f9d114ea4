package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"
)

const guildCols = `g.id, g.name, g.topic, g.icon, g.owner_id, g.default_channel_id, g.created_at`

func scanGuild(sc scanner) (chat.Guild, error) {
	var g chat.Guild
	var created int64
	err := sc.Scan(&g.ID, &g.Name, &g.Topic, &g.Icon, &g.OwnerID, &g.DefaultChannelID, &created)
	g.CreatedAt = storecodec.FromMS(created)
	return g, err
}

func (s *Store) CreateGuild(ctx context.Context, g chat.Guild, everyone chat.Role, defaultChannel chat.Chat, owner chat.Member,
	log *chat.Change) error {
	cl := logTo(log)
	return cl.commit(s.write(ctx, func(w *writer) error {
		if ok, err := w.exists(`SELECT 1 FROM users WHERE id = ?`, g.OwnerID); err != nil || !ok {
			return orNotFound(err, chat.WhatUser)
		}
		if _, err := w.exec(`INSERT INTO guilds (id, name, topic, icon, owner_id, default_channel_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			g.ID, g.Name, g.Topic, g.Icon, g.OwnerID, g.DefaultChannelID, storecodec.MS(g.CreatedAt)); err != nil {
			return conflict(err, "guild")
		}
		if err := insertRole(w, everyone); err != nil {
			return err
		}
		if err := insertChat(w, defaultChannel); err != nil {
			return err
		}
		if _, err := putMember(w, owner); err != nil {
			return err
		}
		return cl.write(w, 0) // the guild's stream: no messages
	}))
}

// orNotFound is err, or a NotFound of what when the lookup simply found
// nothing.
func orNotFound(err error, what string) error {
	if err != nil {
		return err
	}
	return chat.NotFound(what)
}

func (s *Store) Guild(ctx context.Context, id int64) (chat.Guild, error) {
	g, err := scanGuild(s.queryRow(ctx, `SELECT `+guildCols+` FROM guilds g WHERE g.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return chat.Guild{}, chat.NotFound(chat.WhatGuild)
	}
	return g, err
}

func (s *Store) GuildsOfUser(ctx context.Context, userID int64, p chat.Page) ([]chat.Guild, int, error) {
	limit, offset := storecodec.PageBounds(p)
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM members WHERE user_id = ?`, userID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.query(ctx, `SELECT `+guildCols+` FROM members m JOIN guilds g ON g.id = m.guild_id
		WHERE m.user_id = ? ORDER BY g.created_at, g.id LIMIT ? OFFSET ?`, userID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := make([]chat.Guild, 0, min(limit, total))
	for rows.Next() {
		g, err := scanGuild(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, g)
	}
	return out, total, rows.Err()
}

const roleCols = `guild_id, id, name, color, position, hoist, mentionable, permissions`

func insertRole(w *writer, r chat.Role) error {
	_, err := w.exec(`INSERT INTO roles (`+roleCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		r.GuildID, r.ID, r.Name, r.Color, r.Position, boolInt(r.Hoist), boolInt(r.Mentionable), int64(r.Permissions))
	return conflict(err, "role")
}

func (s *Store) CreateRole(ctx context.Context, r chat.Role) (chat.Role, error) {
	err := s.writeSingle(ctx, func(w *writer) error {
		if ok, err := w.exists(`SELECT 1 FROM guilds WHERE id = ?`, r.GuildID); err != nil || !ok {
			return orNotFound(err, chat.WhatGuild)
		}
		// Role 0 is the everyone role, so the first created role is 1 even
		// when the guild has no role row at all.
		if err := w.queryRow(`SELECT COALESCE(MAX(id), 0) + 1 FROM roles WHERE guild_id = ?`, r.GuildID).Scan(&r.ID); err != nil {
			return err
		}
		return insertRole(w, r)
	})
	if err != nil {
		return chat.Role{}, err
	}
	return r, nil
}

func (s *Store) Roles(ctx context.Context, guildID int64) ([]chat.Role, error) {
	rows, err := s.query(ctx, `SELECT `+roleCols+` FROM roles WHERE guild_id = ? ORDER BY id`, guildID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []chat.Role{}
	for rows.Next() {
		var r chat.Role
		var perms int64
		if err := rows.Scan(&r.GuildID, &r.ID, &r.Name, &r.Color, &r.Position, &r.Hoist, &r.Mentionable, &perms); err != nil {
			return nil, err
		}
		r.Permissions = chat.Permission(perms)
		out = append(out, r)
	}
	return out, rows.Err()
}

const memberCols = `guild_id, user_id, nickname, roles, joined_at`

func scanMember(sc scanner) (chat.Member, error) {
	var m chat.Member
	var roles string
	var joined int64
	if err := sc.Scan(&m.GuildID, &m.UserID, &m.Nickname, &roles, &joined); err != nil {
		return m, err
	}
	m.JoinedAt = storecodec.FromMS(joined)
	var err error
	m.Roles, err = decodeRoles(roles)
	return m, err
}

// PutMember logs a replaced membership too: its roles or nickname may
// have changed.
func (s *Store) PutMember(ctx context.Context, m chat.Member, log *chat.Change) (bool, error) {
	var added bool
	cl := logTo(log)
	err := s.write(ctx, func(w *writer) error {
		var err error
		if added, err = putMember(w, m); err != nil {
			return err
		}
		if added {
			cl.row.Kind = chat.EventMemberJoined
		}
		return cl.write(w, 0) // the guild's stream: no messages
	})
	return added, cl.commit(err)
}

// putMember inserts m, or replaces the roles and nickname of an existing
// membership (keeping its join time, hence its place in join order).
func putMember(w *writer, m chat.Member) (added bool, err error) {
	roles, err := encodeRoles(m.Roles)
	if err != nil {
		return false, err
	}
	res, err := w.exec(`UPDATE members SET nickname = ?, roles = ? WHERE guild_id = ? AND user_id = ?`,
		m.Nickname, roles, m.GuildID, m.UserID)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return false, err
	}
	if ok, err := w.exists(`SELECT 1 FROM guilds WHERE id = ?`, m.GuildID); err != nil || !ok {
		return false, orNotFound(err, chat.WhatGuild)
	}
	if ok, err := w.exists(`SELECT 1 FROM users WHERE id = ?`, m.UserID); err != nil || !ok {
		return false, orNotFound(err, chat.WhatUser)
	}
	_, err = w.exec(`INSERT INTO members (guild_id, user_id, nickname, roles, joined_at) VALUES (?, ?, ?, ?, ?)`,
		m.GuildID, m.UserID, m.Nickname, roles, storecodec.MS(m.JoinedAt))
	return err == nil, err
}

func (s *Store) Member(ctx context.Context, guildID, userID int64) (chat.Member, error) {
	m, err := scanMember(s.queryRow(ctx, `SELECT `+memberCols+` FROM members WHERE guild_id = ? AND user_id = ?`, guildID, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return chat.Member{}, chat.NotFound(chat.WhatMember)
	}
	return m, err
}

func (s *Store) MembersByUser(ctx context.Context, guildID int64, userIDs []int64) (map[int64]chat.Member, error) {
	out := make(map[int64]chat.Member, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	rows, err := s.query(ctx, `SELECT `+memberCols+` FROM members
		WHERE guild_id = ? AND user_id IN (SELECT value FROM json_each(?))`, guildID, idArray(userIDs))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, err
		}
		out[m.UserID] = m
	}
	return out, rows.Err()
}

func (s *Store) Members(ctx context.Context, guildID int64, p chat.Page) ([]chat.Member, int, error) {
	limit, offset := storecodec.PageBounds(p)
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM members WHERE guild_id = ?`, guildID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.query(ctx, `SELECT `+memberCols+` FROM members WHERE guild_id = ?
		ORDER BY joined_at, seq LIMIT ? OFFSET ?`, guildID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := make([]chat.Member, 0, min(limit, total))
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, m)
	}
	return out, total, rows.Err()
}

func (s *Store) RemoveMember(ctx context.Context, guildID, userID int64, log *chat.Change) (bool, error) {
	return s.logged(ctx, log, chat.WhatGuild, func(w *writer) (bool, error) {
		return rowsChanged(w.exec(`DELETE FROM members WHERE guild_id = ? AND user_id = ?`, guildID, userID))
	})
}
