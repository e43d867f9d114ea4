package kook

import (
	"context"
	"net/http"

	"github.com/chatd/chatd/internal/chat"
)

// directDone is what the direct-message actions answer: an empty object.
var directDone = struct{}{}

func (a *API) directMessageRoutes(r map[string]handler) {
	r["GET /api/v3/direct-message/list"] = a.listDirectMessages
	r["GET /api/v3/direct-message/view"] = a.viewMessage(chat.ChatDirect)
	r["POST /api/v3/direct-message/create"] = a.createDirectMessage
	r["POST /api/v3/direct-message/update"] = a.updateMessage(chat.ChatDirect, directDone)
	r["POST /api/v3/direct-message/delete"] = a.deleteMessage(chat.ChatDirect, directDone)
	r["GET /api/v3/direct-message/reaction-list"] = a.reactionList(chat.ChatDirect)
	r["POST /api/v3/direct-message/add-reaction"] = a.addReaction(chat.ChatDirect, directDone)
	r["POST /api/v3/direct-message/delete-reaction"] = a.deleteReaction(chat.ChatDirect, directDone)
}

// directTarget is the chat a direct-message request names: by chat_code,
// or by target_id, the peer's user id (the chat is opened on first use).
type directTarget struct {
	code   string
	peerID int64
}

func readDirectTarget(p *params) directTarget {
	t := directTarget{code: p.str("chat_code", false), peerID: p.id("target_id", false)}
	if t.code == "" && t.peerID == 0 && p.err == nil {
		p.fail("chat_code", "chat_code or target_id is required")
	}
	return t
}

func (a *API) directChat(ctx context.Context, caller chat.User, t directTarget) (chat.Chat, error) {
	if t.code != "" {
		return a.svc.DirectChat(ctx, caller, t.code)
	}
	return a.svc.OpenDirectChat(ctx, caller, t.peerID)
}

func (a *API) listDirectMessages(r *http.Request, caller chat.User, p *params) (any, error) {
	target := readDirectTarget(p)
	q := listQuery(p)
	// page is documented but means nothing next to a reference message;
	// it is read only so that a malformed one is reported.
	p.integer("page", 1)
	if p.err != nil {
		return nil, p.err
	}
	c, err := a.directChat(r.Context(), caller, target)
	if err != nil {
		return nil, err
	}
	q.ChatID = c.ID
	vs, err := a.svc.ListMessages(r.Context(), caller, q)
	if err != nil {
		return nil, err
	}
	if len(vs) > 0 {
		// Reading a page is reading its messages: unread counts and the
		// peer's read_status follow.
		if err := a.svc.MarkRead(r.Context(), caller, c.ID, "", vs[len(vs)-1].Message.Seq); err != nil {
			return nil, err
		}
	}
	return messageItems{Items: a.messages(vs)}, nil
}

func (a *API) createDirectMessage(r *http.Request, caller chat.User, p *params) (any, error) {
	// Unlike message/create, direct-message/create defaults to text.
	in := chat.Send{Type: chat.MessageType(p.integer("type", int(chat.TypeText)))}
	target := readDirectTarget(p)
	readSend(p, &in)
	if p.err != nil {
		return nil, p.err
	}
	c, err := a.directChat(r.Context(), caller, target)
	if err != nil {
		return nil, err
	}
	in.ChatID = c.ID
	return a.send(r.Context(), caller, in)
}
