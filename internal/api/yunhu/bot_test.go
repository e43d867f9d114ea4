package yunhu_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
	"github.com/chatd/chatd/internal/testenv"
)

// botCall calls the bot open API at /open-apis/v1/bot/path?token=...&query.
func botCall(t *testing.T, e *testenv.Env, method, path, token string, query url.Values, body any) envelope {
	t.Helper()
	if query == nil {
		query = url.Values{}
	}
	query.Set("token", token)
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, e.URL+"/open-apis/v1/bot/"+path+"?"+query.Encode(), bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	resp, _ := io.ReadAll(res.Body)
	var env envelope
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") ||
		json.Unmarshal(resp, &env) != nil || env.Msg == "" {
		t.Fatalf("%s %s: status %d: %s", method, path, res.StatusCode, resp)
	}
	return env
}

func textTo(recvID, recvType, s string) map[string]any {
	return map[string]any{"recvId": recvID, "recvType": recvType, "contentType": "text", "content": map[string]any{"text": s}}
}

func TestBotSend(t *testing.T) {
	w := newWorld(t)
	e := w.e
	member := wsLogin(t, e, w.member, websocket.TextMessage)
	env := botCall(t, e, "POST", "send", w.bot.Token, nil, map[string]any{"recvId": w.groupID, "recvType": "group",
		"contentType": "markdown", "content": map[string]any{"text": "**hi** @member\u200b", "at": []string{w.member.ID},
			"buttons": [][]map[string]any{{{"text": "A", "actionType": 3, "value": "a"}}}}})
	var data struct {
		MessageInfo struct{ MsgID, RecvID, RecvType string }
	}
	if env.Code != 1 || json.Unmarshal(env.Data, &data) != nil || len(data.MessageInfo.MsgID) != 32 ||
		data.MessageInfo.RecvID != w.groupID || data.MessageInfo.RecvType != "group" {
		t.Fatalf("send: %+v %s", env, env.Data)
	}
	p := member.push("the bot's message", "push_message")
	if p.MsgId != data.MessageInfo.MsgID || p.ContentType != yhpb.ContentType_markdown || p.Content.GetText() != "**hi** @member\u200b" ||
		len(p.Content.GetMentionedId()) != 1 || !strings.Contains(p.Content.GetButtons(), `"value":"a"`) ||
		p.Sender.GetChatType() != yhpb.ChatType_bot {
		t.Errorf("push of the bot's message: %v", p)
	}
	// To a user: the direct chat; parentId quotes.
	env = botCall(t, e, "POST", "send", w.bot.Token, nil, map[string]any{"recvId": w.member.ID, "recvType": "user",
		"contentType": "image", "content": map[string]any{"imageKey": "https://img.example/a.png"}, "parentId": data.MessageInfo.MsgID})
	if env.Code != 1 {
		t.Fatalf("send an image to a user: %+v", env)
	}
	p = member.push("the bot's direct image", "push_message")
	if p.ChatId != w.bot.ID || p.ChatType != yhpb.ChatType_bot || p.ContentType != yhpb.ContentType_image ||
		p.Content.GetImageUrl() != "https://img.example/a.png" {
		t.Errorf("push of the direct image: %v", p)
	}

	cases := []struct {
		name  string
		token string
		body  any
		code  int
	}{
		{"no token", "", textTo(w.groupID, "group", "x"), 1003},
		{"bad token", "nope", textTo(w.groupID, "group", "x"), 1003},
		{"a person's token", w.member.Token, textTo(w.groupID, "group", "x"), 1003},
		{"not JSON", w.bot.Token, "{", 1002},
		{"bad recvType", w.bot.Token, textTo(w.groupID, "channel", "x"), 1002},
		{"bad contentType", w.bot.Token, map[string]any{"recvId": w.groupID, "recvType": "group", "contentType": "gif",
			"content": map[string]any{"text": "x"}}, 1002},
		{"empty text", w.bot.Token, textTo(w.groupID, "group", ""), 1002},
		{"no recvId", w.bot.Token, textTo("", "group", "x"), 1002},
		{"bad buttons", w.bot.Token, map[string]any{"recvId": w.groupID, "recvType": "group", "contentType": "text",
			"content": map[string]any{"text": "x", "buttons": "nope"}}, 1002},
		{"unknown group", w.bot.Token, textTo("999999", "group", "x"), -1},
		{"a group without the bot", w.bot.Token, textTo(w.channelID+"0", "group", "x"), -1},
	}
	for _, c := range cases {
		if env := botCall(t, e, "POST", "send", c.token, nil, c.body); env.Code != c.code {
			t.Errorf("%s: %+v, want code %d", c.name, env, c.code)
		}
	}
	if r := botCall(t, e, "GET", "messages", w.bot.Token, url.Values{"chat-id": {w.groupID}, "chat-type": {"group"}}, nil); r.Code != 1 ||
		!jsonHasTotal(r.Data, 1) {
		t.Errorf("only the first send is stored in the group: %s", r.Data)
	}
}

