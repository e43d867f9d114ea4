package kook

import (
	"context"
	"errors"
	"net/http"

	"github.com/chatd/chatd/internal/chat"
)

// channelDone is what the channel message actions answer: KOOK's docs show
// an empty array there (message/update, delete, *-reaction), where the
// direct-message actions answer an empty object.
var channelDone = []struct{}{}

// editableTypes are the message types KOOK lets message/update and
// direct-message/update change: KMarkdown and cards.
var editableTypes = []chat.MessageType{chat.TypeKMarkdown, chat.TypeCard}

func (a *API) messageRoutes(r map[string]handler) {
	r["GET /api/v3/message/list"] = a.listChannelMessages
	r["GET /api/v3/message/view"] = a.viewMessage(chat.ChatChannel)
	r["POST /api/v3/message/create"] = a.createChannelMessage
	r["POST /api/v3/message/update"] = a.updateMessage(chat.ChatChannel, channelDone)
	r["POST /api/v3/message/delete"] = a.deleteMessage(chat.ChatChannel, channelDone)
	r["GET /api/v3/message/reaction-list"] = a.reactionList(chat.ChatChannel)
	r["POST /api/v3/message/add-reaction"] = a.addReaction(chat.ChatChannel, channelDone)
	r["POST /api/v3/message/delete-reaction"] = a.deleteReaction(chat.ChatChannel, channelDone)
	r["POST /api/v3/message/pin"] = a.pinMessage(true)
	r["POST /api/v3/message/unpin"] = a.pinMessage(false)
}

// messageItems is the body of message/list and direct-message/list.
type messageItems struct {
	Items []messageJSON `json:"items"`
}

// sentJSON answers message/create and direct-message/create.
type sentJSON struct {
	MsgID        string `json:"msg_id"`
	MsgTimestamp int64  `json:"msg_timestamp"`
	Nonce        string `json:"nonce"`
}

func (a *API) listChannelMessages(r *http.Request, caller chat.User, p *params) (any, error) {
	chatID := p.id("target_id", true)
	q := listQuery(p)
	pin := p.integer("pin", 0)
	if pin != 0 && pin != 1 {
		p.fail("pin", "must be 0 or 1, got %d", pin)
	}
	if p.err != nil {
		return nil, p.err
	}
	if err := a.requireChannel(r.Context(), caller, chatID); err != nil {
		return nil, err
	}
	var vs []chat.MessageView
	var err error
	if pin == 1 {
		// KOOK lists only the newest pins; msg_id and flag do not apply.
		vs, err = a.svc.PinnedMessages(r.Context(), caller, chatID, q.Limit)
	} else {
		q.ChatID = chatID
		vs, err = a.svc.ListMessages(r.Context(), caller, q)
	}
	if err != nil {
		return nil, err
	}
	return messageItems{Items: a.messages(vs)}, nil
}

// listQuery reads msg_id, flag and page_size. Without msg_id the newest
// messages are listed, whatever the flag; with msg_id and no flag, those
// before it.
func listQuery(p *params) chat.ListQuery {
	q := chat.ListQuery{Anchor: p.uuid("msg_id", false), Limit: p.integer("page_size", 0), Mode: chat.ListBefore}
	switch flag := p.str("flag", false); flag {
	case "", "before":
	case "around":
		q.Mode = chat.ListAround
	case "after":
		q.Mode = chat.ListAfter
	default:
		p.fail("flag", "must be before, around or after, got %q", flag)
	}
	if q.Anchor.IsZero() {
		q.Mode = chat.ListLatest
	}
	return q
}

func (a *API) createChannelMessage(r *http.Request, caller chat.User, p *params) (any, error) {
	in := chat.Send{Type: chat.MessageType(p.integer("type", int(chat.TypeKMarkdown)))}
	in.ChatID = p.id("target_id", false)
	if in.ChatID == 0 && p.err == nil {
		// The official Go SDK's example posts channel_id instead.
		in.ChatID = p.id("channel_id", false)
		if in.ChatID == 0 {
			p.fail("target_id", "is required")
		}
	}
	in.TempTargetID = p.id("temp_target_id", false)
	readSend(p, &in)
	if p.err != nil {
		return nil, p.err
	}
	if err := a.requireChannel(r.Context(), caller, in.ChatID); err != nil {
		return nil, err
	}
	return a.send(r.Context(), caller, in)
}

// readSend reads the parameters both create endpoints share.
func readSend(p *params, in *chat.Send) {
	in.Content = p.str("content", true)
	in.Quote = p.uuid("quote", false)
	in.Nonce = p.str("nonce", false)
	if mentionsIn(in.Type) {
		in.Mentions = mentions(in.Content)
	}
}

func (a *API) send(ctx context.Context, caller chat.User, in chat.Send) (any, error) {
	m, err := a.svc.SendMessage(ctx, caller, in)
	if err != nil {
		return nil, err
	}
	// The nonce is echoed as the client sent it (KASUMI rejects a reply
	// whose nonce differs), a retry's included.
	return sentJSON{MsgID: m.UUID.String(), MsgTimestamp: ms(m.CreatedAt), Nonce: in.Nonce}, nil
}

// requireChannel answers not found unless id is a channel caller can see:
// a direct chat is never a message/* target.
func (a *API) requireChannel(ctx context.Context, caller chat.User, id int64) error {
	_, err := a.svc.Channel(ctx, caller, id)
	var nf *chat.NotFoundError
	if errors.As(err, &nf) {
		return &chat.NotFoundError{What: chat.WhatChannel}
	}
	return err
}

