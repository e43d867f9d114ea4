package chat

import (
	"context"
	"unicode/utf8"
)

// MaxContentLength is the longest message content, in characters.
const MaxContentLength = 8000

// MaxNonceLength bounds a client's idempotency key.
const MaxNonceLength = 128

// sendableTypes are the message types a client may send.
var sendableTypes = map[MessageType]bool{TypeText: true, TypeImage: true, TypeVideo: true, TypeFile: true,
	TypeAudio: true, TypeKMarkdown: true, TypeCard: true}

// editableTypes are the message types whose content may change.
var editableTypes = map[MessageType]bool{TypeText: true, TypeKMarkdown: true, TypeCard: true}

// Send is a message to send.
type Send struct {
	ChatID   int64
	Type     MessageType
	Content  string
	Mentions Mentions
	Quote    UUID   // the message replied to; zero for none
	Nonce    string // idempotency key, echoed back; empty for none
	// TempTargetID, when set, shows the message to that user only and
	// stores nothing.
	TempTargetID int64
}

func validateContent(t MessageType, content string) error {
	if content == "" {
		return invalid("content", "must not be empty")
	}
	if n := utf8.RuneCountInString(content); n > MaxContentLength {
		return invalid("content", "at most %d characters, got %d", MaxContentLength, n)
	}
	if t == TypeCard {
		return validateCards(content)
	}
	return nil
}

// SendMessage stores a message in a chat actor may send to and returns it.
// A retry with the same nonce by the same author in the same chat within
// the nonce lifetime returns the first message and stores nothing.
func (s *Service) SendMessage(ctx context.Context, actor User, in Send) (Message, error) {
	if in.Type == 0 {
		in.Type = TypeKMarkdown
	}
	if !sendableTypes[in.Type] {
		return Message{}, invalid("type", "message type %d cannot be sent", in.Type)
	}
	if err := validateContent(in.Type, in.Content); err != nil {
		return Message{}, err
	}
	if len(in.Nonce) > MaxNonceLength {
		return Message{}, invalid("nonce", "at most %d bytes", MaxNonceLength)
	}
	a, err := s.chatAccess(ctx, actor, in.ChatID)
	if err != nil {
		return Message{}, err
	}
	if a.chat.IsCategory() {
		return Message{}, invalid("target_id", "a category holds no messages")
	}
	if err := a.require(PermSendMessages, "sending messages"); err != nil {
		return Message{}, err
	}
	if !a.perms.Has(PermMentionAll) {
		in.Mentions.All, in.Mentions.Here = false, false
	}
	m := Message{ID: s.ids.Next(), UUID: NewUUID(), ChatID: a.chat.ID, AuthorID: actor.ID, Type: in.Type,
		Content: in.Content, Mentions: in.Mentions, Nonce: in.Nonce, CreatedAt: s.clock()}
	if !in.Quote.IsZero() {
		q, err := s.quoted(ctx, a.chat.ID, in.Quote)
		if err != nil {
			return Message{}, err
		}
		m.QuoteID = q.ID
	}
	if in.TempTargetID != 0 {
		return s.sendTemporary(ctx, actor, a.chat, m, in.TempTargetID)
	}
	var key *SendKey
	if in.Nonce != "" {
		key = &SendKey{Key: in.Nonce, Expires: s.nonceTTL}
	}
	stored, created, err := s.store.AppendMessage(ctx, m, key)
	if err != nil {
		return Message{}, err
	}
	if created {
		a.chat.LastSeq, a.chat.LastMsgAt = stored.Seq, stored.CreatedAt
		s.publish(ctx, Event{Kind: EventMessageCreated, Chat: a.chat, Message: stored, ActorID: actor.ID})
	}
	return stored, nil
}

// sendTemporary delivers m to one user who can view the chat, storing nothing.
func (s *Service) sendTemporary(ctx context.Context, actor User, c Chat, m Message, target int64) (Message, error) {
	if err := s.checkTempTarget(ctx, c, target); err != nil {
		return Message{}, err
	}
	m.TempTargetID = target
	s.publish(ctx, Event{Kind: EventMessageCreated, Chat: c, Message: m, ActorID: actor.ID, UserID: target})
	return m, nil
}

// checkTempTarget checks that a temporary message's one reader exists and
// can view the chat.
func (s *Service) checkTempTarget(ctx context.Context, c Chat, target int64) error {
	u, err := s.store.User(ctx, target)
	if isNotFound(err) {
		return invalid("temp_target_id", "no such user")
	}
	if err != nil {
		return err
	}
	if !s.CanView(ctx, u, c) {
		return invalid("temp_target_id", "that user cannot see this chat")
	}
	return nil
}

