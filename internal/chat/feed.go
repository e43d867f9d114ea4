package chat

import "context"

// The methods below serve the live-event layer, which has no acting user:
// it decides who sees an event through CanView.

// MessagesAfter returns up to limit stored messages of chatID with seq
// greater than after, oldest first, recalled ones included. The live-event
// layer reads it to repair a gap in the seqs it was told about.
func (s *Service) MessagesAfter(ctx context.Context, chatID, after int64, limit int) ([]Message, error) {
	return s.store.ListMessages(ctx, MessageQuery{ChatID: chatID, Direction: After, AnchorSeq: after,
		Limit: limit, WithRecalled: true})
}

// ChatByID returns a chat with its current LastSeq.
func (s *Service) ChatByID(ctx context.Context, id int64) (Chat, error) {
	return s.store.Chat(ctx, id)
}

// EventView is the message of a message event with what faces show next to
// it, for no viewer in particular: the author and its membership, mentions
// and the quote. Reactions and read state belong to a viewer and are empty.
// It reads mostly from the directory cache, so rendering keeps up with sends.
func (s *Service) EventView(ctx context.Context, e Event) (MessageView, error) {
	m := e.Message
	v := MessageView{Message: m, Chat: e.Chat, Reactions: []ReactionCount{}, MentionUsers: []User{},
		MentionRoles: []Role{}}
	var err error
	if v.Author, err = s.user(ctx, m.AuthorID); err != nil {
		return v, err
	}
	var roles []Role
	if e.Chat.Kind == ChatChannel {
		v.AuthorMember = s.memberOrNil(ctx, e.Chat.GuildID, m.AuthorID)
		if roles, err = s.guildRoles(ctx, e.Chat.GuildID); err != nil {
			return v, err
		}
	}
	for _, id := range m.Mentions.Users {
		if u, err := s.user(ctx, id); err == nil {
			v.MentionUsers = append(v.MentionUsers, u)
		}
	}
	for _, id := range m.Mentions.Roles {
		for _, r := range roles {
			if r.ID == id {
				v.MentionRoles = append(v.MentionRoles, r)
			}
		}
	}
	if m.QuoteID != 0 {
		q, err := s.store.Message(ctx, m.QuoteID)
		if err == nil && !q.Recalled() {
			v.Quote = &QuoteView{Message: q}
			if v.Quote.Author, err = s.user(ctx, q.AuthorID); err != nil {
				return v, err
			}
			if e.Chat.Kind == ChatChannel {
				v.Quote.AuthorMember = s.memberOrNil(ctx, e.Chat.GuildID, q.AuthorID)
			}
		}
	}
	return v, nil
}

func (s *Service) memberOrNil(ctx context.Context, guildID, userID int64) *Member {
	if m, err := s.member(ctx, guildID, userID); err == nil {
		return &m
	}
	return nil
}
