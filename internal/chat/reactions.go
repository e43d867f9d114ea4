package chat

import (
	"context"
	"time"
	"unicode/utf8"
)

// MaxEmojiLength bounds an emoji id ("[#128226;]" or "<guild>/<name>").
const MaxEmojiLength = 64

func checkEmoji(emoji string) error {
	if emoji == "" {
		return invalid("emoji", "must not be empty")
	}
	if utf8.RuneCountInString(emoji) > MaxEmojiLength {
		return invalid("emoji", "at most %d characters", MaxEmojiLength)
	}
	return nil
}

// AddReaction adds actor's emoji to a message. Adding it again changes
// nothing.
func (s *Service) AddReaction(ctx context.Context, actor User, id UUID, emoji string) error {
	if err := checkEmoji(emoji); err != nil {
		return err
	}
	m, a, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return err
	}
	if err := a.require(PermAddReactions, "adding reactions"); err != nil {
		return err
	}
	r := Reaction{MessageID: m.ID, Emoji: emoji, UserID: actor.ID, CreatedAt: s.clock()}
	e := Event{Kind: EventReactionAdded, Chat: a.chat, Message: m, Reaction: r, ActorID: actor.ID}
	log := s.change(e)
	added, err := s.store.AddReaction(ctx, r, log)
	if err != nil {
		return err
	}
	if added {
		s.publishChange(ctx, e, log)
	}
	return nil
}

// RemoveReaction takes an emoji off a message: actor's own when userID is 0
// or actor, someone else's with PermManageMessages (never in direct chats).
func (s *Service) RemoveReaction(ctx context.Context, actor User, id UUID, emoji string, userID int64) error {
	if err := checkEmoji(emoji); err != nil {
		return err
	}
	m, a, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return err
	}
	if userID == 0 {
		userID = actor.ID
	}
	if userID != actor.ID {
		if a.chat.Kind == ChatDirect {
			return forbidden("removing another user's reaction")
		}
		if err := a.require(PermManageMessages, "removing others' reactions"); err != nil {
			return err
		}
	}
	r := Reaction{MessageID: m.ID, Emoji: emoji, UserID: userID, CreatedAt: s.clock()}
	e := Event{Kind: EventReactionRemoved, Chat: a.chat, Message: m, Reaction: r, ActorID: actor.ID}
	log := s.change(e)
	removed, err := s.store.RemoveReaction(ctx, m.ID, emoji, userID, log)
	if err != nil {
		return err
	}
	if removed {
		s.publishChange(ctx, e, log)
	}
	return nil
}

// ReactionUser is who reacted, and when.
type ReactionUser struct {
	User   User
	Member *Member // the reactor's membership of a channel's guild
	At     time.Time
}

// ReactionUsers lists who reacted to a message with emoji, earliest first.
func (s *Service) ReactionUsers(ctx context.Context, actor User, id UUID, emoji string) ([]ReactionUser, error) {
	if err := checkEmoji(emoji); err != nil {
		return nil, err
	}
	m, a, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	rs, err := s.store.Reactions(ctx, m.ID, emoji)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.UserID
	}
	users, err := s.store.UsersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	var members map[int64]Member
	if a.guild != nil {
		if members, err = s.store.MembersByUser(ctx, a.chat.GuildID, ids); err != nil {
			return nil, err
		}
	}
	out := make([]ReactionUser, 0, len(rs))
	for _, r := range rs {
		if u, ok := users[r.UserID]; ok {
			ru := ReactionUser{User: u, At: r.CreatedAt}
			if mem, ok := members[r.UserID]; ok {
				ru.Member = &mem
			}
			out = append(out, ru)
		}
	}
	return out, nil
}
