package yunhu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync/atomic"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/webhook"
)

// Event subscription (reference/yunhu.md §A.6): a bot whose callback
// configuration names the yunhu face gets its events POSTed as Yunhu's
// JSON, {"version":"1.0","header":{...},"event":{...}}. Delivery itself (a
// hub session per bot, the durable outbox, retries, the lease) is
// internal/webhook's, shared with KOOK; this file only renders.

// Webhooks delivers events to yunhu-face bots in webhook mode; it is the
// core's chat.WebhookFace for Yunhu. Make it before the Service
// (chat.WithWebhooks), give it to the Yunhu face (WithWebhooks), then
// Start.
type Webhooks struct {
	d   *webhook.Deliverer
	api atomic.Pointer[API]
}

var _ chat.WebhookFace = (*Webhooks)(nil)

// NewWebhooks returns a deliverer; it does nothing until Start.
func NewWebhooks(opts webhook.Options) *Webhooks {
	return &Webhooks{d: webhook.New(chat.WebhookFaceYunhu, opts)}
}

// WithWebhooks makes the Yunhu face deliver event subscriptions through w.
func WithWebhooks(w *Webhooks) Option {
	return func(a *API) { w.api.Store(a) }
}

// Face is chat.WebhookFaceYunhu.
func (w *Webhooks) Face() string { return chat.WebhookFaceYunhu }

// Challenge accepts every URL: Yunhu proves nothing before it delivers.
func (w *Webhooks) Challenge(context.Context, chat.User, chat.Webhook) error { return nil }

// WebhookChanged starts, reconfigures or stops a bot's delivery.
func (w *Webhooks) WebhookChanged(ctx context.Context, user chat.User, cfg chat.Webhook) {
	w.d.Changed(ctx, user, cfg)
}

// Start opens a session for every yunhu-face bot in webhook mode and
// resumes its pending outbox. The Yunhu face must have been made with
// WithWebhooks and WithHub.
func (w *Webhooks) Start(ctx context.Context) error {
	a := w.api.Load()
	if a == nil || a.hub == nil {
		return errors.New("yunhu: webhooks need the Yunhu face made WithWebhooks and WithHub")
	}
	w.d.Bind(a.svc, a.hub, hookRenderer{a})
	return w.d.Start(ctx)
}

// Close stops every delivery; what is pending stays in the outbox.
func (w *Webhooks) Close() { w.d.Close() }

// Event types this face delivers.
const (
	eventMessageNormal      = "message.receive.normal"
	eventMessageInstruction = "message.receive.instruction"
	eventButtonReport       = "button.report.inline"
	eventGroupJoin          = "group.join"
	eventGroupLeave         = "group.leave"
)

type hookEnvelope struct {
	Version string     `json:"version"`
	Header  hookHeader `json:"header"`
	Event   any        `json:"event"`
}

type hookHeader struct {
	EventID   string `json:"eventId"`
	EventType string `json:"eventType"`
	EventTime int64  `json:"eventTime"`
}

type hookSender struct {
	SenderID        string `json:"senderId"`
	SenderType      string `json:"senderType"`
	SenderUserLevel string `json:"senderUserLevel"`
	SenderNickname  string `json:"senderNickname"`
}

type hookChat struct {
	ChatID   string `json:"chatId"`
	ChatType string `json:"chatType"`
}

type hookMessage struct {
	MsgID           string         `json:"msgId"`
	ParentID        string         `json:"parentId"`
	SendTime        int64          `json:"sendTime"`
	ChatID          string         `json:"chatId"`
	ChatType        string         `json:"chatType"`
	ContentType     string         `json:"contentType"`
	Content         botContentJSON `json:"content"`
	InstructionID   int64          `json:"instructionId"`
	InstructionName string         `json:"instructionName"`
	CommandID       int64          `json:"commandId"`
	CommandName     string         `json:"commandName"`
}

type hookMessageEvent struct {
	Sender  hookSender  `json:"sender"`
	Chat    hookChat    `json:"chat"`
	Message hookMessage `json:"message"`
}

type hookButtonEvent struct {
	MsgID    string `json:"msgId"`
	RecvID   string `json:"recvId"`
	RecvType string `json:"recvType"`
	UserID   string `json:"userId"`
	Value    string `json:"value"`
	Time     int64  `json:"time"`
}

type hookMemberEvent struct {
	UserID    string `json:"userId"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatarUrl"`
	ChatID    string `json:"chatId"`
	ChatType  string `json:"chatType"`
	Time      int64  `json:"time"`
}

