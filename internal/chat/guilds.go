package chat

import (
	"context"
	"strings"
	"unicode/utf8"
)

func checkName(field, name string, max int) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", invalid(field, "must not be empty")
	}
	if n := utf8.RuneCountInString(name); n > max {
		return "", invalid(field, "at most %d characters, got %d", max, n)
	}
	return name, nil
}

// CreateGuild creates a guild owned by ownerID, with its everyone role and a
// default text channel (operator API).
func (s *Service) CreateGuild(ctx context.Context, name string, ownerID int64) (Guild, Chat, error) {
	name, err := checkName("name", name, 100)
	if err != nil {
		return Guild{}, Chat{}, err
	}
	ownerUser, err := s.store.User(ctx, ownerID)
	if err != nil {
		return Guild{}, Chat{}, ownerErr(err)
	}
	now := s.clock()
	g := Guild{ID: s.ids.Next(), Name: name, OwnerID: ownerID, CreatedAt: now}
	ch := Chat{ID: s.ids.Next(), AppID: appOf(ownerUser.AppID), Kind: ChatChannel, GuildID: g.ID, Name: "general", Type: ChannelText, CreatorID: ownerID, CreatedAt: now}
	g.DefaultChannelID = ch.ID
	everyone := Role{GuildID: g.ID, ID: EveryoneRoleID, Name: "@everyone", Permissions: DefaultEveryonePermissions}
	owner := Member{GuildID: g.ID, UserID: ownerID, JoinedAt: now}
	e := Event{Kind: EventMemberJoined, Chat: Chat{Kind: ChatChannel, GuildID: g.ID}, UserID: ownerID, ActorID: ownerID}
	log := s.change(e)
	if err := s.store.CreateGuild(ctx, g, everyone, ch, owner, log); err != nil {
		return Guild{}, Chat{}, err
	}
	s.publishChange(ctx, e, log)
	return g, ch, nil
}

func ownerErr(err error) error {
	if isNotFound(err) {
		return invalid("owner_id", "no such user")
	}
	return err
}

// AddMember makes userID a member of guildID holding roles (operator API).
// Adding an existing member replaces its roles.
func (s *Service) AddMember(ctx context.Context, guildID, userID int64, roles []int) error {
	g, err := s.store.Guild(ctx, guildID)
	if err != nil {
		return err
	}
	owner, err := s.user(ctx, g.OwnerID)
	if err != nil {
		return err
	}
	if _, err := s.VisibleUser(ctx, owner, userID); err != nil {
		if isNotFound(err) {
			return invalid("user_id", "no such user")
		}
		return err
	}
	defined, err := s.store.Roles(ctx, guildID)
	if err != nil {
		return err
	}
	known := map[int]bool{}
	for _, r := range defined {
		known[r.ID] = true
	}
	var held []int
	for _, r := range roles {
		if !known[r] {
			return invalid("roles", "role %d is not defined in this guild", r)
		}
		if r != EveryoneRoleID {
			held = append(held, r)
		}
	}
	// Whether the member is new is known as the store writes it: PutMember
	// logs EventMemberJoined then.
	e := Event{Kind: EventMemberUpdated, Chat: Chat{Kind: ChatChannel, GuildID: g.ID}, UserID: userID}
	log := s.change(e)
	added, err := s.store.PutMember(ctx, Member{GuildID: guildID, UserID: userID, Roles: held, JoinedAt: log.At}, log)
	forget(s.dir, s.dir.members, [2]int64{guildID, userID})
	if err != nil {
		return err
	}
	if added {
		e.Kind = EventMemberJoined
	}
	s.publishChange(ctx, e, log)
	return nil
}

// RemoveMember ends userID's membership of guildID (operator API). The
// owner cannot be removed.
func (s *Service) RemoveMember(ctx context.Context, guildID, userID int64) error {
	g, err := s.guild(ctx, guildID)
	if err != nil {
		return err
	}
	if userID == g.OwnerID {
		return invalid("user_id", "the guild's owner cannot be removed")
	}
	return s.removeMember(ctx, g, userID, 0)
}

// LeaveGuild ends actor's own membership. The owner cannot leave.
func (s *Service) LeaveGuild(ctx context.Context, actor User, guildID int64) error {
	a, err := s.guildAccess(ctx, actor, guildID)
	if err != nil {
		return err
	}
	if actor.ID == a.guild.OwnerID {
		return invalid("guild_id", "the owner cannot leave its own guild")
	}
	return s.removeMember(ctx, a.guild, actor.ID, actor.ID)
}