func TestBotBatchSend(t *testing.T) {
	w := newWorld(t)
	e := w.e
	env := botCall(t, e, "POST", "batch_send", w.bot.Token, nil, map[string]any{"recvIds": []string{w.member.ID, "424242", w.owner.ID},
		"recvType": "user", "contentType": "text", "content": map[string]any{"text": "to all"}})
	var data struct {
		SuccessCount int
		SuccessList  []struct{ MsgID, RecvID, RecvType string }
	}
	if env.Code != 1 || json.Unmarshal(env.Data, &data) != nil || data.SuccessCount != 2 || len(data.SuccessList) != 2 ||
		data.SuccessList[0].RecvID != w.member.ID || data.SuccessList[1].RecvID != w.owner.ID {
		t.Fatalf("batch_send: %+v %s", env, env.Data)
	}
	l := w.list(t, w.owner.Token, yhpb.ChatType_bot, w.bot.ID, 5)
	if len(l) != 1 || l[0].MsgId != data.SuccessList[1].MsgID || l[0].Content.GetText() != "to all" {
		t.Errorf("the owner's chat with the bot: %v", l)
	}
	for name, body := range map[string]any{
		"no receivers": map[string]any{"recvIds": []string{}, "recvType": "user", "contentType": "text", "content": map[string]any{"text": "x"}},
		"bad content":  map[string]any{"recvIds": []string{w.member.ID}, "recvType": "user", "contentType": "text", "content": map[string]any{}},
		"bad recvType": map[string]any{"recvIds": []string{w.member.ID}, "recvType": "bot", "contentType": "text", "content": map[string]any{"text": "x"}},
	} {
		if env := botCall(t, e, "POST", "batch_send", w.bot.Token, nil, body); env.Code != 1002 {
			t.Errorf("%s: %+v", name, env)
		}
	}
}

func botSendText(t *testing.T, w *world, recvID, recvType, s string) string {
	t.Helper()
	env := botCall(t, w.e, "POST", "send", w.bot.Token, nil, textTo(recvID, recvType, s))
	var data struct{ MessageInfo struct{ MsgID string } }
	if env.Code != 1 || json.Unmarshal(env.Data, &data) != nil {
		t.Fatalf("send: %+v", env)
	}
	return data.MessageInfo.MsgID
}

func TestBotEditAndRecall(t *testing.T) {
	w := newWorld(t)
	e := w.e
	member := wsLogin(t, e, w.member, websocket.TextMessage)
	id := botSendText(t, w, w.groupID, "group", "first")
	member.push("the message", "push_message")
	env := botCall(t, e, "POST", "edit", w.bot.Token, nil, map[string]any{"msgId": id, "recvId": w.groupID, "recvType": "group",
		"contentType": "text", "content": map[string]any{"text": "second"}})
	if env.Code != 1 || !bytes.Contains(env.Data, []byte(`"successCount":1`)) {
		t.Fatalf("edit: %+v %s", env, env.Data)
	}
	if p := member.push("the edit", "edit_message"); p.MsgId != id || p.Content.GetText() != "second" {
		t.Errorf("edit push: %v", p)
	}
	someoneElses := w.send(t, w.member.Token, yhpb.ChatType_group, w.groupID, "mine")
	member.push("the member's message", "push_message")
	for name, c := range map[string]struct {
		body any
		code int
	}{
		"someone else's message": {map[string]any{"msgId": someoneElses, "recvId": w.groupID, "recvType": "group",
			"contentType": "text", "content": map[string]any{"text": "x"}}, -1},
		"bad msgId": {map[string]any{"msgId": "zz", "recvId": w.groupID, "recvType": "group", "contentType": "text",
			"content": map[string]any{"text": "x"}}, 1002},
		"unknown message": {map[string]any{"msgId": msgID(), "recvId": w.groupID, "recvType": "group", "contentType": "text",
			"content": map[string]any{"text": "x"}}, -1},
		"wrong chat": {map[string]any{"msgId": id, "recvId": w.member.ID, "recvType": "user", "contentType": "text",
			"content": map[string]any{"text": "x"}}, -1},
		"empty text": {map[string]any{"msgId": id, "recvId": w.groupID, "recvType": "group", "contentType": "text",
			"content": map[string]any{}}, 1002},
	} {
		if env := botCall(t, e, "POST", "edit", w.bot.Token, nil, c.body); env.Code != c.code {
			t.Errorf("edit, %s: %+v, want %d", name, env, c.code)
		}
	}

	for name, c := range map[string]struct {
		body any
		code int
	}{
		"bad chatType":           {map[string]any{"msgId": id, "chatId": w.groupID, "chatType": "x"}, 1002},
		"no msgId":               {map[string]any{"chatId": w.groupID, "chatType": "group"}, 1002},
		"someone else's message": {map[string]any{"msgId": someoneElses, "chatId": w.groupID, "chatType": "group"}, -1},
		"not JSON":               {"nope", 1002},
	} {
		if env := botCall(t, e, "POST", "recall", w.bot.Token, nil, c.body); env.Code != c.code {
			t.Errorf("recall, %s: %+v, want %d", name, env, c.code)
		}
	}
	if env := botCall(t, e, "POST", "recall", w.bot.Token, nil, map[string]any{"msgId": id, "chatId": w.groupID, "chatType": "group"}); env.Code != 1 {
		t.Fatalf("recall: %+v", env)
	}
	if p := member.push("the recall", "push_message"); p.MsgId != id || p.DeleteTimestamp == 0 {
		t.Errorf("recall push: %v", p)
	}
}

