package chat

import (
	"context"
)

// MessageView is a message with everything a face shows next to it, as one
// viewer sees it.
type MessageView struct {
	Message Message
	Chat    Chat
	Author  User
	// AuthorMember is the author's membership in a channel's guild (nil in
	// other chats, or when the author has left).
	AuthorMember *Member
	Quote        *QuoteView
	Reactions    []ReactionCount
	MentionUsers []User
	MentionRoles []Role
	// Read reports whether the message's reader has read it: the viewer,
	// or for the viewer's own direct messages, the peer.
	Read bool
}

// QuoteView is a quoted message with its author.
type QuoteView struct {
	Message      Message
	Author       User
	AuthorMember *Member // as for MessageView
}

// views loads, in a fixed number of store calls, what msgs need shown.
func (s *Service) views(ctx context.Context, viewer User, a chatAcc, msgs []Message) ([]MessageView, error) {
	out := make([]MessageView, 0, len(msgs))
	if len(msgs) == 0 {
		return out, nil
	}
	ids := make([]int64, 0, len(msgs))
	var quoteIDs []int64
	for _, m := range msgs {
		ids = append(ids, m.ID)
		if m.QuoteID != 0 {
			quoteIDs = append(quoteIDs, m.QuoteID)
		}
	}
	quotes, err := s.store.MessagesByID(ctx, quoteIDs)
	if err != nil {
		return nil, err
	}
	userSet := map[int64]bool{}
	for _, m := range msgs {
		userSet[m.AuthorID] = true
		for _, u := range m.Mentions.Users {
			userSet[u] = true
		}
	}
	for _, q := range quotes {
		userSet[q.AuthorID] = true
	}
	userIDs := make([]int64, 0, len(userSet))
	for id := range userSet {
		userIDs = append(userIDs, id)
	}
	users, err := s.usersByID(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	reactions, err := s.store.ReactionCounts(ctx, ids, viewer.ID)
	if err != nil {
		return nil, err
	}
	var members map[int64]Member
	roles := map[int]Role{}
	if a.guild != nil {
		if members, err = s.membersByUser(ctx, a.chat.GuildID, userIDs); err != nil {
			return nil, err
		}
		for _, r := range a.guild.roles {
			roles[r.ID] = r
		}
	}
	readSeq, err := s.readSeq(ctx, viewer.ID, a.chat.ID)
	if err != nil {
		return nil, err
	}
	peerReadSeq := int64(0)
	if a.chat.Kind == ChatDirect {
		if peerReadSeq, err = s.readSeq(ctx, a.chat.Peer(viewer.ID), a.chat.ID); err != nil {
			return nil, err
		}
	}
	for _, m := range msgs {
		v := MessageView{Message: m, Chat: a.chat, Author: users[m.AuthorID], Reactions: reactions[m.ID],
			Read: m.Seq <= readSeq}
		if a.chat.Kind == ChatDirect && m.AuthorID == viewer.ID {
			v.Read = m.Seq <= peerReadSeq
		}
		if v.Reactions == nil {
			v.Reactions = []ReactionCount{}
		}
		if mem, ok := members[m.AuthorID]; ok {
			v.AuthorMember = &mem
		}
		if q, ok := quotes[m.QuoteID]; ok && !q.Recalled() {
			v.Quote = &QuoteView{Message: q, Author: users[q.AuthorID]}
			if mem, ok := members[q.AuthorID]; ok {
				v.Quote.AuthorMember = &mem
			}
		}
		v.MentionUsers = []User{}
		for _, id := range m.Mentions.Users {
			if u, ok := users[id]; ok {
				v.MentionUsers = append(v.MentionUsers, u)
			}
		}
		v.MentionRoles = []Role{}
		for _, id := range m.Mentions.Roles {
			if r, ok := roles[id]; ok {
				v.MentionRoles = append(v.MentionRoles, r)
			}
		}
		out = append(out, v)
	}
	return out, nil
}
