package yunhu

import (
	"net/http"
	"strconv"

	"github.com/chatd/chatd/internal/chat"
)

// botMessageJSON is one message of /bot/messages.
type botMessageJSON struct {
	MsgID          string         `json:"msgId"`
	ParentID       string         `json:"parentId"`
	SenderID       string         `json:"senderId"`
	SenderType     string         `json:"senderType"`
	SenderNickname string         `json:"senderNickname"`
	ContentType    string         `json:"contentType"`
	Content        botContentJSON `json:"content"`
	SendTime       int64          `json:"sendTime"`
	CommandName    string         `json:"commandName"`
	CommandID      int64          `json:"commandId"`
}

type botContentJSON struct {
	Text          string   `json:"text,omitempty"`
	FormJSON      string   `json:"formJson,omitempty"`
	ImageName     string   `json:"imageName,omitempty"`
	ImageURL      string   `json:"imageUrl,omitempty"`
	ImageWidth    int64    `json:"imageWidth,omitempty"`
	ImageHeight   int64    `json:"imageHeight,omitempty"`
	FileName      string   `json:"fileName,omitempty"`
	FileURL       string   `json:"fileUrl,omitempty"`
	VideoURL      string   `json:"videoUrl,omitempty"`
	VideoDuration int64    `json:"videoDuration,omitempty"`
	AudioURL      string   `json:"audioUrl,omitempty"`
	AudioDuration int64    `json:"audioDuration,omitempty"`
	At            []string `json:"at,omitempty"`
	Parent        string   `json:"parent,omitempty"`
	Buttons       any      `json:"buttons,omitempty"`
}

// botContentTypeOf names a core message type as the bot API does.
func botContentTypeOf(t chat.MessageType) string {
	switch t {
	case chat.TypeImage:
		return "image"
	case chat.TypeKMarkdown:
		return "markdown"
	case chat.TypeHTML:
		return "html"
	case chat.TypeFile:
		return "file"
	case chat.TypeVideo:
		return "video"
	case chat.TypeAudio:
		return "audio"
	case chat.TypeForm:
		return "form"
	case chat.TypePost:
		return "post"
	case chat.TypeSticker:
		return "expression"
	}
	return "text"
}

func botMessageOf(v chat.MessageView) botMessageJSON {
	m := v.Message
	j := botMessageJSON{MsgID: m.UUID.Hex(), SenderID: strconv.FormatInt(m.AuthorID, 10), SenderType: "user",
		SenderNickname: v.Author.DisplayName(), ContentType: botContentTypeOf(m.Type), SendTime: m.CreatedAt.UnixMilli(),
		CommandID: m.Extra.CommandID}
	if v.Author.Bot {
		j.SenderType = "bot"
	}
	if v.Quote != nil {
		j.ParentID = v.Quote.Message.UUID.Hex()
		j.Content.Parent = v.Quote.Author.DisplayName() + ": " + v.Quote.Message.Content
	}
	c := &j.Content
	for _, id := range m.Mentions.Users {
		c.At = append(c.At, strconv.FormatInt(id, 10))
	}
	if m.Extra.Buttons != "" {
		c.Buttons = rawJSON(m.Extra.Buttons)
	}
	e := m.Extra
	switch m.Type {
	case chat.TypeImage, chat.TypeSticker:
		c.ImageURL, c.ImageName, c.ImageWidth, c.ImageHeight = m.Content, e.FileName, e.Width, e.Height
	case chat.TypeFile:
		c.FileURL, c.FileName = m.Content, e.FileName
	case chat.TypeVideo:
		c.VideoURL, c.VideoDuration = m.Content, e.Duration
	case chat.TypeAudio:
		c.AudioURL, c.AudioDuration = m.Content, e.Duration
	case chat.TypeForm:
		c.FormJSON = m.Content
	default:
		c.Text = m.Content
	}
	return j
}

// rawJSON is a stored JSON string to embed as is.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// botMessages lists a chat's messages: without message-id the newest
// `before` (default 10); with it, `before` messages before it, the message
// itself and `after` messages after it. Oldest first; recalled messages are
// left out.
func (a *API) botMessages(r *http.Request, bot chat.User, _ []byte) (any, error) {
	q := r.URL.Query()
	typ, err := botChatType("chat-type", q.Get("chat-type"))
	if err != nil {
		return nil, err
	}
	num := func(name string) (int, error) {
		s := q.Get(name)
		if s == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > chat.MaxPageSize {
			return 0, &chat.FieldError{Field: name, Reason: "between 0 and " + strconv.Itoa(chat.MaxPageSize)}
		}
		return n, nil
	}
	before, err := num("before")
	if err != nil {
		return nil, err
	}
	after, err := num("after")
	if err != nil {
		return nil, err
	}
	var anchor chat.UUID
	if s := q.Get("message-id"); s != "" {
		if anchor, err = parseMsgID("message-id", s); err != nil {
			return nil, err
		}
	}
	c, err := a.resolveChat(r.Context(), bot, typ, q.Get("chat-id"))
	if err != nil {
		return nil, err
	}
	var vs []chat.MessageView
	if anchor.IsZero() {
		if before == 0 {
			before = 10
		}
		vs, err = a.svc.ListMessages(r.Context(), bot, chat.ListQuery{ChatID: c.ID, Mode: chat.ListLatest, Limit: before})
	} else {
		if _, err := a.messageIn(r.Context(), bot, c, anchor); err != nil {
			return nil, err
		}
		var older, newer []chat.MessageView
		if before > 0 {
			older, err = a.svc.ListMessages(r.Context(), bot, chat.ListQuery{ChatID: c.ID, Mode: chat.ListBefore,
				Anchor: anchor, Limit: before, IncludeAnchor: true})
		} else {
			older, err = a.svc.ListMessages(r.Context(), bot, chat.ListQuery{ChatID: c.ID, Mode: chat.ListBefore,
				Anchor: anchor, Limit: 1, IncludeAnchor: true})
			if len(older) > 0 {
				older = older[len(older)-1:]
			}
		}
		if err == nil && after > 0 {
			newer, err = a.svc.ListMessages(r.Context(), bot, chat.ListQuery{ChatID: c.ID, Mode: chat.ListAfter,
				Anchor: anchor, Limit: after})
		}
		vs = append(older, newer...)
	}
	if err != nil {
		return nil, err
	}
	list := make([]botMessageJSON, 0, len(vs))
	for _, v := range vs {
		list = append(list, botMessageOf(v))
	}
	return map[string]any{"list": list, "total": len(list)}, nil
}