func TestBotMessages(t *testing.T) {
	w := newWorld(t)
	e := w.e
	var ids []string
	for _, s := range []string{"a", "b", "c", "d", "e"} {
		ids = append(ids, w.send(t, w.member.Token, yhpb.ChatType_group, w.groupID, s))
	}
	type msg struct {
		MsgID, SenderID, SenderType, SenderNickname, ContentType string
		Content                                                  struct{ Text string }
		SendTime                                                 int64
	}
	list := func(method string, q url.Values) ([]msg, envelope) {
		t.Helper()
		env := botCall(t, e, method, "messages", w.bot.Token, q, nil)
		var data struct {
			List  []msg
			Total int
		}
		if env.Code == 1 && (json.Unmarshal(env.Data, &data) != nil || data.Total != len(data.List)) {
			t.Fatalf("messages: %s", env.Data)
		}
		return data.List, env
	}
	got, _ := list("GET", url.Values{"chat-id": {w.groupID}, "chat-type": {"group"}, "before": {"2"}})
	if len(got) != 2 || got[0].MsgID != ids[3] || got[1].MsgID != ids[4] || got[1].Content.Text != "e" ||
		got[1].SenderID != w.member.ID || got[1].SenderType != "user" || got[1].SenderNickname == "" ||
		got[1].ContentType != "text" || got[1].SendTime == 0 {
		t.Errorf("the newest 2: %+v", got)
	}
	got, _ = list("POST", url.Values{"chat-id": {w.groupID}, "chat-type": {"group"}, "message-id": {ids[2]},
		"before": {"1"}, "after": {"1"}})
	if len(got) != 3 || got[0].MsgID != ids[1] || got[1].MsgID != ids[2] || got[2].MsgID != ids[3] {
		t.Errorf("around c: %+v", got)
	}
	for name, c := range map[string]struct {
		q    url.Values
		code int
	}{
		"bad chat-type":   {url.Values{"chat-id": {w.groupID}, "chat-type": {"bot"}}, 1002},
		"bad before":      {url.Values{"chat-id": {w.groupID}, "chat-type": {"group"}, "before": {"-1"}}, 1002},
		"bad message-id":  {url.Values{"chat-id": {w.groupID}, "chat-type": {"group"}, "message-id": {"x"}}, 1002},
		"unknown message": {url.Values{"chat-id": {w.groupID}, "chat-type": {"group"}, "message-id": {msgID()}}, -1},
		"unknown chat":    {url.Values{"chat-id": {"12345"}, "chat-type": {"group"}}, -1},
	} {
		if _, env := list("GET", c.q); env.Code != c.code {
			t.Errorf("%s: %+v, want %d", name, env, c.code)
		}
	}
	if env := botCall(t, e, "GET", "messages", w.member.Token, url.Values{"chat-id": {w.groupID}, "chat-type": {"group"}}, nil); env.Code != 1003 {
		t.Errorf("a person's token: %+v", env)
	}
}