// hookRenderer renders Yunhu's subscription events.
type hookRenderer struct{ a *API }

func (hookRenderer) Started(chat.User) {}
func (hookRenderer) Stopped(chat.User) {}

// Body is the payload as rendered: Yunhu neither signs nor encrypts.
func (hookRenderer) Body(_ chat.Webhook, d chat.WebhookDelivery) ([]byte, string, error) {
	return d.Payload, "application/json", nil
}

// Payload renders e for bot; Yunhu has events for messages others send,
// button clicks on the bot's messages and group membership only.
func (r hookRenderer) Payload(ctx context.Context, bot chat.User, e *chat.Event) ([]byte, bool) {
	var typ string
	var body any
	switch e.Kind {
	case chat.EventMessageCreated:
		if e.Message.AuthorID == bot.ID {
			return nil, false // the bot's own messages are not its events
		}
		ev, err := r.messageEvent(ctx, bot, e)
		if err != nil {
			r.a.log.ErrorContext(ctx, "yunhu webhook: rendering a message failed", "bot", bot.ID, "err", err)
			return nil, false
		}
		typ, body = eventMessageNormal, ev
		if ev.Message.CommandID != 0 {
			typ = eventMessageInstruction
		}
	case chat.EventButtonClicked:
		typ = eventButtonReport
		b := hookButtonEvent{MsgID: e.Message.UUID.Hex(), UserID: idStr(e.ActorID), Value: e.Value,
			Time: e.At.UnixMilli(), RecvType: "group", RecvID: idStr(e.Chat.ID)}
		if e.Chat.Kind == chat.ChatDirect {
			// The bot answers a direct chat by sending to the user.
			b.RecvType, b.RecvID = "user", idStr(e.ActorID)
		}
		body = b
	case chat.EventGroupMemberJoined, chat.EventGroupMemberLeft:
		typ = eventGroupJoin
		if e.Kind == chat.EventGroupMemberLeft {
			typ = eventGroupLeave
		}
		m := hookMemberEvent{UserID: idStr(e.UserID), ChatID: idStr(e.Chat.ID), ChatType: "group",
			Time: e.At.UnixMilli()}
		if u, err := r.a.svc.User(ctx, e.UserID); err == nil {
			m.Nickname, m.AvatarURL = u.DisplayName(), u.Avatar
		}
		body = m
	default:
		return nil, false
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(hookEnvelope{Version: "1.0", Event: body,
		Header: hookHeader{EventID: chat.NewUUID().Hex(), EventType: typ, EventTime: e.At.UnixMilli()}})
	if err != nil {
		r.a.log.ErrorContext(ctx, "yunhu webhook: encoding an event failed", "bot", bot.ID, "err", err)
		return nil, false
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), true
}

// messageEvent renders a message someone sent where bot sees it. A direct
// chat with the bot is chatType "bot" with the bot's id, as Yunhu shows it.
func (r hookRenderer) messageEvent(ctx context.Context, bot chat.User, e *chat.Event) (hookMessageEvent, error) {
	v, err := r.a.svc.EventView(ctx, *e)
	if err != nil {
		return hookMessageEvent{}, err
	}
	bm := botMessageOf(v)
	c := hookChat{ChatID: idStr(e.Chat.ID), ChatType: "group"}
	level := "unknown"
	if e.Chat.Kind == chat.ChatDirect {
		c = hookChat{ChatID: idStr(bot.ID), ChatType: "bot"}
	} else if e.Chat.Kind == chat.ChatGroup {
		if gm, err := r.a.svc.GroupMemberOf(ctx, bot, e.Chat.ID, v.Author.ID); err == nil {
			level = groupLevel(gm.Role)
		}
	}
	m := hookMessage{MsgID: bm.MsgID, ParentID: bm.ParentID, SendTime: bm.SendTime, ChatID: c.ChatID,
		ChatType: c.ChatType, ContentType: bm.ContentType, Content: bm.Content, CommandID: bm.CommandID}
	if m.CommandID != 0 {
		m.InstructionID = m.CommandID // the older name of the same id
	}
	return hookMessageEvent{
		Sender: hookSender{SenderID: bm.SenderID, SenderType: bm.SenderType, SenderUserLevel: level,
			SenderNickname: bm.SenderNickname},
		Chat:    c,
		Message: m,
	}, nil
}

func groupLevel(r chat.GroupRole) string {
	switch r {
	case chat.GroupOwner:
		return "owner"
	case chat.GroupAdmin:
		return "administrator"
	}
	return "member"
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }
