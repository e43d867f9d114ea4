package yunhu_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
	"github.com/chatd/chatd/internal/testenv"
)

// kookEvent is what a KOOK gateway event frame (s=0) carries.
type kookEvent struct {
	Type     int    `json:"type"`
	TargetID string `json:"target_id"`
	MsgID    string `json:"msg_id"`
	Content  string `json:"content"`
	Extra    struct {
		Type any             `json:"type"`
		Body json.RawMessage `json:"body"`
	} `json:"extra"`
}

// gateway connects token's owner to the KOOK gateway and returns a function
// that waits for the next event matching ok.
func gateway(t *testing.T, e *testenv.Env, token string) func(what string, ok func(kookEvent) bool) kookEvent {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(e.GatewayURL(token, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// Events start with the session, which HELLO confirms: wait for it
	// before anything is sent.
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var hello struct {
		S int `json:"s"`
	}
	if _, data, err := c.ReadMessage(); err != nil || json.Unmarshal(data, &hello) != nil || hello.S != 1 {
		t.Fatalf("gateway: want HELLO first, got %s (%v)", data, err)
	}
	return func(what string, ok func(kookEvent) bool) kookEvent {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			_ = c.SetReadDeadline(deadline)
			_, data, err := c.ReadMessage()
			if err != nil {
				t.Fatalf("waiting for %s: %v", what, err)
			}
			var f struct {
				S int       `json:"s"`
				D kookEvent `json:"d"`
			}
			if json.Unmarshal(data, &f) == nil && f.S == 0 && ok(f.D) {
				return f.D
			}
		}
	}
}

func dashed(hex string) string {
	u, _ := parseHex(hex)
	return u.String()
}

// A KOOK channel is a Yunhu group: what one face does, the other shows.
func TestCrossFaceWithKOOK(t *testing.T) {
	w := newWorld(t)
	e := w.e
	ownerGW := gateway(t, e, w.owner.Token)
	ch := w.channelID

	// Yunhu → KOOK: the message, its event, its edit and its recall.
	id := w.send(t, w.member.Token, yhpb.ChatType_group, ch, "from yunhu")
	ev := ownerGW("the Yunhu message", func(ev kookEvent) bool { return ev.MsgID == dashed(id) })
	if ev.Content != "from yunhu" || ev.TargetID != ch || ev.Type != 1 {
		t.Errorf("KOOK event: %+v", ev)
	}
	r := e.KOOK(w.owner.Token, "GET", "/message/list", map[string]string{"target_id": ch})
	var page struct {
		Items []struct {
			ID      string `json:"id"`
			Content string `json:"content"`
			Author  struct {
				ID string `json:"id"`
			} `json:"author"`
		} `json:"items"`
	}
	if r.Code != 0 || json.Unmarshal(r.Data, &page) != nil || len(page.Items) != 1 || page.Items[0].ID != dashed(id) ||
		page.Items[0].Content != "from yunhu" || page.Items[0].Author.ID != w.member.ID {
		t.Fatalf("KOOK message/list: %s", r.Body)
	}
	wantCode(t, "edit", call(t, e, "edit-message", w.member.Token, &yhpb.SendMsgRequest{MsgId: id, ChatId: ch, ChatType: 2,
		ContentType: 1, Content: text("edited in yunhu")}, nil), 1)
	ownerGW("updated_message", func(ev kookEvent) bool { return ev.Extra.Type == "updated_message" })
	r = e.KOOK(w.owner.Token, "GET", "/message/view", map[string]string{"msg_id": dashed(id)})
	if r.Code != 0 || !jsonHas(r.Data, "content", "edited in yunhu") {
		t.Errorf("KOOK message/view after the Yunhu edit: %s", r.Body)
	}
	wantCode(t, "recall", call(t, e, "recall-msg", w.member.Token, &yhpb.RecallMsg{MsgId: []string{id}, ChatId: ch, ChatType: 2}, nil), 1)
	ownerGW("deleted_message", func(ev kookEvent) bool { return ev.Extra.Type == "deleted_message" })

	// KOOK → Yunhu: a message, its edit, its recall.
	r = e.KOOK(w.owner.Token, "POST", "/message/create", map[string]any{"target_id": ch, "content": "from kook", "type": 9})
	var created struct {
		MsgID string `json:"msg_id"`
	}
	if r.Code != 0 || json.Unmarshal(r.Data, &created) != nil {
		t.Fatalf("KOOK message/create: %s", r.Body)
	}
	l := w.list(t, w.member.Token, yhpb.ChatType_group, ch, 5)
	if len(l) != 2 || dashed(l[1].MsgId) != created.MsgID || l[1].Content.Text != "from kook" || l[1].Sender.ChatId != w.owner.ID ||
		l[0].RecallTime == 0 {
		t.Fatalf("Yunhu list of the channel: %v", l)
	}
	r = e.KOOK(w.owner.Token, "POST", "/message/update", map[string]any{"msg_id": created.MsgID, "content": "edited in kook"})
	if r.Code != 0 {
		t.Fatalf("KOOK message/update: %s", r.Body)
	}
	l = w.list(t, w.member.Token, yhpb.ChatType_group, ch, 1)
	if l[0].Content.Text != "edited in kook" || l[0].EditTime == 0 {
		t.Errorf("Yunhu after the KOOK edit: %v", l[0])
	}
	env := callJSON(t, e, "list-message-edit-record", w.member.Token, map[string]any{"msgId": l[0].MsgId})
	if env.Code != 1 || !jsonHasTotal(env.Data, 1) {
		t.Errorf("edit records of a KOOK edit: %+v", env)
	}
	r = e.KOOK(w.owner.Token, "POST", "/message/delete", map[string]any{"msg_id": created.MsgID})
	if r.Code != 0 {
		t.Fatalf("KOOK message/delete: %s", r.Body)
	}
	l = w.list(t, w.member.Token, yhpb.ChatType_group, ch, 1)
	if l[0].RecallTime == 0 || l[0].Content.Text != "" {
		t.Errorf("Yunhu after the KOOK delete: %v", l[0])
	}
}

// A button click reported through Yunhu reaches the bot that wrote the
// message, in KOOK as message_btn_click.
func TestButtonReportReachesTheBot(t *testing.T) {
	w := newWorld(t)
	botGW := gateway(t, w.e, w.bot.Token)
	id := msgID()
	wantCode(t, "bot sends", call(t, w.e, "send-message", w.bot.Token, &yhpb.SendMsgRequest{MsgId: id, ChatId: w.groupID,
		ChatType: 2, ContentType: 1, Content: &yhpb.MsgContent{Text: "pick", Buttons: `[[{"text":"A","actionType":3,"value":"a"}]]`}}, nil), 1)
	wantCode(t, "report", call(t, w.e, "button-report", w.member.Token, &yhpb.ButtonReportRequest{MsgId: id, ChatId: w.groupID,
		ChatType: 2, UserId: w.member.ID, ButtonValue: "a"}, nil), 1)
	ev := botGW("message_btn_click", func(ev kookEvent) bool { return ev.Extra.Type == "message_btn_click" })
	var body struct {
		MsgID  string `json:"msg_id"`
		UserID string `json:"user_id"`
		Value  string `json:"value"`
	}
	if json.Unmarshal(ev.Extra.Body, &body) != nil || body.MsgID != dashed(id) || body.UserID != w.member.ID || body.Value != "a" {
		t.Errorf("click event: %s", ev.Extra.Body)
	}
	wantCode(t, "someone else's user_id", call(t, w.e, "button-report", w.member.Token, &yhpb.ButtonReportRequest{MsgId: id,
		ChatId: w.groupID, ChatType: 2, UserId: w.owner.ID, ButtonValue: "a"}, nil), -2)
	human := w.send(t, w.owner.Token, 2, w.groupID, "no bot")
	wantCode(t, "a person's message", call(t, w.e, "button-report", w.member.Token, &yhpb.ButtonReportRequest{MsgId: human,
		ChatId: w.groupID, ChatType: 2, ButtonValue: "a"}, nil), -2)
	wantCode(t, "no value", call(t, w.e, "button-report", w.member.Token, &yhpb.ButtonReportRequest{MsgId: id,
		ChatId: w.groupID, ChatType: 2}, nil), -2)
}

func jsonHas(raw json.RawMessage, key, want string) bool {
	var m map[string]any
	return json.Unmarshal(raw, &m) == nil && m[key] == want
}

func jsonHasTotal(raw json.RawMessage, n int) bool {
	var d struct{ Total int }
	return json.Unmarshal(raw, &d) == nil && d.Total == n
}
