package chat

import (
	"context"
)

// Channels lists the channels of a guild that actor may view.
func (s *Service) Channels(ctx context.Context, actor User, guildID int64) ([]Chat, error) {
	g, err := s.guildAccess(ctx, actor, guildID)
	if err != nil {
		return nil, err
	}
	return s.visibleChannels(ctx, g)
}

// Channel returns a channel actor may view.
func (s *Service) Channel(ctx context.Context, actor User, id int64) (Chat, error) {
	a, err := s.channelAccess(ctx, actor, id)
	return a.chat, err
}

// NewChannel describes a channel to create.
type NewChannel struct {
	GuildID  int64
	Name     string
	Type     ChannelType // text or voice; ignored for categories
	ParentID int64
	Category bool
}

// CreateChannel adds a channel to a guild; it needs PermManageChannels.
func (s *Service) CreateChannel(ctx context.Context, actor User, in NewChannel) (Chat, error) {
	name, err := checkName("name", in.Name, 100)
	if err != nil {
		return Chat{}, err
	}
	g, err := s.guildAccess(ctx, actor, in.GuildID)
	if err != nil {
		return Chat{}, err
	}
	if !g.perms.Has(PermManageChannels) {
		return Chat{}, forbidden("managing channels")
	}
	typ := in.Type
	switch {
	case in.Category:
		typ = ChannelCategory
	case typ == 0:
		typ = ChannelText
	case typ != ChannelText && typ != ChannelVoice:
		return Chat{}, invalid("type", "must be 1 (text) or 2 (voice)")
	}
	if in.ParentID != 0 {
		if in.Category {
			return Chat{}, invalid("parent_id", "a category cannot sit in a category")
		}
		if err := s.checkParent(ctx, g.guild.ID, in.ParentID); err != nil {
			return Chat{}, err
		}
	}
	c := Chat{ID: s.ids.Next(), AppID: appOf(actor.AppID), Kind: ChatChannel, GuildID: g.guild.ID, Name: name, Type: typ,
		ParentID: in.ParentID, CreatorID: actor.ID, CreatedAt: s.clock()}
	e := Event{Kind: EventChannelCreated, Chat: c, ActorID: actor.ID}
	log := s.change(e)
	if err := s.store.CreateChat(ctx, c, log); err != nil {
		return Chat{}, err
	}
	s.publishChange(ctx, e, log)
	return c, nil
}

func (s *Service) checkParent(ctx context.Context, guildID, parentID int64) error {
	p, err := s.store.Chat(ctx, parentID)
	if isNotFound(err) || (err == nil && (p.GuildID != guildID || !p.IsCategory())) {
		return invalid("parent_id", "no such category in this guild")
	}
	return err
}

// ChannelUpdate changes the fields that are not nil.
type ChannelUpdate struct {
	ID       int64
	Name     *string
	Topic    *string
	ParentID *int64
	Level    *int
	SlowMode *int
}

// slowModes are the slow-mode intervals KOOK offers, in ms.
var slowModes = map[int]bool{0: true, 5000: true, 10000: true, 15000: true, 30000: true, 60000: true,
	120000: true, 300000: true, 600000: true, 900000: true, 1800000: true, 3600000: true,
	7200000: true, 21600000: true}

// UpdateChannel changes a channel; it needs PermManageChannels.
func (s *Service) UpdateChannel(ctx context.Context, actor User, in ChannelUpdate) (Chat, error) {
	a, err := s.channelToManage(ctx, actor, in.ID)
	if err != nil {
		return Chat{}, err
	}
	c := a.chat
	if in.Name != nil {
		if c.Name, err = checkName("name", *in.Name, 100); err != nil {
			return Chat{}, err
		}
	}
	if in.Topic != nil {
		if len([]rune(*in.Topic)) > 1024 {
			return Chat{}, invalid("topic", "at most 1024 characters")
		}
		c.Topic = *in.Topic
	}
	if in.ParentID != nil && *in.ParentID != c.ParentID {
		if *in.ParentID != 0 {
			if c.IsCategory() {
				return Chat{}, invalid("parent_id", "a category cannot sit in a category")
			}
			if err := s.checkParent(ctx, c.GuildID, *in.ParentID); err != nil {
				return Chat{}, err
			}
		}
		c.ParentID = *in.ParentID
	}
	if in.Level != nil {
		c.Level = *in.Level
	}
	if in.SlowMode != nil {
		if !slowModes[*in.SlowMode] {
			return Chat{}, invalid("slow_mode", "%d is not one of the allowed intervals", *in.SlowMode)
		}
		c.SlowMode = *in.SlowMode
	}
	e := Event{Kind: EventChannelUpdated, Chat: c, ActorID: actor.ID}
	log := s.change(e)
	err = s.store.UpdateChat(ctx, c, log)
	forget(s.dir, s.dir.chats, c.ID)
	if err != nil {
		return Chat{}, err
	}
	s.publishChange(ctx, e, log)
	return c, nil
}

// DeleteChannel removes a channel; it needs PermManageChannels. The default
// channel stays.
func (s *Service) DeleteChannel(ctx context.Context, actor User, id int64) error {
	a, err := s.channelToManage(ctx, actor, id)
	if err != nil {
		return err
	}
	if a.guild.guild.DefaultChannelID == id {
		return invalid("channel_id", "the guild's default channel cannot be deleted")
	}
	e := Event{Kind: EventChannelDeleted, Chat: a.chat, ActorID: actor.ID}
	log := s.change(e)
	err = s.store.DeleteChat(ctx, id, log)
	forget(s.dir, s.dir.chats, id)
	if err != nil {
		return err
	}
	s.publishChange(ctx, e, log)
	return nil
}

func (s *Service) channelToManage(ctx context.Context, actor User, id int64) (chatAcc, error) {
	a, err := s.channelAccess(ctx, actor, id)
	if err != nil {
		return chatAcc{}, err
	}
	return a, a.require(PermManageChannels, "managing channels")
}

// channelAccess is chatAccess for a guild channel: anything else, hidden or
// missing, is one and the same "channel not found".
func (s *Service) channelAccess(ctx context.Context, actor User, id int64) (chatAcc, error) {
	a, err := s.chatAccess(ctx, actor, id)
	if isNotFound(err) || (err == nil && a.chat.Kind != ChatChannel) {
		return chatAcc{}, notFound(WhatChannel)
	}
	return a, err
}
