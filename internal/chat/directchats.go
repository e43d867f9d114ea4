package chat

import (
	"context"
)

// OpenDirectChat returns the direct chat between actor and targetID,
// creating it on first use.
func (s *Service) OpenDirectChat(ctx context.Context, actor User, targetID int64) (Chat, error) {
	if targetID == actor.ID {
		return Chat{}, invalid("target_id", "cannot open a direct chat with yourself")
	}
	if _, err := s.VisibleUser(ctx, actor, targetID); err != nil {
		if isNotFound(err) {
			return Chat{}, invalid("target_id", "no such user")
		}
		return Chat{}, err
	}
	members := [2]int64{min(actor.ID, targetID), max(actor.ID, targetID)}
	return s.store.OpenDirectChat(ctx, Chat{ID: s.ids.Next(), AppID: appOf(actor.AppID), Kind: ChatDirect, Code: newChatCode(),
		Members: members, CreatorID: actor.ID, CreatedAt: s.clock()})
}

// DirectChat returns a direct chat of actor's by its code.
func (s *Service) DirectChat(ctx context.Context, actor User, code string) (Chat, error) {
	c, err := s.store.ChatByCode(ctx, code)
	if err != nil {
		return Chat{}, err
	}
	if !c.HasMember(actor.ID) || !sameApp(actor, c.AppID) {
		return Chat{}, notFound(WhatChat)
	}
	return c, nil
}

// DirectChats lists actor's direct chats, newest activity first.
func (s *Service) DirectChats(ctx context.Context, actor User, p Page) ([]DirectChatSummary, int, error) {
	list, total, err := s.store.DirectChatsOf(ctx, actor.ID, p.Normalize())
	if err != nil {
		return nil, 0, err
	}
	for i := range list {
		if err := s.fillSummary(ctx, actor, &list[i]); err != nil {
			return nil, 0, err
		}
	}
	return list, total, nil
}

// DirectChatSummary returns one of actor's direct chats as its list row.
func (s *Service) DirectChatSummary(ctx context.Context, actor User, c Chat) (DirectChatSummary, error) {
	sum := DirectChatSummary{Chat: c}
	states, err := s.store.ReadStates(ctx, actor.ID, c.ID)
	if err != nil {
		return sum, err
	}
	for _, r := range states {
		if r.Seq > sum.ReadSeq {
			sum.ReadSeq, sum.LastReadAt = r.Seq, r.ReadAt
		}
	}
	return sum, s.fillSummary(ctx, actor, &sum)
}

func (s *Service) fillSummary(ctx context.Context, actor User, sum *DirectChatSummary) error {
	peer, err := s.store.User(ctx, sum.Chat.Peer(actor.ID))
	if err != nil {
		return err
	}
	sum.Peer = peer
	sum.UnreadCount, err = s.store.CountUnread(ctx, sum.Chat.ID, actor.ID, sum.ReadSeq)
	return err
}

// HideDirectChat removes a direct chat from actor's list; it comes back
// with the next message.
func (s *Service) HideDirectChat(ctx context.Context, actor User, code string) error {
	c, err := s.DirectChat(ctx, actor, code)
	if err != nil {
		return err
	}
	return s.store.HideDirectChat(ctx, actor.ID, c.ID)
}
