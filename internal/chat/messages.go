package chat

import (
	"context"
	"errors"
	"unicode/utf8"
)

// MaxContentLength is the longest message content, in characters.
const MaxContentLength = 8000

// MaxNonceLength bounds a client's idempotency key.
const MaxNonceLength = 128

// sendableTypes are the message types a client may send.
var sendableTypes = map[MessageType]bool{TypeText: true, TypeImage: true, TypeVideo: true, TypeFile: true,
	TypeAudio: true, TypeKMarkdown: true, TypeCard: true, TypeHTML: true, TypeForm: true, TypePost: true, TypeSticker: true,
	TypeLocation: true, TypeCommand: true, TypeForward: true}

// editableTypes are the message types whose content may change.
var editableTypes = map[MessageType]bool{TypeText: true, TypeKMarkdown: true, TypeCard: true, TypeHTML: true}

// Send is a message to send.
type Send struct {
	ChatID   int64
	Type     MessageType
	Content  string
	Mentions Mentions
	Quote    UUID   // the message replied to; zero for none
	Nonce    string // idempotency key, echoed back; empty for none
	// UUID, when set, is the client's choice of the message's UUID; it is
	// then also the send's idempotency key (unless Nonce is set).
	UUID UUID
	// IgnoreInvalidQuote sends without a quote when Quote names no live
	// message of the chat, instead of failing (Yunhu's documented rule).
	IgnoreInvalidQuote bool
	Extra              Extra
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
	switch t {
	case TypeCard:
		return validateCards(content)
	case TypeForm:
		return validateForm(content)
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
	if err := validateExtra(in.Type, in.Extra); err != nil {
		return Message{}, err
	}
	if in.Extra.ForwardOf != "" || in.Extra.ForwardChatID != 0 {
		return Message{}, invalid("forward", "set only by forwarding")
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
	m := Message{ID: s.ids.Next(), UUID: in.UUID, ChatID: a.chat.ID, AuthorID: actor.ID, Type: in.Type,
		Content: in.Content, Mentions: in.Mentions, Nonce: in.Nonce, Extra: in.Extra, CreatedAt: s.clock()}
	if m.UUID.IsZero() {
		m.UUID = NewUUID()
	}
	if !in.Quote.IsZero() {
		q, err := s.quoted(ctx, a.chat.ID, in.Quote)
		switch {
		case err == nil:
			m.QuoteID = q.ID
		case !in.IgnoreInvalidQuote || !errors.Is(err, ErrInvalid):
			return Message{}, err
		}
	}
	if in.TempTargetID != 0 {
		return s.sendTemporary(ctx, actor, a.chat, m, in.TempTargetID)
	}
	var key *SendKey
	switch {
	case in.Nonce != "":
		key = &SendKey{Key: in.Nonce, Expires: s.nonceTTL}
	case !in.UUID.IsZero():
		key = &SendKey{Key: "uuid:" + in.UUID.Hex(), Expires: s.nonceTTL}
	}
	return s.append(ctx, actor, a.chat, m, key)
}

// append stores m under key (nil for none) and announces it when it is new.
func (s *Service) append(ctx context.Context, actor User, c Chat, m Message, key *SendKey) (Message, error) {
	stored, created, err := s.store.AppendMessage(ctx, m, key)
	if errors.Is(err, ErrConflict) && key != nil && key.Key != m.Nonce {
		return Message{}, invalid("msg_id", "already names another message")
	}
	if err != nil {
		return Message{}, err
	}
	if created {
		c.LastSeq, c.LastMsgAt = stored.Seq, stored.CreatedAt
		s.publish(ctx, Event{Kind: EventMessageCreated, Chat: c, Message: stored, ActorID: actor.ID})
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
	// Type, when set, must be the message's type: an edit never changes a
	// message's kind.
	Type MessageType
	// Buttons and QuoteText, when not nil, replace those of the message's
	// Extra.
	Buttons   *string
	QuoteText *string
	// IgnoreInvalidQuote drops a quote that names no live message of the
	// chat instead of failing, as for Send.
	IgnoreInvalidQuote bool
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
	if in.Type != 0 && in.Type != m.Type {
		return Message{}, invalid("content_type", "a message of type %d cannot become type %d", m.Type, in.Type)
	}
	if m.Extra.CommandID != 0 {
		return Message{}, invalid("msg_id", "command messages cannot be edited")
	}
	if err := validateContent(m.Type, in.Content); err != nil {
		return Message{}, err
	}
	if in.Buttons != nil {
		m.Extra.Buttons = *in.Buttons
	}
	if in.QuoteText != nil {
		m.Extra.QuoteText = *in.QuoteText
	}
	if err := validateExtra(m.Type, m.Extra); err != nil {
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
			switch {
			case err == nil:
				m.QuoteID = q.ID
			case !in.IgnoreInvalidQuote || !errors.Is(err, ErrInvalid):
				return Message{}, err
			}
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
	e := Event{Kind: EventMessageUpdated, Chat: a.chat, Message: m, ActorID: actor.ID}
	log := s.change(e)
	if err := s.store.EditMessage(ctx, m, actor.ID, log); err != nil {
		return Message{}, err
	}
	s.publishChange(ctx, e, log)
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
// own; in channels, PermManageMessages allows deleting others', and in
// groups their owner and admins may.
func (s *Service) DeleteMessage(ctx context.Context, actor User, id UUID) error {
	return s.DeleteMessages(ctx, actor, []UUID{id})
}

// MaxBatchRecall bounds the messages one DeleteMessages call recalls.
const MaxBatchRecall = 100

// DeleteMessages recalls several messages, each as DeleteMessage would. It
// checks them all first: when any may not be recalled, none is.
func (s *Service) DeleteMessages(ctx context.Context, actor User, ids []UUID) error {
	if len(ids) == 0 || len(ids) > MaxBatchRecall {
		return invalid("msg_id", "between 1 and %d messages", MaxBatchRecall)
	}
	type target struct {
		m Message
		a chatAcc
	}
	targets := make([]target, 0, len(ids))
	for _, id := range ids {
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
		targets = append(targets, target{m, a})
	}
	for _, t := range targets {
		t.m.RecalledAt = s.clock()
		e := Event{Kind: EventMessageDeleted, Chat: t.a.chat, Message: t.m, ActorID: actor.ID}
		log := s.change(e)
		if err := s.store.RecallMessage(ctx, t.m.ID, t.m.RecalledAt, log); err != nil {
			return err
		}
		s.publishChange(ctx, e, log)
	}
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
