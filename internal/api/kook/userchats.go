package kook

import (
	"net/http"

	"github.com/chatd/chatd/internal/chat"
)

func (a *API) userChatRoutes(r map[string]handler) {
	r["GET /api/v3/user-chat/list"] = a.userChatList
	r["GET /api/v3/user-chat/view"] = a.userChatView
	r["POST /api/v3/user-chat/create"] = a.userChatCreate
	r["POST /api/v3/user-chat/delete"] = a.userChatDelete
}

// targetInfoJSON is the peer of a user-chat session.
type targetInfoJSON struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Online   bool   `json:"online"`
	Avatar   string `json:"avatar"`
}

// userChatJSON is a row of user-chat/list.
type userChatJSON struct {
	Code          string         `json:"code"`
	LastReadTime  int64          `json:"last_read_time"`
	LatestMsgTime int64          `json:"latest_msg_time"`
	UnreadCount   int            `json:"unread_count"`
	TargetInfo    targetInfoJSON `json:"target_info"`
}

// userChatViewJSON is user-chat/view and user-chat/create. chatd has no
// friends or blocking, so the three flags are always false.
type userChatViewJSON struct {
	userChatJSON
	IsFriend        bool `json:"is_friend"`
	IsBlocked       bool `json:"is_blocked"`
	IsTargetBlocked bool `json:"is_target_blocked"`
}

func (a *API) userChat(s chat.DirectChatSummary) userChatJSON {
	return userChatJSON{Code: s.Chat.Code, LastReadTime: ms(s.LastReadAt), LatestMsgTime: ms(s.Chat.LastMsgAt),
		UnreadCount: s.UnreadCount, TargetInfo: targetInfoJSON{ID: idString(s.Peer.ID), Username: s.Peer.Username,
			Online: a.svc.Online(s.Peer.ID), Avatar: s.Peer.Avatar}}
}

func (a *API) userChatList(r *http.Request, caller chat.User, p *params) (any, error) {
	pg := p.page()
	if p.err != nil {
		return nil, p.err
	}
	list, total, err := a.svc.DirectChats(r.Context(), caller, pg)
	if err != nil {
		return nil, err
	}
	items := make([]userChatJSON, 0, len(list))
	for _, s := range list {
		items = append(items, a.userChat(s))
	}
	return newPaged(items, pg, total), nil
}

func (a *API) userChatView(r *http.Request, caller chat.User, p *params) (any, error) {
	code := p.str("chat_code", true)
	if p.err != nil {
		return nil, p.err
	}
	c, err := a.svc.DirectChat(r.Context(), caller, code)
	if err != nil {
		return nil, err
	}
	return a.userChatSession(r, caller, c)
}

func (a *API) userChatCreate(r *http.Request, caller chat.User, p *params) (any, error) {
	target := p.id("target_id", true)
	if p.err != nil {
		return nil, p.err
	}
	c, err := a.svc.OpenDirectChat(r.Context(), caller, target)
	if err != nil {
		return nil, err
	}
	// An existing chat comes back as it was created; read it again for
	// its current last message.
	if c, err = a.svc.DirectChat(r.Context(), caller, c.Code); err != nil {
		return nil, err
	}
	return a.userChatSession(r, caller, c)
}

// userChatSession renders one of caller's chats as view and create show it.
func (a *API) userChatSession(r *http.Request, caller chat.User, c chat.Chat) (any, error) {
	s, err := a.svc.DirectChatSummary(r.Context(), caller, c)
	if err != nil {
		return nil, err
	}
	return userChatViewJSON{userChatJSON: a.userChat(s)}, nil
}

func (a *API) userChatDelete(r *http.Request, caller chat.User, p *params) (any, error) {
	code := p.str("chat_code", true)
	if p.err != nil {
		return nil, p.err
	}
	return nil, a.svc.HideDirectChat(r.Context(), caller, code)
}
