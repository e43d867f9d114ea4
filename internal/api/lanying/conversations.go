package lanying

import (
	"net/http"
	"strconv"

	"github.com/chatd/chatd/internal/chat"
)

// xid is a user (or group) and a device; device 0 is "any device".
type xid struct {
	UID      int64 `json:"uid"`
	DeviceSN int32 `json:"device_sn"`
}

// conversationID is the id a Lanying client knows a chat by: the peer of a
// direct chat, else the group.
func conversationID(c chat.Chat, me int64) int64 {
	if c.Kind == chat.ChatDirect {
		return c.Peer(me)
	}
	return c.ID
}

func (a *API) unread(r *http.Request, c caller) (result, error) {
	actor, err := c.user()
	if err != nil {
		return result{}, err
	}
	list, err := a.svc.Conversations(r.Context(), actor)
	if err != nil {
		return result{}, err
	}
	type row struct {
		ConversationID xid `json:"conversation_id"`
		Num            int `json:"num"`
	}
	out := make([]row, 0, len(list))
	for _, s := range list {
		out = append(out, row{ConversationID: xid{UID: conversationID(s.Chat, actor.ID)}, Num: s.UnreadCount})
	}
	return result{data: out}, nil
}

func (a *API) deleteConversation(r *http.Request, c caller) (result, error) {
	id, err := queryID(r, "conversation_id", true)
	if err != nil {
		return result{}, err
	}
	actor, err := c.user()
	if err != nil {
		return result{}, err
	}
	ch, err := a.chatOf(r.Context(), actor, id, 0)
	if err != nil {
		return result{}, err
	}
	return result{data: true}, a.svc.HideConversation(r.Context(), actor, ch.ID)
}

func (a *API) ack(r *http.Request, c caller) (result, error) {
	convID, err := queryID(r, "conversation_id", true)
	if err != nil {
		return result{}, err
	}
	msgID, err := queryID(r, "msg_id", true)
	if err != nil {
		return result{}, err
	}
	device := c.device()
	if v := r.URL.Query().Get("device_sn"); v != "" {
		sn, err := strconv.ParseInt(v, 10, 32)
		if err != nil || sn < 0 {
			return result{}, badParam("device_sn must be a non-negative int32")
		}
		device = ""
		if sn != 0 {
			device = strconv.FormatInt(sn, 10)
		}
	}
	actor, err := c.user()
	if err != nil {
		return result{}, err
	}
	ctx := r.Context()
	ch, err := a.chatOf(ctx, actor, convID, 0)
	if err != nil {
		return result{}, err
	}
	return result{data: true}, a.svc.MarkReadThrough(ctx, actor, ch.ID, device, msgID)
}

// History page sizes of GET /message/conversation: one message more than
// the page is read to tell whether the page is the last.
const (
	defaultHistory = 20
	maxHistory     = chat.MaxPageSize - 1
)

type messageJSON struct {
	MsgID      int64  `json:"msg_id"`
	CType      string `json:"ctype"`
	Content    string `json:"content"`
	Attachment string `json:"attachment"`
	Config     string `json:"config"`
	Ext        string `json:"ext"`
	Timestamp  int64  `json:"timestamp"`
	Status     string `json:"status"`
	FromXID    xid    `json:"from_xid"`
	ToXID      xid    `json:"to_xid"`
}

func (a *API) conversation(r *http.Request, c caller) (result, error) {
	opposite, err := queryID(r, "opposite_id", true)
	if err != nil {
		return result{}, err
	}
	start, err := queryID(r, "msg_id_start", false)
	if err != nil {
		return result{}, err
	}
	limit := defaultHistory
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return result{}, badParam("limit must be a positive integer")
		}
		limit = min(n, maxHistory)
	}
	actor, err := c.user()
	if err != nil {
		return result{}, err
	}
	ctx := r.Context()
	ch, err := a.chatOf(ctx, actor, opposite, 0)
	if err != nil {
		return result{}, err
	}
	// Paging goes backwards from msg_id_start (inclusive; 0 is the newest).
	q := chat.ListQuery{ChatID: ch.ID, Mode: chat.ListLatest, Limit: limit + 1}
	if start != 0 {
		q = chat.ListQuery{ChatID: ch.ID, Mode: chat.ListBefore, AnchorID: start, IncludeAnchor: true, Limit: limit}
	}
	views, err := a.svc.ListMessages(ctx, actor, q)
	if err != nil {
		return result{}, err
	}
	own, peer, err := a.svc.ReadPositions(ctx, actor, ch)
	if err != nil {
		return result{}, err
	}
	out := struct {
		IsLast    bool          `json:"is_last"`
		NextMsgID int64         `json:"next_msg_id"`
		Messages  []messageJSON `json:"messages"`
	}{IsLast: true, Messages: []messageJSON{}}
	if len(views) > limit {
		out.IsLast, out.NextMsgID = false, views[0].Message.ID
		views = views[1:]
	}
	// Newest first, the order paging walks.
	for i := len(views) - 1; i >= 0; i-- {
		m := views[i].Message
		status := "UNREAD"
		switch {
		case m.AuthorID != actor.ID && own >= m.Seq:
			status = "READ"
		case m.AuthorID == actor.ID && ch.Kind == chat.ChatDirect && peer >= m.Seq:
			status = "READ"
		case m.AuthorID == actor.ID:
			status = "DELIVERED"
		}
		out.Messages = append(out.Messages, messageJSON{MsgID: m.ID, CType: ctypeName(m.Type), Content: m.Content,
			Attachment: m.Extra.Attachment, Config: m.Extra.Config, Ext: m.Extra.Ext, Timestamp: m.CreatedAt.UnixMilli(),
			Status: status, FromXID: xid{UID: m.AuthorID}, ToXID: xid{UID: conversationID(ch, m.AuthorID)}})
	}
	return result{data: out}, nil
}