// messageIn loads a message caller can see, provided it belongs to a chat of
// kind: channel messages are not reachable through direct-message/* and
// direct messages not through message/*.
func (a *API) messageIn(ctx context.Context, caller chat.User, id chat.UUID, kind chat.ChatKind) (chat.MessageView, error) {
	v, err := a.svc.Message(ctx, caller, id)
	if err != nil {
		return chat.MessageView{}, err
	}
	if v.Chat.Kind != kind {
		return chat.MessageView{}, &chat.NotFoundError{What: chat.WhatMessage}
	}
	return v, nil
}

func (a *API) viewMessage(kind chat.ChatKind) handler {
	return func(r *http.Request, caller chat.User, p *params) (any, error) {
		id := p.uuid("msg_id", true)
		code := ""
		if kind == chat.ChatDirect {
			code = p.str("chat_code", false)
		}
		if p.err != nil {
			return nil, p.err
		}
		v, err := a.messageIn(r.Context(), caller, id, kind)
		if err != nil {
			return nil, err
		}
		if code != "" && code != v.Chat.Code {
			return nil, &chat.NotFoundError{What: chat.WhatMessage}
		}
		return a.message(v), nil
	}
}

func (a *API) updateMessage(kind chat.ChatKind, done any) handler {
	return func(r *http.Request, caller chat.User, p *params) (any, error) {
		in := chat.Edit{ID: p.uuid("msg_id", true), Content: p.str("content", true), OnlyTypes: editableTypes}
		if p.has("quote") {
			// An empty quote removes the reply; an absent one leaves it.
			q := p.uuid("quote", false)
			in.Quote = &q
		}
		if kind == chat.ChatChannel {
			in.TempTargetID = p.id("temp_target_id", false)
		}
		if p.err != nil {
			return nil, p.err
		}
		v, err := a.messageIn(r.Context(), caller, in.ID, kind)
		if err != nil {
			return nil, err
		}
		if mentionsIn(v.Message.Type) {
			in.Mentions = mentions(in.Content)
		}
		if _, err := a.svc.EditMessage(r.Context(), caller, in); err != nil {
			return nil, err
		}
		return done, nil
	}
}

func (a *API) deleteMessage(kind chat.ChatKind, done any) handler {
	return func(r *http.Request, caller chat.User, p *params) (any, error) {
		id := p.uuid("msg_id", true)
		if p.err != nil {
			return nil, p.err
		}
		if _, err := a.messageIn(r.Context(), caller, id, kind); err != nil {
			return nil, err
		}
		if err := a.svc.DeleteMessage(r.Context(), caller, id); err != nil {
			return nil, err
		}
		return done, nil
	}
}

// reactionUserJSON is a row of reaction-list: the User object and when
// they reacted.
type reactionUserJSON struct {
	userJSON
	ReactionTime int64 `json:"reaction_time"`
}

func (a *API) reactionList(kind chat.ChatKind) handler {
	return func(r *http.Request, caller chat.User, p *params) (any, error) {
		id := p.uuid("msg_id", true)
		emoji := p.str("emoji", kind == chat.ChatChannel)
		if p.err != nil {
			return nil, p.err
		}
		if _, err := a.messageIn(r.Context(), caller, id, kind); err != nil {
			return nil, err
		}
		rs, err := a.svc.ReactionUsers(r.Context(), caller, id, emoji)
		if err != nil {
			return nil, err
		}
		out := make([]reactionUserJSON, 0, len(rs))
		for _, ru := range rs {
			out = append(out, reactionUserJSON{userJSON: a.user(ru.User, ru.Member), ReactionTime: ms(ru.At)})
		}
		return out, nil
	}
}

func (a *API) addReaction(kind chat.ChatKind, done any) handler {
	return func(r *http.Request, caller chat.User, p *params) (any, error) {
		id := p.uuid("msg_id", true)
		emoji := p.str("emoji", true)
		if p.err != nil {
			return nil, p.err
		}
		if _, err := a.messageIn(r.Context(), caller, id, kind); err != nil {
			return nil, err
		}
		if err := a.svc.AddReaction(r.Context(), caller, id, emoji); err != nil {
			return nil, err
		}
		return done, nil
	}
}

func (a *API) deleteReaction(kind chat.ChatKind, done any) handler {
	return func(r *http.Request, caller chat.User, p *params) (any, error) {
		id := p.uuid("msg_id", true)
		emoji := p.str("emoji", true)
		userID := p.id("user_id", false)
		if p.err != nil {
			return nil, p.err
		}
		if _, err := a.messageIn(r.Context(), caller, id, kind); err != nil {
			return nil, err
		}
		if err := a.svc.RemoveReaction(r.Context(), caller, id, emoji, userID); err != nil {
			return nil, err
		}
		return done, nil
	}
}

// pinMessage serves message/pin and message/unpin, which KOOK's docs do not
// list but third-party SDKs call with {msg_id, target_id}.
func (a *API) pinMessage(pin bool) handler {
	return func(r *http.Request, caller chat.User, p *params) (any, error) {
		id := p.uuid("msg_id", true)
		chatID := p.id("target_id", true)
		if p.err != nil {
			return nil, p.err
		}
		if err := a.requireChannel(r.Context(), caller, chatID); err != nil {
			return nil, err
		}
		var err error
		if pin {
			err = a.svc.PinMessage(r.Context(), caller, chatID, id)
		} else {
			err = a.svc.UnpinMessage(r.Context(), caller, chatID, id)
		}
		if err != nil {
			return nil, err
		}
		return channelDone, nil
	}
}
