package chat

import (
	"context"
	"errors"
	"strconv"
)

// systemUsername names an app's system account, the author of its
// notifications.
func systemUsername(appID int64) string { return "system~" + strconv.FormatInt(appID, 10) }

// SystemUser returns an app's system account, creating it on first use.
func (s *Service) SystemUser(ctx context.Context, appID int64) (User, error) {
	appID = appOf(appID)
	name := systemUsername(appID)
	u, err := s.store.UserByName(ctx, appID, name)
	if err == nil || !isNotFound(err) {
		return u, err
	}
	u = User{ID: s.ids.Next(), AppID: appID, Username: name, Nickname: "system", Bot: true, CreatedAt: s.clock()}
	if err := s.store.CreateUser(ctx, u, HashToken(newToken())); err != nil {
		if errors.Is(err, ErrConflict) {
			return s.store.UserByName(ctx, appID, name)
		}
		return User{}, err
	}
	return u, nil
}

// Notify sends a system notification of an app to a user (toGroup false)
// or a group of that app: the app's system account writes it, in its
// direct chat with the user or, without being a member, in the group.
func (s *Service) Notify(ctx context.Context, appID int64, toGroup bool, targetID int64, in Send) (Message, error) {
	sys, err := s.SystemUser(ctx, appID)
	if err != nil {
		return Message{}, err
	}
	if !toGroup {
		c, err := s.OpenDirectChat(ctx, sys, targetID)
		if err != nil {
			return Message{}, err
		}
		in.ChatID = c.ID
		return s.SendMessage(ctx, sys, in)
	}
	c, err := s.chatMeta(ctx, targetID)
	if err != nil || c.Kind != ChatGroup || !sameApp(sys, c.AppID) {
		return Message{}, notFound(WhatChat)
	}
	if in.Type == 0 {
		in.Type = TypeText
	}
	if !sendableTypes[in.Type] {
		return Message{}, invalid("type", "message type %d cannot be sent", in.Type)
	}
	if err := validateContent(in.Type, in.Content); err != nil {
		return Message{}, err
	}
	if err := validateExtra(in.Type, in.Extra); err != nil {
		return Message{}, err
	}
	m := Message{ID: s.ids.Next(), UUID: NewUUID(), ChatID: c.ID, AuthorID: sys.ID, Type: in.Type, Content: in.Content,
		Nonce: in.Nonce, Extra: in.Extra, CreatedAt: s.clock()}
	var key *SendKey
	if in.Nonce != "" {
		key = &SendKey{Key: in.Nonce, Expires: s.nonceTTL}
	}
	return s.append(ctx, sys, c, m, key)
}
