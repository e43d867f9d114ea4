package yunhu_test

import (
	"testing"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
)

func TestSendEveryContentType(t *testing.T) {
	w := newWorld(t)
	tok, g := w.member.Token, w.groupID
	buttons := `[[{"text":"ok","actionType":3,"value":"yes"},{"text":"site","actionType":1,"url":"https://x"}]]`
	tests := []struct {
		name    string
		ct      yhpb.ContentType
		content *yhpb.MsgContent
		check   func(t *testing.T, d *yhpb.ListMsgResponse_MsgData)
	}{
		{"text", yhpb.ContentType_text, &yhpb.MsgContent{Text: "hi", Buttons: buttons, MentionedId: []string{w.owner.ID}},
			func(t *testing.T, d *yhpb.ListMsgResponse_MsgData) {
				if d.Content.Text != "hi" || d.Content.Buttons != buttons || len(d.Content.MentionedId) != 1 ||
					d.Content.MentionedId[0] != w.owner.ID {
					t.Errorf("content %v", d.Content)
				}
			}},
		{"image", yhpb.ContentType_image, &yhpb.MsgContent{Image: "https://img/a.jpg", Width: 10, Height: 20},
			func(t *testing.T, d *yhpb.ListMsgResponse_MsgData) {
				if d.Content.ImageUrl != "https://img/a.jpg" || d.Content.Width != 10 || d.Content.Height != 20 {
					t.Errorf("content %v", d.Content)
				}
			}},
		{"markdown", yhpb.ContentType_markdown, text("**b**"), nil},
		{"file", yhpb.ContentType_file, &yhpb.MsgContent{FileUrl: "https://f/x.bin", FileName: "x.bin", FileSize: 42},
			func(t *testing.T, d *yhpb.ListMsgResponse_MsgData) {
				if d.Content.FileUrl != "https://f/x.bin" || d.Content.FileName != "x.bin" || d.Content.FileSize != 42 {
					t.Errorf("content %v", d.Content)
				}
			}},
		{"form", yhpb.ContentType_form, &yhpb.MsgContent{Form: `{"a":{"id":"a","type":"input","label":"Name"}}`}, nil},
		{"post", yhpb.ContentType_post, &yhpb.MsgContent{PostContent: "body", PostTitle: "title", PostContentType: "1"},
			func(t *testing.T, d *yhpb.ListMsgResponse_MsgData) {
				if d.Content.PostContent != "body" || d.Content.PostTitle != "title" {
					t.Errorf("content %v", d.Content)
				}
			}},
		{"sticker", yhpb.ContentType_sticker, &yhpb.MsgContent{Image: "expression/a.jpg", StickerItemId: 3, StickerPackId: 4}, nil},
		{"personal sticker", yhpb.ContentType_sticker, &yhpb.MsgContent{Image: "expression/b.jpg", ExpressionId: "9"}, nil},
		{"html", yhpb.ContentType_html, text("<b>x</b>"), nil},
		{"audio", yhpb.ContentType_audio, &yhpb.MsgContent{AudioUrl: "https://a/x.m4a", AudioTime: 7},
			func(t *testing.T, d *yhpb.ListMsgResponse_MsgData) {
				if d.Content.AudioUrl != "https://a/x.m4a" || d.Content.AudioTime != 7 || d.QuoteMsgId != "" {
					t.Errorf("audio %v", d)
				}
			}},
	}
	first := w.send(t, tok, yhpb.ChatType_group, g, "first")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := msgID()
			st := call(t, w.e, "send-message", tok, &yhpb.SendMsgRequest{MsgId: id, ChatId: g, ChatType: yhpb.ChatType_group,
				ContentType: tc.ct, Content: tc.content, CommandId: 5, QuoteMsgId: first}, nil)
			wantCode(t, "send", st, 1)
			list := w.list(t, w.owner.Token, yhpb.ChatType_group, g, 1)
			if len(list) != 1 {
				t.Fatalf("list: %v", list)
			}
			d := list[0]
			if d.MsgId != id || d.ContentType != tc.ct || d.Direction != "left" || d.Sender.ChatId != w.member.ID ||
				d.Sender.Name != "member" || d.Cmd.GetCmdId() != 5 || d.SendTime == 0 || d.MsgSeq == 0 {
				t.Errorf("listed %v", d)
			}
			if tc.ct != yhpb.ContentType_audio && d.QuoteMsgId != first {
				t.Errorf("quote_msg_id %q, want %q", d.QuoteMsgId, first)
			}
			if tc.check != nil {
				tc.check(t, d)
			}
		})
	}
}

