package chat

import (
	"context"
	"errors"
)

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// guildAcc is what actor holds in one guild.
type guildAcc struct {
	guild  Guild
	roles  []Role
	member Member
	perms  Permission
}

// guildAccess loads a guild for actor. A guild actor does not belong to is
// reported as not found, so its existence does not leak.
func (s *Service) guildAccess(ctx context.Context, actor User, guildID int64) (guildAcc, error) {
	g, err := s.guild(ctx, guildID)
	if err != nil {
		return guildAcc{}, err
	}
	owner, err := s.user(ctx, g.OwnerID)
	if err != nil {
		return guildAcc{}, err
	}
	if !sameApp(actor, owner.AppID) {
		return guildAcc{}, notFound(WhatGuild)
	}
	m, err := s.member(ctx, guildID, actor.ID)
	if isNotFound(err) {
		return guildAcc{}, notFound(WhatGuild)
	}
	if err != nil {
		return guildAcc{}, err
	}
	roles, err := s.guildRoles(ctx, guildID)
	if err != nil {
		return guildAcc{}, err
	}
	return guildAcc{guild: g, roles: roles, member: m, perms: memberPermissions(g, m, roles)}, nil
}

// directPermissions is what each member of a direct chat may do in it.
const directPermissions = PermViewChannels | PermSendMessages | PermAddReactions

// groupPermissions is what every member of a group may do in it; its
// owner and admins may also manage others' messages and mention everyone.
const (
	groupPermissions      = PermViewChannels | PermSendMessages | PermAddReactions
	groupAdminPermissions = groupPermissions | PermManageMessages | PermMentionAll
)

// chatAcc is a chat with what actor may do in it.
type chatAcc struct {
	chat  Chat
	perms Permission
	guild *guildAcc    // channels only
	group *GroupMember // groups only
}

// chatAccess loads a chat actor may view. A chat actor may not view is
// reported exactly as one that does not exist. The chat's LastSeq may be
// stale.
func (s *Service) chatAccess(ctx context.Context, actor User, chatID int64) (chatAcc, error) {
	c, err := s.chatMeta(ctx, chatID)
	if isNotFound(err) {
		return chatAcc{}, notFound(WhatChat)
	}
	if err != nil {
		return chatAcc{}, err
	}
	return s.accessTo(ctx, actor, c)
}

func (s *Service) accessTo(ctx context.Context, actor User, c Chat) (chatAcc, error) {
	if !sameApp(actor, c.AppID) {
		return chatAcc{}, notFound(WhatChat)
	}
	switch c.Kind {
	case ChatDirect:
		if !c.HasMember(actor.ID) {
			return chatAcc{}, notFound(WhatChat)
		}
		return chatAcc{chat: c, perms: directPermissions}, nil
	case ChatChannel:
		g, err := s.guildAccess(ctx, actor, c.GuildID)
		if isNotFound(err) || (err == nil && !g.perms.Has(PermViewChannels)) {
			return chatAcc{}, notFound(WhatChat)
		}
		if err != nil {
			return chatAcc{}, err
		}
		return chatAcc{chat: c, perms: g.perms, guild: &g}, nil
	case ChatGroup:
		m, err := s.groupMember(ctx, c.ID, actor.ID)
		if isNotFound(err) {
			return chatAcc{}, notFound(WhatChat)
		}
		if err != nil {
			return chatAcc{}, err
		}
		perms := Permission(groupPermissions)
		if m.Role >= GroupAdmin {
			perms = groupAdminPermissions
		}
		return chatAcc{chat: c, perms: perms, group: &m}, nil
	}
	return chatAcc{}, notFound(WhatChat)
}

// visibleChannels lists the channels of a guild the member may view.
func (s *Service) visibleChannels(ctx context.Context, g guildAcc) ([]Chat, error) {
	if !g.perms.Has(PermViewChannels) {
		return []Chat{}, nil
	}
	return s.store.GuildChats(ctx, g.guild.ID)
}

// CanView reports whether user may read a chat. The live-event layer asks
// it before delivering a chat's events.
func (s *Service) CanView(ctx context.Context, user User, c Chat) bool {
	_, err := s.accessTo(ctx, user, c)
	return err == nil
}

func (a chatAcc) require(p Permission, what string) error {
	if !a.perms.Has(p) {
		return forbidden("%s", what)
	}
	return nil
}
