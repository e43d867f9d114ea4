package yunhu

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
	"github.com/chatd/chatd/internal/chat"
)

// The bot open API (reference/yunhu.md §A.6): /open-apis/v1/bot/*, JSON
// bodies, the bot's token in the query string, answers in the envelope
// {"code","msg","data"}. Only a bot's token is accepted. A bot's receivers
// are chats as for the client API: recvType "user" is the direct chat with
// that user, "group" any non-direct chat the bot belongs to.

// Codes of the bot API (docs/errors.md), as Yunhu's bot API answers them.
const (
	botCodeInvalid  = 1002 // parameter errors
	botCodeBadToken = 1003 // 非法token
	botCodeFailed   = -1   // no such message or chat, no permission, internal
)

const botPrefix = "/open-apis/v1/bot/"

// registerBot adds the bot API's routes.
func (a *API) registerBot(mux *http.ServeMux) {
	for path, h := range map[string]jsonHandler{
		"send":       a.botSend,
		"batch_send": a.botBatchSend,
		"edit":       a.botEdit,
		"recall":     a.botRecall,
	} {
		mux.Handle("POST "+botPrefix+path, a.botEndpoint(h))
	}
	// The community doc says POST, the Rust SDK uses GET: both.
	mux.Handle("GET "+botPrefix+"messages", a.botEndpoint(a.botMessages))
	mux.Handle("POST "+botPrefix+"messages", a.botEndpoint(a.botMessages))
}

func (a *API) botEndpoint(h jsonHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caller, err := a.authenticateBot(r)
		var body []byte
		if err == nil {
			body, err = readBody(w, r)
		}
		var data any
		if err == nil {
			data, err = h(r, caller, body)
		}
		code, msg := a.describeBot(r, err)
		env := map[string]any{"code": code, "msg": msg}
		if data != nil && err == nil {
			env["data"] = data
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(env)
	})
}

var errNotBot = errors.New("非法token")

func (a *API) authenticateBot(r *http.Request) (chat.User, error) {
	token := r.URL.Query().Get("token")
	if token == "" {
		return chat.User{}, chat.ErrUnauthenticated
	}
	u, err := a.svc.Authenticate(r.Context(), token)
	if err != nil {
		return u, err
	}
	if !u.Bot {
		return u, errNotBot
	}
	return u, nil
}

func (a *API) describeBot(r *http.Request, err error) (int, string) {
	var fe *chat.FieldError
	var nf *chat.NotFoundError
	switch {
	case err == nil:
		return codeOK, "success"
	case errors.Is(err, chat.ErrUnauthenticated), errors.Is(err, errNotBot):
		return botCodeBadToken, "非法token"
	case errors.As(err, &fe):
		return botCodeInvalid, fe.Error()
	case errors.Is(err, chat.ErrInvalid):
		return botCodeInvalid, err.Error()
	case errors.As(err, &nf):
		return botCodeFailed, nf.What + "不存在或无权限"
	case errors.Is(err, chat.ErrForbidden):
		return botCodeFailed, "无权限: " + err.Error()
	}
	a.log.ErrorContext(r.Context(), "yunhu bot request failed", "path", r.URL.Path, "err", err)
	return botCodeFailed, "internal error"
}

// botContent is the bot API's content object.
type botContent struct {
	Text     string          `json:"text"`
	At       json.RawMessage `json:"at"`
	ImageKey string          `json:"imageKey"`
	FileKey  string          `json:"fileKey"`
	VideoKey string          `json:"videoKey"`
	Buttons  json.RawMessage `json:"buttons"`
}

// botMessage is what send, batch_send and edit have in common.
type botMessage struct {
	RecvID      string     `json:"recvId"`
	RecvIDs     []string   `json:"recvIds"`
	RecvType    string     `json:"recvType"`
	ContentType string     `json:"contentType"`
	Content     botContent `json:"content"`
	ParentID    string     `json:"parentId"`
	MsgID       string     `json:"msgId"`
}