// KickMember removes another member; it needs PermKickMembers.
func (s *Service) KickMember(ctx context.Context, actor User, guildID, userID int64) error {
	a, err := s.guildAccess(ctx, actor, guildID)
	if err != nil {
		return err
	}
	if userID == actor.ID {
		return invalid("target_id", "use guild/leave to leave a guild")
	}
	if !a.perms.Has(PermKickMembers) {
		return forbidden("kicking members")
	}
	if userID == a.guild.OwnerID {
		return invalid("target_id", "the guild's owner cannot be kicked")
	}
	return s.removeMember(ctx, a.guild, userID, actor.ID)
}

func (s *Service) removeMember(ctx context.Context, g Guild, userID, actorID int64) error {
	e := Event{Kind: EventMemberLeft, Chat: Chat{Kind: ChatChannel, GuildID: g.ID}, UserID: userID, ActorID: actorID}
	log := s.change(e)
	removed, err := s.store.RemoveMember(ctx, g.ID, userID, log)
	forget(s.dir, s.dir.members, [2]int64{g.ID, userID})
	if err != nil {
		return err
	}
	if !removed {
		return notFound(WhatMember)
	}
	s.publishChange(ctx, e, log)
	return nil
}

// CreateRole defines a role in a guild (operator API).
func (s *Service) CreateRole(ctx context.Context, guildID int64, name string, perms Permission) (Role, error) {
	name, err := checkName("name", name, 100)
	if err != nil {
		return Role{}, err
	}
	if _, err := s.store.Guild(ctx, guildID); err != nil {
		return Role{}, err
	}
	r, err := s.store.CreateRole(ctx, Role{GuildID: guildID, Name: name, Permissions: perms})
	forget(s.dir, s.dir.roles, guildID)
	return r, err
}

// GuildsOf lists the guilds actor belongs to.
func (s *Service) GuildsOf(ctx context.Context, actor User, p Page) ([]Guild, int, error) {
	return s.store.GuildsOfUser(ctx, actor.ID, p.Normalize())
}

// GuildView is a guild with what its members see of it.
type GuildView struct {
	Guild    Guild
	Roles    []Role
	Channels []Chat // the channels actor may view
}

// Guild returns a guild actor belongs to.
func (s *Service) Guild(ctx context.Context, actor User, guildID int64) (GuildView, error) {
	a, err := s.guildAccess(ctx, actor, guildID)
	if err != nil {
		return GuildView{}, err
	}
	chans, err := s.visibleChannels(ctx, a)
	if err != nil {
		return GuildView{}, err
	}
	return GuildView{Guild: a.guild, Roles: a.roles, Channels: chans}, nil
}

// GuildOnlineCount counts the members of a guild actor belongs to that are
// online now.
func (s *Service) GuildOnlineCount(ctx context.Context, actor User, guildID int64) (int, error) {
	if _, err := s.guildAccess(ctx, actor, guildID); err != nil {
		return 0, err
	}
	s.presenceMu.RLock()
	ids := make([]int64, 0, len(s.online))
	for id := range s.online {
		ids = append(ids, id)
	}
	s.presenceMu.RUnlock()
	ms, err := s.store.MembersByUser(ctx, guildID, ids)
	return len(ms), err
}

// MemberView is a member with its user.
type MemberView struct {
	Member Member
	User   User
}

// GuildMembers lists the members of a guild actor belongs to.
func (s *Service) GuildMembers(ctx context.Context, actor User, guildID int64, p Page) ([]MemberView, int, error) {
	if _, err := s.guildAccess(ctx, actor, guildID); err != nil {
		return nil, 0, err
	}
	ms, total, err := s.store.Members(ctx, guildID, p.Normalize())
	if err != nil {
		return nil, 0, err
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	users, err := s.store.UsersByID(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	out := make([]MemberView, 0, len(ms))
	for _, m := range ms {
		out = append(out, MemberView{Member: m, User: users[m.UserID]})
	}
	return out, total, nil
}

// Member returns userID's membership of a guild actor belongs to.
func (s *Service) Member(ctx context.Context, actor User, guildID, userID int64) (Member, error) {
	if _, err := s.guildAccess(ctx, actor, guildID); err != nil {
		return Member{}, err
	}
	return s.store.Member(ctx, guildID, userID)
}
