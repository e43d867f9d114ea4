package postgres

import (
	"context"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"

	"github.com/jackc/pgx/v5"
)

const guildCols = `g.id, g.name, g.topic, g.icon, g.owner_id, g.default_channel_id, g.created_at`

func scanGuild(row pgx.Row) (chat.Guild, error) {
	var g chat.Guild
	var created int64
	err := row.Scan(&g.ID, &g.Name, &g.Topic, &g.Icon, &g.OwnerID, &g.DefaultChannelID, &created)
	g.CreatedAt = storecodec.FromMS(created)
	return g, err
}

func (s *Store) CreateGuild(ctx context.Context, g chat.Guild, everyone chat.Role, defaultChannel chat.Chat, owner chat.Member,
	log *chat.Change) error {
	return s.loggedCreate(ctx, log, func(tx execer) error {
		if _, err := tx.Exec(ctx, `INSERT INTO guilds (id, name, topic, icon, owner_id, default_channel_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			g.ID, g.Name, g.Topic, g.Icon, g.OwnerID, g.DefaultChannelID, storecodec.MS(g.CreatedAt)); err != nil {
			return mapErr(err, "guild")
		}
		if err := insertRole(ctx, tx, everyone); err != nil {
			return err
		}
		if err := insertChat(ctx, tx, defaultChannel); err != nil {
			return err
		}
		_, err := putMember(ctx, tx, owner)
		return err
	})
}

func (s *Store) Guild(ctx context.Context, id int64) (chat.Guild, error) {
	g, err := scanGuild(s.pool.QueryRow(ctx, `SELECT `+guildCols+` FROM guilds g WHERE g.id = $1`, id))
	return g, notFoundIfNoRows(err, chat.WhatGuild)
}

func (s *Store) GuildsOfUser(ctx context.Context, userID int64, p chat.Page) ([]chat.Guild, int, error) {
	limit, offset := storecodec.PageBounds(p)
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM members WHERE user_id = $1`, userID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+guildCols+` FROM members m JOIN guilds g ON g.id = m.guild_id
		WHERE m.user_id = $1 ORDER BY g.created_at, g.id LIMIT $2 OFFSET $3`, userID, limit, offset)
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

func insertRole(ctx context.Context, db execer, r chat.Role) error {
	_, err := db.Exec(ctx, `INSERT INTO roles (`+roleCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		r.GuildID, r.ID, r.Name, r.Color, r.Position, r.Hoist, r.Mentionable, int64(r.Permissions))
	return mapErr(err, "role")
}

// CreateRole locks the guild's row while it picks the next id, so
// concurrent calls on any number of nodes hand out distinct ids.
func (s *Store) CreateRole(ctx context.Context, r chat.Role) (chat.Role, error) {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM guilds WHERE id = $1 FOR NO KEY UPDATE`, r.GuildID).Scan(&one)
		if err != nil {
			return notFoundIfNoRows(err, chat.WhatGuild)
		}
		// Role 0 is the everyone role, so the first created role is 1 even
		// when the guild has no role row at all.
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM roles WHERE guild_id = $1`, r.GuildID).Scan(&r.ID); err != nil {
			return err
		}
		return insertRole(ctx, tx, r)
	})
	if err != nil {
		return chat.Role{}, err
	}
	return r, nil
}

func (s *Store) Roles(ctx context.Context, guildID int64) ([]chat.Role, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+roleCols+` FROM roles WHERE guild_id = $1 ORDER BY id`, guildID)
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

func scanMember(row pgx.Row) (chat.Member, error) {
	var m chat.Member
	var roles []int32
	var joined int64
	if err := row.Scan(&m.GuildID, &m.UserID, &m.Nickname, &roles, &joined); err != nil {
		return m, err
	}
	m.JoinedAt = storecodec.FromMS(joined)
	if len(roles) > 0 {
		m.Roles = make([]int, len(roles))
		for i, r := range roles {
			m.Roles[i] = int(r)
		}
	}
	return m, nil
}

// PutMember logs a new member as EventMemberJoined, whatever kind log had.
func (s *Store) PutMember(ctx context.Context, m chat.Member, log *chat.Change) (added bool, err error) {
	_, err = s.logged(ctx, log, func(tx execer) (bool, error) {
		var err error
		if added, err = putMember(ctx, tx, m); added && log != nil {
			log.Kind = chat.EventMemberJoined
		}
		return true, err
	})
	return added && err == nil, err
}

// putMember inserts m, or replaces the roles and nickname of an existing
// membership (keeping its join time, hence its place in join order), in
// one statement, so two concurrent puts of one member cannot both insert.
// xmax is 0 on a row this statement inserted.
func putMember(ctx context.Context, db execer, m chat.Member) (added bool, err error) {
	roles := make([]int32, len(m.Roles))
	for i, r := range m.Roles {
		roles[i] = int32(r)
	}
	err = db.QueryRow(ctx, `INSERT INTO members (guild_id, user_id, nickname, roles, joined_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (guild_id, user_id) DO UPDATE SET nickname = excluded.nickname, roles = excluded.roles
		RETURNING xmax = 0`, m.GuildID, m.UserID, m.Nickname, roles, storecodec.MS(m.JoinedAt)).Scan(&added)
	return added, mapErr(err, "member")
}

func (s *Store) Member(ctx context.Context, guildID, userID int64) (chat.Member, error) {
	m, err := scanMember(s.pool.QueryRow(ctx, `SELECT `+memberCols+` FROM members WHERE guild_id = $1 AND user_id = $2`, guildID, userID))
	return m, notFoundIfNoRows(err, chat.WhatMember)
}

func (s *Store) MembersByUser(ctx context.Context, guildID int64, userIDs []int64) (map[int64]chat.Member, error) {
	out := make(map[int64]chat.Member, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+memberCols+` FROM members WHERE guild_id = $1 AND user_id = ANY($2)`, guildID, userIDs)
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
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM members WHERE guild_id = $1`, guildID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+memberCols+` FROM members WHERE guild_id = $1
		ORDER BY joined_at, seq LIMIT $2 OFFSET $3`, guildID, limit, offset)
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
	return s.logged(ctx, log, func(tx execer) (bool, error) {
		return affected(tx.Exec(ctx, `DELETE FROM members WHERE guild_id = $1 AND user_id = $2`, guildID, userID))
	})
}
