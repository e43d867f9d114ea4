package chat

import (
	"context"
	"slices"
)

// MaxGroupMembers bounds the members a group is created with.
const MaxGroupMembers = 2000

// NewGroup is a guild-less group chat to create (operator API).
type NewGroup struct {
	Name      string
	OwnerID   int64
	MemberIDs []int64 // besides the owner; duplicates are ignored
	AdminIDs  []int64 // members who are admins; each must be among the members
}

// CreateGroup creates a group chat owned by OwnerID with its members.
func (s *Service) CreateGroup(ctx context.Context, in NewGroup) (Chat, error) {
	name, err := checkName("name", in.Name, 100)
	if err != nil {
		return Chat{}, err
	}
	ids := []int64{in.OwnerID}
	for _, id := range in.MemberIDs {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > MaxGroupMembers {
		return Chat{}, invalid("member_ids", "at most %d members", MaxGroupMembers)
	}
	for _, id := range in.AdminIDs {
		if !slices.Contains(ids, id) {
			return Chat{}, invalid("admin_ids", "user %d is not a member", id)
		}
	}
	users, err := s.store.UsersByID(ctx, ids)
	if err != nil {
		return Chat{}, err
	}
	if _, ok := users[in.OwnerID]; !ok {
		return Chat{}, invalid("owner_id", "no such user")
	}
	for _, id := range ids {
		if _, ok := users[id]; !ok {
			return Chat{}, invalid("member_ids", "no such user: %d", id)
		}
	}
	now := s.clock()
	c := Chat{ID: s.ids.Next(), Kind: ChatGroup, Name: name, CreatorID: in.OwnerID, CreatedAt: now}
	members := make([]GroupMember, 0, len(ids))
	for _, id := range ids {
		m := GroupMember{ChatID: c.ID, UserID: id, JoinedAt: now}
		switch {
		case id == in.OwnerID:
			m.Role = GroupOwner
		case slices.Contains(in.AdminIDs, id):
			m.Role = GroupAdmin
		}
		members = append(members, m)
	}
	if err := s.store.CreateGroup(ctx, c, members); err != nil {
		return Chat{}, err
	}
	return c, nil
}

// GroupMembers lists the members of a group actor belongs to.
func (s *Service) GroupMembers(ctx context.Context, actor User, chatID int64) ([]GroupMember, error) {
	a, err := s.chatAccess(ctx, actor, chatID)
	if err != nil {
		return nil, err
	}
	if a.chat.Kind != ChatGroup {
		return nil, notFound(WhatChat)
	}
	return s.store.GroupMembers(ctx, chatID)
}

// Conversation returns any chat actor may view, of any kind: a face that
// names chats by id (Yunhu's group ids) asks it, then checks the kind its
// contract allows.
func (s *Service) Conversation(ctx context.Context, actor User, chatID int64) (Chat, error) {
	a, err := s.chatAccess(ctx, actor, chatID)
	if err != nil {
		return Chat{}, err
	}
	return a.chat, nil
}
