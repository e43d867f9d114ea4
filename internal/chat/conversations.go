package chat

import (
	"context"
	"slices"
	"strings"
)

// ConversationSummary is a row of a user's recent-conversation list, of
// any kind: direct chats (Peer set) and groups.
type ConversationSummary struct {
	Chat        Chat
	Peer        User // direct chats only
	ReadSeq     int64
	UnreadCount int
}

// MaxConversations bounds a recent-conversation list.
const MaxConversations = 1000

// Conversations lists actor's direct chats and groups it has not hidden,
// newest activity first, with unread counts derived from its read state
// (the furthest of its devices).
func (s *Service) Conversations(ctx context.Context, actor User) ([]ConversationSummary, error) {
	var out []ConversationSummary
	for page := 1; len(out) < MaxConversations; page++ {
		list, total, err := s.DirectChats(ctx, actor, Page{Page: page, Size: 100})
		if err != nil {
			return nil, err
		}
		for _, d := range list {
			if sameApp(actor, d.Chat.AppID) {
				out = append(out, ConversationSummary{Chat: d.Chat, Peer: d.Peer, ReadSeq: d.ReadSeq, UnreadCount: d.UnreadCount})
			}
		}
		if page*100 >= total {
			break
		}
	}
	groups, err := s.store.GroupsOf(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range groups {
		if !sameApp(actor, c.AppID) {
			continue
		}
		seq, err := s.readSeq(ctx, actor.ID, c.ID)
		if err != nil {
			return nil, err
		}
		n, err := s.store.CountUnread(ctx, c.ID, actor.ID, seq)
		if err != nil {
			return nil, err
		}
		out = append(out, ConversationSummary{Chat: c, ReadSeq: seq, UnreadCount: n})
	}
	slices.SortStableFunc(out, func(a, b ConversationSummary) int {
		return b.Chat.LastMsgAt.Compare(a.Chat.LastMsgAt)
	})
	if len(out) > MaxConversations {
		out = out[:MaxConversations]
	}
	return out, nil
}

// HideConversation removes a direct chat or group from actor's list (not
// from anyone else's); it comes back with the next message.
func (s *Service) HideConversation(ctx context.Context, actor User, chatID int64) error {
	a, err := s.chatAccess(ctx, actor, chatID)
	if err != nil {
		return err
	}
	if a.chat.Kind == ChatChannel {
		return invalid("conversation_id", "a channel is not a conversation")
	}
	return s.store.HideDirectChat(ctx, actor.ID, chatID)
}

// ReadPositions says how far actor has read a chat (over its devices) and,
// in a direct chat, how far its peer has.
func (s *Service) ReadPositions(ctx context.Context, actor User, c Chat) (own, peer int64, err error) {
	if _, err := s.accessTo(ctx, actor, c); err != nil {
		return 0, 0, err
	}
	if own, err = s.readSeq(ctx, actor.ID, c.ID); err != nil {
		return 0, 0, err
	}
	if c.Kind == ChatDirect {
		peer, err = s.readSeq(ctx, c.Peer(actor.ID), c.ID)
	}
	return own, peer, err
}

// MessageByID returns a message of a chat actor can view by its numeric
// id (recalled ones included, flagged by RecalledAt).
func (s *Service) MessageByID(ctx context.Context, actor User, id int64) (Message, error) {
	m, err := s.store.Message(ctx, id)
	if err != nil {
		return Message{}, err
	}
	if _, err := s.chatAccess(ctx, actor, m.ChatID); err != nil {
		return Message{}, notFound(WhatMessage)
	}
	return m, nil
}

// MarkReadThrough records that actor on device has read a chat up to and
// including message msgID of it.
func (s *Service) MarkReadThrough(ctx context.Context, actor User, chatID int64, device string, msgID int64) error {
	m, err := s.MessageByID(ctx, actor, msgID)
	if err != nil {
		return err
	}
	if m.ChatID != chatID {
		return notFound(WhatMessage)
	}
	return s.MarkRead(ctx, actor, chatID, device, m.Seq)
}

// AppendToMessage extends actor's own message with more text (a streamed
// reply), keeping the version it replaces as a revision.
func (s *Service) AppendToMessage(ctx context.Context, actor User, id UUID, more string) (Message, error) {
	m, _, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return Message{}, err
	}
	var b strings.Builder
	b.WriteString(m.Content)
	b.WriteString(more)
	return s.EditMessage(ctx, actor, Edit{ID: id, Content: b.String()})
}