// botChatType maps recvType / chat-type onto the client API's chat type.
func botChatType(field, s string) (yhpb.ChatType, error) {
	switch s {
	case "user":
		return yhpb.ChatType_user, nil
	case "group":
		return yhpb.ChatType_group, nil
	}
	return 0, &chat.FieldError{Field: field, Reason: "取值错误，取值仅支持group、user"}
}

// botParts maps contentType and content onto a core message.
func botParts(m botMessage) (typ chat.MessageType, content string, extra chat.Extra, mentions chat.Mentions, err error) {
	c := m.Content
	need := func(field, v string) error {
		if v == "" {
			return &chat.FieldError{Field: "content." + field, Reason: "消息内容不能为空"}
		}
		return nil
	}
	switch m.ContentType {
	case "text", "markdown", "html", "post":
		typ = map[string]chat.MessageType{"text": chat.TypeText, "markdown": chat.TypeKMarkdown, "html": chat.TypeHTML,
			"post": chat.TypePost}[m.ContentType]
		content, err = c.Text, need("text", c.Text)
	case "image":
		typ, content, err = chat.TypeImage, c.ImageKey, need("imageKey", c.ImageKey)
	case "file":
		typ, content, err = chat.TypeFile, c.FileKey, need("fileKey", c.FileKey)
	case "video":
		typ, content, err = chat.TypeVideo, c.VideoKey, need("videoKey", c.VideoKey)
	default:
		err = &chat.FieldError{Field: "contentType", Reason: "取值错误，取值仅支持text、image、video、file、markdown、html、post"}
	}
	if err != nil {
		return
	}
	if b := bytes.TrimSpace(c.Buttons); len(b) > 0 && !bytes.Equal(b, []byte("null")) {
		extra.Buttons = string(b) // the core checks its shape
	}
	ids, err := botMentions(c.At)
	if err != nil {
		return
	}
	mentions, err = mentionsOf(ids)
	if err != nil {
		err = &chat.FieldError{Field: "content.at", Reason: "user ids are decimal numbers"}
	}
	return
}

// botMentions reads content.at: an array of ids (strings or numbers), or
// the comma-separated form the community doc shows.
func botMentions(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "" {
			return nil, nil
		}
		return strings.Split(s, ","), nil
	}
	var xs []json.Number
	if err := json.Unmarshal(raw, &xs); err == nil {
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = x.String()
		}
		return out, nil
	}
	var ss []string
	if err := json.Unmarshal(raw, &ss); err != nil {
		return nil, &chat.FieldError{Field: "content.at", Reason: "an array of user ids"}
	}
	return ss, nil
}

func decodeBotBody(body []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(v); err != nil {
		return &chat.FieldError{Field: "body", Reason: "请求参数应为json格式"}
	}
	return nil
}

type messageInfo struct {
	MsgID    string `json:"msgId"`
	RecvID   string `json:"recvId"`
	RecvType string `json:"recvType"`
}

// sendTo sends m to one receiver.
func (a *API) sendTo(r *http.Request, bot chat.User, m botMessage, recvID string, typ yhpb.ChatType) (messageInfo, error) {
	mt, content, extra, mentions, err := botParts(m)
	if err != nil {
		return messageInfo{}, err
	}
	c, err := a.resolveChat(r.Context(), bot, typ, recvID)
	if err != nil {
		return messageInfo{}, err
	}
	in := chat.Send{ChatID: c.ID, Type: mt, Content: content, Mentions: mentions, Extra: extra, IgnoreInvalidQuote: true}
	if m.ParentID != "" {
		in.Quote, _ = chat.ParseUUID(m.ParentID) // an invalid parent is ignored, as on the client API
	}
	v, err := a.svc.SendMessage(r.Context(), bot, in)
	if err != nil {
		return messageInfo{}, err
	}
	return messageInfo{MsgID: v.UUID.Hex(), RecvID: recvID, RecvType: m.RecvType}, nil
}

