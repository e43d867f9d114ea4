package lanying

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"

	"github.com/chatd/chatd/internal/chat"
)

// Target types of a send.
const (
	targetUser  = 1
	targetGroup = 2
)

// Lanying content types (reference §B.2, §B.6).
const (
	ctypeReadAck = 9
	ctypeRecall  = 10
	ctypeAppend  = 11
	ctypeReplace = 12
)

// maxTargets bounds the targets of one send (Lanying's push limit).
const maxTargets = 500

var ctypeToCore = map[int32]chat.MessageType{0: chat.TypeText, 1: chat.TypeImage, 2: chat.TypeAudio, 3: chat.TypeVideo,
	4: chat.TypeFile, 5: chat.TypeLocation, 6: chat.TypeCommand, 7: chat.TypeForward}

var ctypeNames = map[chat.MessageType]string{chat.TypeText: "TEXT", chat.TypeImage: "IMAGE", chat.TypeAudio: "AUDIO",
	chat.TypeVideo: "VIDEO", chat.TypeFile: "FILE", chat.TypeLocation: "LOCATION", chat.TypeCommand: "COMMAND",
	chat.TypeForward: "FORWARD"}

func ctypeName(t chat.MessageType) string {
	if n, ok := ctypeNames[t]; ok {
		return n
	}
	return "TEXT" // KOOK's and Yunhu's other kinds read as text here
}

// messageRequest is the body of /message/send and /message/notify. The
// reference writes the dedup key "transaction_id " with a trailing space;
// both spellings are read.
type messageRequest struct {
	TransactionID  *int64  `json:"transaction_id"`
	TransactionID2 *int64  `json:"transaction_id "`
	Type           *int32  `json:"type"`
	FromUserID     int64   `json:"from_user_id"`
	Targets        []int64 `json:"targets"`
	ContentType    *int32  `json:"content_type"`
	Content        string  `json:"content"`
	Ext            string  `json:"ext"`
	Config         string  `json:"config"`
	Attachment     string  `json:"attachment"`
	RelatedMID     int64   `json:"related_mid"`
	OnlineOnly     bool    `json:"online_only"`
}

func (m *messageRequest) check() error {
	switch {
	case m.Type == nil || (*m.Type != targetUser && *m.Type != targetGroup):
		return badParam("type must be 1 (user) or 2 (group)")
	case len(m.Targets) == 0:
		return badParam("targets is required")
	case len(m.Targets) > maxTargets:
		return fail(codeTooManyTarget, "at most 500 targets")
	case m.ContentType == nil:
		return badParam("content_type is required")
	}
	seen := make(map[int64]bool, len(m.Targets))
	for _, t := range m.Targets {
		if t <= 0 || seen[t] {
			return badParam("targets must be distinct positive ids")
		}
		seen[t] = true
	}
	ct := *m.ContentType
	if _, ok := ctypeToCore[ct]; !ok && (ct < ctypeReadAck || ct > ctypeReplace) {
		return badParam("content_type must be 0-7 or 9-12")
	}
	if ct >= ctypeReadAck && m.RelatedMID <= 0 {
		return badParam("related_mid is required with this content_type")
	}
	if m.TransactionID == nil {
		m.TransactionID = m.TransactionID2
	}
	return nil
}

// nonce is the send key of a transaction_id: the core remembers it for
// its nonce lifetime (24 h) per author and chat.
func (m *messageRequest) nonce() string {
	if m.TransactionID == nil {
		return ""
	}
	return "lanying:" + strconv.FormatInt(*m.TransactionID, 10)
}

func (m *messageRequest) send(chatID int64) chat.Send {
	return chat.Send{ChatID: chatID, Type: ctypeToCore[*m.ContentType], Content: m.Content, Nonce: m.nonce(),
		Extra: chat.Extra{Ext: m.Ext, Config: m.Config, Attachment: m.Attachment}}
}

// chatOf resolves a Lanying conversation id: a group id, or the id of the
// peer user of a direct chat (opened on first use).
func (a *API) chatOf(ctx context.Context, actor chat.User, id int64, kind int32) (chat.Chat, error) {
	if kind != targetUser {
		c, err := a.svc.Conversation(ctx, actor, id)
		if err == nil && c.Kind == chat.ChatGroup {
			return c, nil
		}
		if err != nil && !errors.Is(err, chat.ErrNotFound) {
			return chat.Chat{}, err
		}
		if kind == targetGroup {
			return chat.Chat{}, fail(codeNoGroup, "group not found")
		}
	}
	if _, err := a.svc.VisibleUser(ctx, actor, id); err != nil {
		if errors.Is(err, chat.ErrNotFound) {
			return chat.Chat{}, fail(codeNoUser, "no such user or group")
		}
		return chat.Chat{}, err
	}
	return a.svc.OpenDirectChat(ctx, actor, id)
}

