package yunhu

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
	"github.com/chatd/chatd/internal/chat"

	"google.golang.org/protobuf/proto"
)

func (a *API) recallOne(r *http.Request, caller chat.User, msg proto.Message) (withStatus, error) {
	req := msg.(*yhpb.RecallMsg)
	if len(req.MsgId) != 1 {
		return nil, &chat.FieldError{Field: "msg_id", Reason: "recall-msg takes one msg_id"}
	}
	return nil, a.recall(r, caller, req)
}

func (a *API) recallBatch(r *http.Request, caller chat.User, msg proto.Message) (withStatus, error) {
	return nil, a.recall(r, caller, msg.(*yhpb.RecallMsg))
}

// recall recalls every message of req or, when one may not be, none.
func (a *API) recall(r *http.Request, caller chat.User, req *yhpb.RecallMsg) error {
	if len(req.MsgId) == 0 {
		return &chat.FieldError{Field: "msg_id", Reason: "required"}
	}
	ids := make([]chat.UUID, 0, len(req.MsgId))
	for _, s := range req.MsgId {
		id, err := parseMsgID("msg_id", s)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	c, err := a.resolveChat(r.Context(), caller, req.ChatType, req.ChatId)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := a.messageIn(r.Context(), caller, c, id); err != nil {
			return err
		}
	}
	return a.svc.DeleteMessages(r.Context(), caller, ids)
}

func (a *API) buttonReport(r *http.Request, caller chat.User, msg proto.Message) (withStatus, error) {
	req := msg.(*yhpb.ButtonReportRequest)
	id, err := parseMsgID("msg_id", req.MsgId)
	if err != nil {
		return nil, err
	}
	if req.UserId != "" && req.UserId != strconv.FormatInt(caller.ID, 10) {
		return nil, &chat.FieldError{Field: "user_id", Reason: "must be the caller's id"}
	}
	c, err := a.resolveChat(r.Context(), caller, req.ChatType, req.ChatId)
	if err != nil {
		return nil, err
	}
	if _, err := a.messageIn(r.Context(), caller, c, id); err != nil {
		return nil, err
	}
	return nil, a.svc.ReportButton(r.Context(), caller, id, req.ButtonValue)
}

// editRecords answers list-message-edit-record: the earlier versions of a
// message, newest first, paged by size and page.
func (a *API) editRecords(r *http.Request, caller chat.User, body []byte) (any, error) {
	var in struct {
		MsgID string `json:"msgId"`
		Size  int    `json:"size"`
		Page  int    `json:"page"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	id, err := parseMsgID("msgId", in.MsgID)
	if err != nil {
		return nil, err
	}
	p := chat.Page{Page: in.Page, Size: in.Size}
	if in.Size == 0 {
		p.Size = 10
	}
	if in.Size < 0 || in.Page < 0 {
		return nil, &chat.FieldError{Field: "size", Reason: "size and page are positive"}
	}
	p = p.Normalize()
	v, err := a.svc.Message(r.Context(), caller, id)
	if err != nil {
		return nil, err
	}
	revs, err := a.svc.Revisions(r.Context(), caller, id)
	if err != nil {
		return nil, err
	}
	slices.Reverse(revs)
	type record struct {
		ID          int64  `json:"id"`
		MsgID       string `json:"msgId"`
		ContentType int    `json:"contentType"`
		ContentOld  string `json:"contentOld"`
		CreateTime  int64  `json:"createTime"`
		MsgTime     int64  `json:"msgTime"`
	}
	list := []record{}
	for i := p.Offset(); i < len(revs) && len(list) < p.Size; i++ {
		rev := revs[i]
		old, _ := json.Marshal(struct {
			Text    string `json:"text"`
			Buttons string `json:"buttons,omitempty"`
		}{rev.Content, rev.Extra.Buttons})
		list = append(list, record{ID: int64(rev.Rev), MsgID: id.Hex(), ContentType: int(contentTypeOf(v.Message.Type)),
			ContentOld: string(old), CreateTime: v.Message.CreatedAt.UnixMilli(), MsgTime: rev.EditedAt.UnixMilli()})
	}
	return map[string]any{"list": list, "total": len(revs)}, nil
}

// deleteForMe answers delete: the message leaves the caller's listings only.
func (a *API) deleteForMe(r *http.Request, caller chat.User, body []byte) (any, error) {
	var in struct {
		ChatID   string        `json:"chatId"`
		MsgID    string        `json:"msgId"`
		ChatType yhpb.ChatType `json:"chatType"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	id, err := parseMsgID("msgId", in.MsgID)
	if err != nil {
		return nil, err
	}
	c, err := a.resolveChat(r.Context(), caller, in.ChatType, in.ChatID)
	if err != nil {
		return nil, err
	}
	return nil, a.svc.HideMessage(r.Context(), caller, c.ID, id)
}

type chatRef struct {
	ChatID   string        `json:"chatId"`
	ChatType yhpb.ChatType `json:"chatType"`
}

// forward answers msg-forward: a copy in each receiving chat.
func (a *API) forward(r *http.Request, caller chat.User, body []byte) (any, error) {
	var in struct {
		MsgID    string        `json:"msgId"`
		ChatType yhpb.ChatType `json:"chatType"`
		Receive  []chatRef     `json:"receive"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	id, err := parseMsgID("msgId", in.MsgID)
	if err != nil {
		return nil, err
	}
	if len(in.Receive) == 0 {
		return nil, &chat.FieldError{Field: "receive", Reason: "required"}
	}
	chatIDs := make([]int64, 0, len(in.Receive))
	for _, ref := range in.Receive {
		c, err := a.resolveChat(r.Context(), caller, ref.ChatType, ref.ChatID)
		if err != nil {
			return nil, err
		}
		chatIDs = append(chatIDs, c.ID)
	}
	_, err = a.svc.ForwardMessage(r.Context(), caller, id, chatIDs)
	return nil, err
}

// downloadRecord answers file-download-record.
func (a *API) downloadRecord(r *http.Request, caller chat.User, body []byte) (any, error) {
	var in struct {
		MsgID        string `json:"msgId"`
		DownloadPath string `json:"downloadPath"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	id, err := parseMsgID("msgId", in.MsgID)
	if err != nil {
		return nil, err
	}
	return nil, a.svc.RecordDownload(r.Context(), caller, id, in.DownloadPath)
}