// quoted resolves a quoted message, which must be a live message of the chat.
func (s *Service) quoted(ctx context.Context, chatID int64, id UUID) (Message, error) {
	q, err := s.store.MessageByUUID(ctx, id)
	if err != nil && !isNotFound(err) {
		return Message{}, err
	}
	if err != nil || q.ChatID != chatID || q.Recalled() {
		return Message{}, invalid("quote", "no such message in this chat")
	}
	return q, nil
}

// Edit changes a message's content. Quote nil leaves the quote as it is; a
// zero UUID removes it.
type Edit struct {
	ID       UUID
	Content  string
	Mentions Mentions
	Quote    *UUID
	// OnlyTypes, when not empty, narrows the editable message types to the
	// ones a face's contract allows.
	OnlyTypes []MessageType
	// TempTargetID, when set, shows the edited message to that user only
	// and stores nothing.
	TempTargetID int64
}

// EditMessage changes the content of actor's own message, keeping the
// version it replaces as a revision.
func (s *Service) EditMessage(ctx context.Context, actor User, in Edit) (Message, error) {
	m, a, err := s.visibleMessage(ctx, actor, in.ID)
	if err != nil {
		return Message{}, err
	}
	if m.AuthorID != actor.ID {
		return Message{}, forbidden("only the author may edit a message")
	}
	if !editableTypes[m.Type] || (len(in.OnlyTypes) > 0 && !containsType(in.OnlyTypes, m.Type)) {
		return Message{}, invalid("msg_id", "messages of type %d cannot be edited", m.Type)
	}
	if err := validateContent(m.Type, in.Content); err != nil {
		return Message{}, err
	}
	if !a.perms.Has(PermMentionAll) {
		in.Mentions.All, in.Mentions.Here = false, false
	}
	m.Content, m.Mentions, m.EditedAt = in.Content, in.Mentions, s.clock()
	if in.Quote != nil {
		m.QuoteID = 0
		if !in.Quote.IsZero() {
			q, err := s.quoted(ctx, m.ChatID, *in.Quote)
			if err != nil {
				return Message{}, err
			}
			m.QuoteID = q.ID
		}
	}
	if in.TempTargetID != 0 {
		if err := s.checkTempTarget(ctx, a.chat, in.TempTargetID); err != nil {
			return Message{}, err
		}
		m.TempTargetID = in.TempTargetID
		s.publish(ctx, Event{Kind: EventMessageUpdated, Chat: a.chat, Message: m, ActorID: actor.ID, UserID: in.TempTargetID})
		return m, nil
	}
	if err := s.store.EditMessage(ctx, m, actor.ID); err != nil {
		return Message{}, err
	}
	s.publish(ctx, Event{Kind: EventMessageUpdated, Chat: a.chat, Message: m, ActorID: actor.ID})
	return m, nil
}

func containsType(ts []MessageType, t MessageType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// Revisions lists the earlier versions of a message actor can see.
func (s *Service) Revisions(ctx context.Context, actor User, id UUID) ([]Revision, error) {
	m, _, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return s.store.Revisions(ctx, m.ID)
}

// DeleteMessage recalls a message for everyone. Authors may delete their
// own; in channels, PermManageMessages allows deleting others'.
func (s *Service) DeleteMessage(ctx context.Context, actor User, id UUID) error {
	m, a, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return err
	}
	if m.AuthorID != actor.ID {
		if a.chat.Kind == ChatDirect {
			return forbidden("only the author may delete a direct message")
		}
		if err := a.require(PermManageMessages, "deleting others' messages"); err != nil {
			return err
		}
	}
	m.RecalledAt = s.clock()
	if err := s.store.RecallMessage(ctx, m.ID, m.RecalledAt); err != nil {
		return err
	}
	s.publish(ctx, Event{Kind: EventMessageDeleted, Chat: a.chat, Message: m, ActorID: actor.ID})
	return nil
}

// visibleMessage loads a live message of a chat actor can view. Anything
// else is not found.
func (s *Service) visibleMessage(ctx context.Context, actor User, id UUID) (Message, chatAcc, error) {
	m, err := s.store.MessageByUUID(ctx, id)
	if err != nil {
		return Message{}, chatAcc{}, err
	}
	if m.Recalled() {
		return Message{}, chatAcc{}, notFound(WhatMessage)
	}
	a, err := s.chatAccess(ctx, actor, m.ChatID)
	if err != nil {
		return Message{}, chatAcc{}, notFound(WhatMessage)
	}
	return m, a, nil
}