func TestSendRejectsMissingFields(t *testing.T) {
	w := newWorld(t)
	tok, g := w.member.Token, w.groupID
	tests := []struct {
		name string
		req  *yhpb.SendMsgRequest
		code int32
	}{
		{"no msg_id", &yhpb.SendMsgRequest{ChatId: g, ChatType: 2, ContentType: 1, Content: text("x")}, -2},
		{"msg_id not hex", &yhpb.SendMsgRequest{MsgId: "zz", ChatId: g, ChatType: 2, ContentType: 1, Content: text("x")}, -2},
		{"no chat_id", &yhpb.SendMsgRequest{MsgId: msgID(), ChatType: 2, ContentType: 1, Content: text("x")}, -2},
		{"bad chat_type", &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: g, ChatType: 9, ContentType: 1, Content: text("x")}, -2},
		{"no content_type", &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: g, ChatType: 2, Content: text("x")}, -2},
		{"call", &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: g, ChatType: 2, ContentType: 13, Content: text("x")}, -2},
		{"text without text", &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: g, ChatType: 2, ContentType: 1}, -2},
		{"image without image", &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: g, ChatType: 2, ContentType: 2, Content: text("x")}, -2},
		{"file without url", &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: g, ChatType: 2, ContentType: 4,
			Content: &yhpb.MsgContent{FileName: "x"}}, -2},
		{"audio without time", &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: g, ChatType: 2, ContentType: 11,
			Content: &yhpb.MsgContent{AudioUrl: "x.m4a"}}, -2},
		{"sticker without ids", &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: g, ChatType: 2, ContentType: 7,
			Content: &yhpb.MsgContent{Image: "x.jpg"}}, -2},
		{"form not JSON", &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: g, ChatType: 2, ContentType: 5,
			Content: &yhpb.MsgContent{Form: "{"}}, -2},
		{"buttons not JSON", &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: g, ChatType: 2, ContentType: 1,
			Content: &yhpb.MsgContent{Text: "x", Buttons: "[[{"}}, -2},
		{"button without text", &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: g, ChatType: 2, ContentType: 1,
			Content: &yhpb.MsgContent{Text: "x", Buttons: `[[{"actionType":2}]]`}}, -2},
		{"mention not an id", &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: g, ChatType: 2, ContentType: 1,
			Content: &yhpb.MsgContent{Text: "x", MentionedId: []string{"bob"}}}, -2},
		{"unknown group", &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: "12345", ChatType: 2, ContentType: 1, Content: text("x")}, -3},
		{"group id not a number", &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: "big", ChatType: 2, ContentType: 1, Content: text("x")}, -3},
		{"a user as a bot", &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: w.owner.ID, ChatType: 3, ContentType: 1, Content: text("x")}, -3},
		{"a bot as a user", &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: w.bot.ID, ChatType: 1, ContentType: 1, Content: text("x")}, -3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.name, call(t, w.e, "send-message", tok, tc.req, nil), tc.code)
		})
	}
	if got := w.list(t, tok, yhpb.ChatType_group, g, 10); len(got) != 0 {
		t.Errorf("rejected sends stored %d messages", len(got))
	}
	// The outsider is not in the group: it is unknown to it.
	st := call(t, w.e, "send-message", w.outsider.Token, &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: g, ChatType: 2,
		ContentType: 1, Content: text("x")}, nil)
	wantCode(t, "outsider", st, -3)
}

func TestSendIsIdempotentOnMsgID(t *testing.T) {
	w := newWorld(t)
	id := msgID()
	req := &yhpb.SendMsgRequest{MsgId: id, ChatId: w.groupID, ChatType: 2, ContentType: 1, Content: text("once")}
	for range 3 {
		wantCode(t, "send", call(t, w.e, "send-message", w.member.Token, req, nil), 1)
	}
	list := w.list(t, w.member.Token, 2, w.groupID, 10)
	if len(list) != 1 || list[0].MsgId != id || list[0].Direction != "right" {
		t.Fatalf("list after three sends of one msg_id: %v", list)
	}
	// The same msg_id in another chat names another message: refused.
	req.ChatId, req.ChatType = w.owner.ID, 1
	wantCode(t, "reused msg_id", call(t, w.e, "send-message", w.member.Token, req, nil), -2)
}

func TestInvalidQuoteIsIgnored(t *testing.T) {
	w := newWorld(t)
	for _, q := range []string{"not-an-id", msgID()} {
		st := call(t, w.e, "send-message", w.member.Token, &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: w.groupID, ChatType: 2,
			ContentType: 1, Content: text("x"), QuoteMsgId: q}, nil)
		wantCode(t, "quote "+q, st, 1)
	}
	for _, d := range w.list(t, w.member.Token, 2, w.groupID, 10) {
		if d.QuoteMsgId != "" {
			t.Errorf("an invalid quote was kept: %v", d)
		}
	}
}

func TestDirectChatsByUserAndBot(t *testing.T) {
	w := newWorld(t)
	w.send(t, w.member.Token, yhpb.ChatType_user, w.owner.ID, "to owner")
	w.send(t, w.member.Token, yhpb.ChatType_bot, w.bot.ID, "to bot")
	if l := w.list(t, w.owner.Token, yhpb.ChatType_user, w.member.ID, 5); len(l) != 1 || l[0].Content.Text != "to owner" {
		t.Errorf("owner's view of the direct chat: %v", l)
	}
	if l := w.list(t, w.bot.Token, yhpb.ChatType_user, w.member.ID, 5); len(l) != 1 || l[0].Content.Text != "to bot" ||
		l[0].Sender.ChatType != yhpb.ChatType_user {
		t.Errorf("bot's view of the direct chat: %v", l)
	}
	// A direct chat is not a group.
	st := call(t, w.e, "list-message", w.member.Token, &yhpb.ListMsgRequest{ChatId: w.owner.ID, ChatType: 2}, &yhpb.ListMsgResponse{})
	wantCode(t, "a user as a group", st, -3)
}