// sender is who a send writes as: the caller, or from_user_id for admins.
func (c caller) sender(ctx context.Context, svc *chat.Service, from int64) (chat.User, error) {
	if c.Admin && from != 0 {
		return svc.ActAs(ctx, c.App, from)
	}
	if !c.Admin && from != 0 && from != c.User.ID {
		return chat.User{}, fail(codeNoPermission, "from_user_id needs an admin token")
	}
	return c.user()
}

func (a *API) send(r *http.Request, c caller) (result, error) {
	var in messageRequest
	if err := decode(r, &in); err != nil {
		return result{}, err
	}
	if err := in.check(); err != nil {
		return result{}, err
	}
	ctx := r.Context()
	actor, err := c.sender(ctx, a.svc, in.FromUserID)
	if err != nil {
		return result{}, err
	}
	// Every target is resolved before anything is stored, so a bad target
	// fails the whole send.
	chats := make([]chat.Chat, len(in.Targets))
	for i, t := range in.Targets {
		if chats[i], err = a.chatOf(ctx, actor, t, *in.Type); err != nil {
			return result{}, err
		}
	}
	if *in.ContentType >= ctypeReadAck {
		return result{data: true}, a.control(ctx, c, actor, &in, chats)
	}
	ids, err := a.fanOut(ctx, chats, func(ch chat.Chat) (chat.Message, error) {
		return a.svc.SendMessage(ctx, actor, in.send(ch.ID))
	})
	return result{data: true, msgIDs: ids}, err
}

// fanOut sends one message per chat, a few at a time (the store batches
// concurrent appends into one commit), and returns their ids in order.
func (a *API) fanOut(ctx context.Context, chats []chat.Chat, one func(chat.Chat) (chat.Message, error)) ([]int64, error) {
	ids := make([]int64, len(chats))
	errs := make([]error, len(chats))
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for i, ch := range chats {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			m, err := one(ch)
			ids[i], errs[i] = m.ID, err
		}()
	}
	wg.Wait()
	return ids, errors.Join(errs...)
}

// control carries out the send content types that act on an earlier
// message: read ack, recall, append, replace. Each goes through the core.
func (a *API) control(ctx context.Context, c caller, actor chat.User, in *messageRequest, chats []chat.Chat) error {
	for _, ch := range chats {
		if *in.ContentType == ctypeReadAck {
			if err := a.svc.MarkReadThrough(ctx, actor, ch.ID, c.device(), in.RelatedMID); err != nil {
				return err
			}
			continue
		}
		m, err := a.svc.MessageByID(ctx, actor, in.RelatedMID)
		if err == nil && m.ChatID != ch.ID {
			err = badParam("related_mid is not a message of that conversation")
		}
		if err != nil {
			return err
		}
		switch *in.ContentType {
		case ctypeRecall:
			err = a.svc.DeleteMessage(ctx, actor, m.UUID)
		case ctypeAppend:
			_, err = a.svc.AppendToMessage(ctx, actor, m.UUID, in.Content)
		case ctypeReplace:
			_, err = a.svc.EditMessage(ctx, actor, chat.Edit{ID: m.UUID, Content: in.Content})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (a *API) notify(r *http.Request, c caller) (result, error) {
	var in messageRequest
	if err := decode(r, &in); err != nil {
		return result{}, err
	}
	if err := in.check(); err != nil {
		return result{}, err
	}
	if !c.Admin {
		return result{}, fail(codeNoPermission, "system notifications need an admin token")
	}
	if *in.ContentType >= ctypeReadAck {
		return result{}, badParam("a notification carries content_type 0-7")
	}
	ctx := r.Context()
	targets := make([]chat.Chat, len(in.Targets))
	for i, t := range in.Targets {
		targets[i] = chat.Chat{ID: t}
	}
	ids, err := a.fanOut(ctx, targets, func(t chat.Chat) (chat.Message, error) {
		return a.svc.Notify(ctx, c.App.ID, *in.Type == targetGroup, t.ID, in.send(0))
	})
	return result{data: true, msgIDs: ids}, err
}

func (a *API) recall(r *http.Request, c caller) (result, error) {
	var in struct {
		ConversationID *int64 `json:"conversation_id"`
		MsgID          *int64 `json:"msg_id"`
	}
	if err := decode(r, &in); err != nil {
		return result{}, err
	}
	if in.ConversationID == nil || in.MsgID == nil || *in.ConversationID <= 0 || *in.MsgID <= 0 {
		return result{}, badParam("conversation_id and msg_id are required")
	}
	actor, err := c.user()
	if err != nil {
		return result{}, err
	}
	ctx := r.Context()
	ch, err := a.chatOf(ctx, actor, *in.ConversationID, 0)
	if err != nil {
		return result{}, err
	}
	m, err := a.svc.MessageByID(ctx, actor, *in.MsgID)
	if err == nil && m.ChatID != ch.ID {
		err = badParam("msg_id is not a message of that conversation")
	}
	if err != nil {
		return result{}, err
	}
	return result{data: true}, a.svc.DeleteMessage(ctx, actor, m.UUID)
}