func (a *API) botSend(r *http.Request, bot chat.User, body []byte) (any, error) {
	var m botMessage
	if err := decodeBotBody(body, &m); err != nil {
		return nil, err
	}
	typ, err := botChatType("recvType", m.RecvType)
	if err != nil {
		return nil, err
	}
	if m.RecvID == "" {
		return nil, &chat.FieldError{Field: "recvId", Reason: "required"}
	}
	info, err := a.sendTo(r, bot, m, m.RecvID, typ)
	if err != nil {
		return nil, err
	}
	return map[string]any{"messageInfo": info}, nil
}

// maxBatch bounds the receivers of one batch_send.
const maxBatch = 100

// botBatchSend sends to each receiver in turn; one that fails (unknown,
// not reachable) is left out of successList, as Yunhu does.
func (a *API) botBatchSend(r *http.Request, bot chat.User, body []byte) (any, error) {
	var m botMessage
	if err := decodeBotBody(body, &m); err != nil {
		return nil, err
	}
	typ, err := botChatType("recvType", m.RecvType)
	if err != nil {
		return nil, err
	}
	if len(m.RecvIDs) == 0 || len(m.RecvIDs) > maxBatch {
		return nil, &chat.FieldError{Field: "recvIds", Reason: "between 1 and " + strconv.Itoa(maxBatch) + " receivers"}
	}
	if _, _, _, _, err := botParts(m); err != nil {
		return nil, err // bad content fails the whole batch
	}
	list := make([]messageInfo, 0, len(m.RecvIDs))
	for _, id := range m.RecvIDs {
		info, err := a.sendTo(r, bot, m, id, typ)
		if err != nil {
			if !isClientError(err) {
				return nil, err
			}
			continue
		}
		list = append(list, info)
	}
	return map[string]any{"successCount": len(list), "successList": list}, nil
}

// isClientError reports whether err is about the request rather than the
// server.
func isClientError(err error) bool {
	var fe *chat.FieldError
	var nf *chat.NotFoundError
	return errors.As(err, &fe) || errors.As(err, &nf) || errors.Is(err, chat.ErrInvalid) || errors.Is(err, chat.ErrForbidden)
}

func (a *API) botEdit(r *http.Request, bot chat.User, body []byte) (any, error) {
	var m botMessage
	if err := decodeBotBody(body, &m); err != nil {
		return nil, err
	}
	id, err := parseMsgID("msgId", m.MsgID)
	if err != nil {
		return nil, err
	}
	typ, err := botChatType("recvType", m.RecvType)
	if err != nil {
		return nil, err
	}
	mt, content, extra, mentions, err := botParts(m)
	if err != nil {
		return nil, err
	}
	c, err := a.resolveChat(r.Context(), bot, typ, m.RecvID)
	if err != nil {
		return nil, err
	}
	if _, err := a.messageIn(r.Context(), bot, c, id); err != nil {
		return nil, err
	}
	in := chat.Edit{ID: id, Content: content, Mentions: mentions, Type: mt, Buttons: &extra.Buttons,
		IgnoreInvalidQuote: true}
	if _, err := a.svc.EditMessage(r.Context(), bot, in); err != nil {
		return nil, err
	}
	return map[string]any{"successCount": 1}, nil
}

func (a *API) botRecall(r *http.Request, bot chat.User, body []byte) (any, error) {
	var in struct {
		MsgID    string `json:"msgId"`
		ChatID   string `json:"chatId"`
		ChatType string `json:"chatType"`
	}
	if err := decodeBotBody(body, &in); err != nil {
		return nil, err
	}
	id, err := parseMsgID("msgId", in.MsgID)
	if err != nil {
		return nil, err
	}
	typ, err := botChatType("chatType", in.ChatType)
	if err != nil {
		return nil, err
	}
	c, err := a.resolveChat(r.Context(), bot, typ, in.ChatID)
	if err != nil {
		return nil, err
	}
	if _, err := a.messageIn(r.Context(), bot, c, id); err != nil {
		return nil, err
	}
	return nil, a.svc.DeleteMessage(r.Context(), bot, id)
}
