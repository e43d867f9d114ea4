package yunhu

import (
	"context"
	"strconv"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
	"github.com/chatd/chatd/internal/chat"
)

// resolveChat maps Yunhu's (chat_type, chat_id) onto a core chat the caller
// may view: 1 user and 3 bot name the other party of a direct chat (opened
// on first use), 2 group names any non-direct chat by its id (a group, or a
// guild channel of a guild the caller belongs to). Anything else is an
// unknown chat.
func (a *API) resolveChat(ctx context.Context, caller chat.User, typ yhpb.ChatType, rawID string) (chat.Chat, error) {
	if rawID == "" {
		return chat.Chat{}, &chat.FieldError{Field: "chat_id", Reason: "required"}
	}
	id, err := strconv.ParseInt(rawID, 10, 64)
	if err != nil || id <= 0 {
		return chat.Chat{}, &chat.NotFoundError{What: chat.WhatChat}
	}
	switch typ {
	case yhpb.ChatType_user, yhpb.ChatType_bot:
		peer, err := a.svc.VisibleUser(ctx, caller, id)
		if err != nil || peer.Bot != (typ == yhpb.ChatType_bot) || peer.ID == caller.ID {
			return chat.Chat{}, &chat.NotFoundError{What: chat.WhatChat}
		}
		return a.svc.OpenDirectChat(ctx, caller, id)
	case yhpb.ChatType_group:
		c, err := a.svc.Conversation(ctx, caller, id)
		if err != nil {
			return chat.Chat{}, err
		}
		if c.Kind == chat.ChatDirect {
			return chat.Chat{}, &chat.NotFoundError{What: chat.WhatChat}
		}
		return c, nil
	}
	return chat.Chat{}, &chat.FieldError{Field: "chat_type", Reason: "must be 1 (user), 2 (group) or 3 (bot)"}
}

// parseMsgID reads a Yunhu msg_id: the message UUID as 32 hex digits (the
// dashed form is accepted too).
func parseMsgID(field, s string) (chat.UUID, error) {
	if s == "" {
		return chat.UUID{}, &chat.FieldError{Field: field, Reason: "required"}
	}
	u, err := chat.ParseUUID(s)
	if err != nil {
		return chat.UUID{}, &chat.FieldError{Field: field, Reason: "must be 32 hex digits"}
	}
	return u, nil
}

// messageIn returns a live message of chat c the caller can see; one of
// another chat is not found.
func (a *API) messageIn(ctx context.Context, caller chat.User, c chat.Chat, id chat.UUID) (chat.MessageView, error) {
	v, err := a.svc.Message(ctx, caller, id)
	if err != nil {
		return v, err
	}
	if v.Message.ChatID != c.ID {
		return v, &chat.NotFoundError{What: chat.WhatMessage}
	}
	return v, nil
}
