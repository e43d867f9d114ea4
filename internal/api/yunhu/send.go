package yunhu

import (
	"net/http"
	"strconv"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
	"github.com/chatd/chatd/internal/chat"

	"google.golang.org/protobuf/proto"
)

// sendParts is what a SendMsgRequest becomes in the core's terms.
type sendParts struct {
	typ     chat.MessageType
	content string
	extra   chat.Extra
	noQuote bool // Yunhu drops the quote of this kind of message
}

// partsOf maps content_type and its required fields (the send guide) onto
// a core message type, its content and extra.
func partsOf(ct yhpb.ContentType, c *yhpb.MsgContent) (sendParts, error) {
	if c == nil {
		c = &yhpb.MsgContent{}
	}
	p := sendParts{extra: chat.Extra{Buttons: c.Buttons, QuoteText: c.QuoteMsgText}}
	need := func(field, v string) error {
		if v == "" {
			return &chat.FieldError{Field: "content." + field, Reason: "required for content_type " + strconv.Itoa(int(ct))}
		}
		return nil
	}
	var err error
	switch ct {
	case yhpb.ContentType_text, yhpb.ContentType_markdown, yhpb.ContentType_html:
		p.typ = map[yhpb.ContentType]chat.MessageType{yhpb.ContentType_text: chat.TypeText,
			yhpb.ContentType_markdown: chat.TypeKMarkdown, yhpb.ContentType_html: chat.TypeHTML}[ct]
		p.content, err = c.Text, need("text", c.Text)
	case yhpb.ContentType_image:
		p.typ, p.content = chat.TypeImage, firstOf(c.ImageUrl, c.Image)
		p.extra.Width, p.extra.Height, p.extra.FileSize = int64(c.Width), int64(c.Height), c.FileSize
		err = need("image", p.content)
	case yhpb.ContentType_file:
		p.typ, p.content = chat.TypeFile, c.FileUrl
		p.extra.FileName, p.extra.FileSize = c.FileName, c.FileSize
		err = need("file_url", c.FileUrl)
	case yhpb.ContentType_form:
		p.typ, p.content, err = chat.TypeForm, c.Form, need("form", c.Form)
	case yhpb.ContentType_post:
		p.typ, p.content = chat.TypePost, c.PostContent
		p.extra.PostID, p.extra.PostTitle, p.extra.PostType = c.PostId, c.PostTitle, c.PostContentType
		err = need("post_content", c.PostContent)
	case yhpb.ContentType_sticker:
		p.typ, p.content = chat.TypeSticker, firstOf(c.Image, c.ImageUrl)
		p.extra.ExpressionID, p.extra.StickerItemID, p.extra.StickerPackID = c.ExpressionId, c.StickerItemId, c.StickerPackId
		err = need("image", p.content)
	case yhpb.ContentType_audio:
		p.typ, p.content, p.noQuote = chat.TypeAudio, c.AudioUrl, true
		p.extra.Duration, p.extra.QuoteText = int64(c.AudioTime), ""
		err = need("audio_url", c.AudioUrl)
		if err == nil && c.AudioTime <= 0 { // required by the send guide, though Yunhu checks no value
			err = &chat.FieldError{Field: "content.audio_time", Reason: "required for content_type 11"}
		}
	default:
		err = &chat.FieldError{Field: "content_type", Reason: "cannot send content_type " + strconv.Itoa(int(ct))}
	}
	return p, err
}

func firstOf(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

func mentionsOf(ids []string) (chat.Mentions, error) {
	var m chat.Mentions
	for _, s := range ids {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return m, &chat.FieldError{Field: "content.mentioned_id", Reason: "user ids are decimal numbers"}
		}
		m.Users = append(m.Users, id)
	}
	return m, nil
}

func (a *API) sendMessage(r *http.Request, caller chat.User, msg proto.Message) (withStatus, error) {
	req := msg.(*yhpb.SendMsgRequest)
	uuid, err := parseMsgID("msg_id", req.MsgId)
	if err != nil {
		return nil, err
	}
	parts, err := partsOf(req.ContentType, req.Content)
	if err != nil {
		return nil, err
	}
	mentions, err := mentionsOf(req.GetContent().GetMentionedId())
	if err != nil {
		return nil, err
	}
	c, err := a.resolveChat(r.Context(), caller, req.ChatType, req.ChatId)
	if err != nil {
		return nil, err
	}
	parts.extra.CommandID = req.CommandId
	in := chat.Send{ChatID: c.ID, Type: parts.typ, Content: parts.content, Mentions: mentions, UUID: uuid,
		Extra: parts.extra, IgnoreInvalidQuote: true}
	if req.QuoteMsgId != "" && !parts.noQuote {
		// An id that is not even a UUID names no message: ignored, as the
		// core ignores one that names no message of the chat.
		in.Quote, _ = chat.ParseUUID(req.QuoteMsgId)
	}
	_, err = a.svc.SendMessage(r.Context(), caller, in)
	return nil, err
}

func (a *API) editMessage(r *http.Request, caller chat.User, msg proto.Message) (withStatus, error) {
	req := msg.(*yhpb.SendMsgRequest)
	uuid, err := parseMsgID("msg_id", req.MsgId)
	if err != nil {
		return nil, err
	}
	parts, err := partsOf(req.ContentType, req.Content)
	if err != nil {
		return nil, err
	}
	mentions, err := mentionsOf(req.GetContent().GetMentionedId())
	if err != nil {
		return nil, err
	}
	c, err := a.resolveChat(r.Context(), caller, req.ChatType, req.ChatId)
	if err != nil {
		return nil, err
	}
	if _, err := a.messageIn(r.Context(), caller, c, uuid); err != nil {
		return nil, err
	}
	in := chat.Edit{ID: uuid, Content: parts.content, Mentions: mentions, Type: parts.typ,
		Buttons: &parts.extra.Buttons, QuoteText: &parts.extra.QuoteText, IgnoreInvalidQuote: true}
	if q, err := chat.ParseUUID(req.QuoteMsgId); err == nil {
		in.Quote = &q
	}
	_, err = a.svc.EditMessage(r.Context(), caller, in)
	return nil, err
}
