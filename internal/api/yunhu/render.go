package yunhu

import (
	"strconv"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
	"github.com/chatd/chatd/internal/chat"
)

// contentTypeOf is the Yunhu content_type of a core message type. KOOK's
// kinds Yunhu has no number for show as the nearest: video as a file (with
// video_url), a card as text (its JSON).
func contentTypeOf(t chat.MessageType) yhpb.ContentType {
	switch t {
	case chat.TypeText, chat.TypeCard:
		return yhpb.ContentType_text
	case chat.TypeImage:
		return yhpb.ContentType_image
	case chat.TypeKMarkdown:
		return yhpb.ContentType_markdown
	case chat.TypeFile, chat.TypeVideo:
		return yhpb.ContentType_file
	case chat.TypeForm:
		return yhpb.ContentType_form
	case chat.TypePost:
		return yhpb.ContentType_post
	case chat.TypeSticker:
		return yhpb.ContentType_sticker
	case chat.TypeHTML:
		return yhpb.ContentType_html
	case chat.TypeAudio:
		return yhpb.ContentType_audio
	}
	return yhpb.ContentType_text
}

// contentOf renders a message's content and extra as MsgContent. A recalled
// message has none.
func contentOf(m chat.Message, quote *chat.QuoteView) *yhpb.MsgContent {
	if m.Recalled() {
		return &yhpb.MsgContent{}
	}
	e := m.Extra
	c := &yhpb.MsgContent{Buttons: e.Buttons, QuoteMsgText: e.QuoteText, FileName: e.FileName, FileSize: e.FileSize,
		Width: int32(e.Width), Height: int32(e.Height), ExpressionId: e.ExpressionID, StickerItemId: e.StickerItemID,
		StickerPackId: e.StickerPackID, PostId: e.PostID, PostTitle: e.PostTitle, PostContentType: e.PostType}
	for _, id := range m.Mentions.Users {
		c.MentionedId = append(c.MentionedId, strconv.FormatInt(id, 10))
	}
	switch m.Type {
	case chat.TypeImage:
		c.ImageUrl, c.Image = m.Content, m.Content
	case chat.TypeFile:
		c.FileUrl = m.Content
	case chat.TypeVideo:
		c.VideoUrl, c.FileUrl, c.VideoTime = m.Content, m.Content, int32(e.Duration)
	case chat.TypeAudio:
		c.AudioUrl, c.AudioTime = m.Content, int32(e.Duration)
	case chat.TypeForm:
		c.Form = m.Content
	case chat.TypePost:
		c.PostContent = m.Content
	case chat.TypeSticker:
		c.Image, c.ImageUrl = m.Content, m.Content
	default:
		c.Text = m.Content
	}
	if c.QuoteMsgText == "" && quote != nil { // Yunhu's own form: "name: content"
		c.QuoteMsgText = quote.Author.DisplayName() + ": " + quote.Message.Content
	}
	return c
}

func senderOf(u chat.User) *yhpb.Sender {
	s := &yhpb.Sender{ChatId: strconv.FormatInt(u.ID, 10), ChatType: yhpb.ChatType_user, Name: u.DisplayName(),
		AvatarUrl: u.Avatar}
	if u.Bot {
		s.ChatType = yhpb.ChatType_bot
	}
	return s
}

func ms(t interface{ UnixMilli() int64 }) uint64 {
	v := t.UnixMilli()
	if v < 0 {
		return 0
	}
	return uint64(v)
}

// msgData renders one message as caller sees it.
func msgData(caller chat.User, v chat.MessageView) *yhpb.ListMsgResponse_MsgData {
	m := v.Message
	d := &yhpb.ListMsgResponse_MsgData{MsgId: m.UUID.Hex(), Sender: senderOf(v.Author), Direction: "left",
		ContentType: contentTypeOf(m.Type), Content: contentOf(m, v.Quote), SendTime: ms(m.CreatedAt),
		MsgSeq: uint64(m.Seq)}
	if m.AuthorID == caller.ID {
		d.Direction = "right"
	}
	if v.Author.ID == 0 { // the author is gone: still show who it was
		d.Sender = &yhpb.Sender{ChatId: strconv.FormatInt(m.AuthorID, 10), ChatType: yhpb.ChatType_user}
	}
	if m.Recalled() {
		d.RecallTime = ms(m.RecalledAt)
	} else if v.Quote != nil {
		d.QuoteMsgId = v.Quote.Message.UUID.Hex()
	}
	if !m.EditedAt.IsZero() {
		d.EditTime = ms(m.EditedAt)
	}
	if m.Extra.CommandID != 0 && !m.Recalled() {
		d.Cmd = &yhpb.Cmd{CmdId: uint64(m.Extra.CommandID)}
	}
	return d
}

func listOf(caller chat.User, vs []chat.MessageView) listResponse {
	out := &yhpb.ListMsgResponse{Data: make([]*yhpb.ListMsgResponse_MsgData, 0, len(vs)), Total: int32(len(vs))}
	for _, v := range vs {
		out.Data = append(out.Data, msgData(caller, v))
	}
	return listResponse{out}
}
