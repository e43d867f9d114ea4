package chat

import (
	"context"
	"fmt"
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
	AppID     int64   // when set, the owner must belong to it
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
	owner, ok := users[in.OwnerID]
	if !ok || (in.AppID != 0 && !sameApp(owner, in.AppID)) {
		return Chat{}, invalid("owner_id", "no such user")
	}
	for _, id := range ids {
		if u, ok := users[id]; !ok || !sameApp(owner, u.AppID) {
			return Chat{}, invalid("member_ids", "no such user: %d", id)
		}
	}
	now := s.clock()
	c := Chat{ID: s.ids.Next(), AppID: appOf(owner.AppID), Kind: ChatGroup, Name: name, CreatorID: in.OwnerID, CreatedAt: now}
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

// ErrOwnerCannotLeave refuses a group owner's leaving: ownership would be
// orphaned.
var ErrOwnerCannotLeave = fmt.Errorf("%w: the owner cannot leave its group", ErrForbidden)

// AddGroupMembers adds users of actor's app to a group actor belongs to.
// Every member may invite. It reports, per user id, whether the user was
// added (false: no such user, or already a member).
func (s *Service) AddGroupMembers(ctx context.Context, actor User, chatID int64, userIDs []int64) (map[int64]bool, error) {
	a, err := s.chatAccess(ctx, actor, chatID)
	if err != nil {
		return nil, err
	}
	if a.chat.Kind != ChatGroup {
		return nil, notFound(WhatChat)
	}
	if len(userIDs) == 0 || len(userIDs) > MaxGroupMembers {
		return nil, invalid("user_list", "between 1 and %d users", MaxGroupMembers)
	}
	users, err := s.store.UsersByID(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(userIDs))
	for _, id := range userIDs {
		u, ok := users[id]
		if !ok || !sameApp(actor, u.AppID) {
			out[id] = false
			continue
		}
		e := Event{Kind: EventGroupMemberJoined, Chat: a.chat, UserID: id, ActorID: actor.ID}
		log := s.change(e)
		added, err := s.store.AddGroupMember(ctx, GroupMember{ChatID: chatID, UserID: id, JoinedAt: log.At}, log)
		if err != nil {
			return nil, err
		}
		forget(s.dir, s.dir.groups, [2]int64{chatID, id})
		out[id] = added
		if added {
			s.publishChange(ctx, e, log)
		}
	}
	return out, nil
}

// LeaveGroup ends actor's membership of a group; its owner cannot leave.
func (s *Service) LeaveGroup(ctx context.Context, actor User, chatID int64) error {
	a, err := s.chatAccess(ctx, actor, chatID)
	if err != nil {
		return err
	}
	if a.chat.Kind != ChatGroup {
		return notFound(WhatChat)
	}
	if a.group.Role == GroupOwner {
		return ErrOwnerCannotLeave
	}
	e := Event{Kind: EventGroupMemberLeft, Chat: a.chat, UserID: actor.ID, ActorID: actor.ID}
	log := s.change(e)
	removed, err := s.store.RemoveGroupMember(ctx, chatID, actor.ID, log)
	forget(s.dir, s.dir.groups, [2]int64{chatID, actor.ID})
	if err != nil {
		return err
	}
	if removed {
		s.publishChange(ctx, e, log)
	}
	return nil
}

// GroupMemberOf returns userID's membership of group chatID, which actor
// must belong to: a face shows the sender's level next to a message. It
// reads the directory cache.
func (s *Service) GroupMemberOf(ctx context.Context, actor User, chatID, userID int64) (GroupMember, error) {
	if _, err := s.groupMember(ctx, chatID, actor.ID); err != nil {
		return GroupMember{}, err
	}
	return s.groupMember(ctx, chatID, userID)
}
