package yunhu_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
	"github.com/chatd/chatd/internal/testenv"

	"google.golang.org/protobuf/proto"
)

// pushSocket is a Yunhu client's push socket.
type pushSocket struct {
	t *testing.T
	c *websocket.Conn
}

// wsDial opens /ws without logging in.
func wsDial(t *testing.T, e *testenv.Env) *pushSocket {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &pushSocket{t: t, c: c}
}

func (s *pushSocket) sendJSON(kind int, v any) {
	s.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.c.WriteMessage(kind, b); err != nil {
		s.t.Fatal(err)
	}
}

// next reads the next frame, which must be a binary WsWrapper.
func (s *pushSocket) next() (*yhpb.WsWrapper, error) {
	_ = s.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	kind, data, err := s.c.ReadMessage()
	if err != nil {
		return nil, err
	}
	if kind != websocket.BinaryMessage {
		s.t.Fatalf("a text frame from the server: %q", data)
	}
	var w yhpb.WsWrapper
	if err := proto.Unmarshal(data, &w); err != nil {
		s.t.Fatalf("not a WsWrapper: %v", err)
	}
	return &w, nil
}

func (s *pushSocket) mustNext(what string) *yhpb.WsWrapper {
	s.t.Helper()
	w, err := s.next()
	if err != nil {
		s.t.Fatalf("waiting for %s: %v", what, err)
	}
	return w
}

// push reads the next frame, which must carry a PushMessage under cmd.
func (s *pushSocket) push(what, cmd string) *yhpb.PushMessage {
	s.t.Helper()
	w := s.mustNext(what)
	if w.GetInfo().GetCmd() != cmd || w.Data == nil {
		s.t.Fatalf("%s: got cmd %q, want %q with data", what, w.GetInfo().GetCmd(), cmd)
	}
	if w.Data.TypeUrl != "type.googleapis.com/proto.PushMessage" {
		s.t.Errorf("%s: type_url %q", what, w.Data.TypeUrl)
	}
	var p yhpb.PushMessage
	if err := proto.Unmarshal(w.Data.Value, &p); err != nil {
		s.t.Fatalf("%s: not a PushMessage: %v", what, err)
	}
	return &p
}

func loginFrame(u testenv.User, platform string) map[string]any {
	return map[string]any{"seq": "login-1", "cmd": "login",
		"data": map[string]any{"userId": u.ID, "token": u.Token, "platform": platform, "deviceId": "dev-1"}}
}

// loginStatus reads the answer to a login.
func (s *pushSocket) loginStatus() *yhpb.Status {
	s.t.Helper()
	w := s.mustNext("the login answer")
	var st yhpb.Status
	if w.GetInfo().GetCmd() != "login" || w.GetInfo().GetSeq() != "login-1" || w.Data == nil ||
		proto.Unmarshal(w.Data.Value, &st) != nil {
		s.t.Fatalf("login answer: %v", w)
	}
	return &st
}

// wsLogin connects u to the push socket; pushes start once it returns.
func wsLogin(t *testing.T, e *testenv.Env, u testenv.User, kind int) *pushSocket {
	t.Helper()
	s := wsDial(t, e)
	s.sendJSON(kind, loginFrame(u, "Web"))
	if st := s.loginStatus(); st.Code != 1 {
		t.Fatalf("login: %v", st)
	}
	return s
}

// The push socket shows what happens in a chat, whichever face did it, in
// order: a KOOK send, a Yunhu send, an edit, a recall; and nothing of a
// chat its user cannot see.
func TestPushSocketDeliversInOrder(t *testing.T) {
	w := newWorld(t)
	e := w.e
	member := wsLogin(t, e, w.member, websocket.TextMessage)
	outsider := wsLogin(t, e, w.outsider, websocket.BinaryMessage)
	ch := w.channelID

	// KOOK sends KMarkdown (type 9) by default: Yunhu shows it as markdown.
	r := e.KOOK(w.owner.Token, "POST", "/message/create", map[string]any{"target_id": ch, "content": "from kook"})
	var created struct {
		MsgID string `json:"msg_id"`
	}
	if r.Code != 0 || json.Unmarshal(r.Data, &created) != nil {
		t.Fatalf("KOOK message/create: %s", r.Body)
	}
	fromYunhu := w.send(t, w.admin.Token, yhpb.ChatType_group, w.groupID, "from yunhu")
	if r := e.KOOK(w.owner.Token, "POST", "/message/update", map[string]any{"msg_id": created.MsgID, "content": "edited"}); r.Code != 0 {
		t.Fatalf("KOOK message/update: %s", r.Body)
	}
	wantCode(t, "recall", call(t, e, "recall-msg", w.admin.Token, &yhpb.RecallMsg{MsgId: []string{fromYunhu},
		ChatId: w.groupID, ChatType: 2}, nil), 1)
	dm := w.send(t, w.owner.Token, yhpb.ChatType_user, w.member.ID, "direct")

	// Order holds per chat (the hub's guarantee), not across chats.
	byChat := map[string][]*yhpb.PushMessage{}
	for range 5 {
		w := member.mustNext("a push")
		var p yhpb.PushMessage
		if w.Data == nil || proto.Unmarshal(w.Data.Value, &p) != nil {
			t.Fatalf("push: %v", w)
		}
		if w.Info.GetCmd() == "edit_message" && p.EditTime == 0 || w.Info.GetCmd() != "edit_message" && w.Info.GetCmd() != "push_message" {
			t.Fatalf("cmd %q with %v", w.Info.GetCmd(), &p)
		}
		byChat[p.ChatId] = append(byChat[p.ChatId], &p)
	}
	if l := byChat[ch]; len(l) != 2 {
		t.Fatalf("channel pushes: %v", l)
	}
	if l := byChat[w.groupID]; len(l) != 2 {
		t.Fatalf("group pushes: %v", l)
	}
	p := byChat[ch][0]
	if dashed(p.MsgId) != created.MsgID || p.ChatId != ch || p.RecvId != ch || p.ChatType != yhpb.ChatType_group ||
		p.Content.GetText() != "from kook" || p.ContentType != yhpb.ContentType_markdown || p.Sender.GetChatId() != w.owner.ID ||
		p.Sender.GetName() == "" || p.Timestamp == 0 || p.MsgSeq != 1 || p.DeleteTimestamp != 0 || p.EditTime != 0 {
		t.Errorf("KOOK message push: %v", p)
	}
	p = byChat[w.groupID][0]
	if p.MsgId != fromYunhu || p.ChatId != w.groupID || p.ChatType != yhpb.ChatType_group || p.Content.GetText() != "from yunhu" ||
		p.Sender.GetChatId() != w.admin.ID || p.MsgSeq != 1 || p.DeleteTimestamp != 0 {
		t.Errorf("Yunhu message push: %v", p)
	}
	p = byChat[ch][1]
	if dashed(p.MsgId) != created.MsgID || p.ChatId != ch || p.Content.GetText() != "edited" || p.EditTime == 0 ||
		p.Sender != nil || p.MsgSeq != 1 {
		t.Errorf("edit push: %v", p)
	}
	p = byChat[w.groupID][1]
	if p.MsgId != fromYunhu || p.ChatId != w.groupID || p.DeleteTimestamp == 0 || p.Content.GetText() != "" || p.MsgSeq != 1 {
		t.Errorf("recall push: %v", p)
	}
	if l := byChat[w.owner.ID]; len(l) != 1 || l[0].MsgId != dm || l[0].RecvId != w.member.ID ||
		l[0].ChatType != yhpb.ChatType_user || l[0].Content.GetText() != "direct" {
		t.Errorf("direct message push: %v", l)
	}

	// The outsider sees none of it: the first push it gets is a direct
	// message sent after everything above.
	sentinel := w.send(t, w.member.Token, yhpb.ChatType_user, w.outsider.ID, "hello outsider")
	p = outsider.push("the outsider's direct message", "push_message")
	if p.MsgId != sentinel || p.ChatId != w.member.ID || p.RecvId != w.outsider.ID {
		t.Errorf("the outsider's first push: %v", p)
	}
	// And the sender's own socket sees its direct message, seen from its
	// side: chat_id is the peer.
	p = member.push("the member's own direct message", "push_message")
	if p.MsgId != sentinel || p.ChatId != w.outsider.ID || p.RecvId != w.member.ID {
		t.Errorf("the sender's push of its direct message: %v", p)
	}
}

// A message to a bot is pushed with chat_type 3 on the person's side.
func TestPushSocketBotChat(t *testing.T) {
	w := newWorld(t)
	s := wsLogin(t, w.e, w.member, websocket.TextMessage)
	id := w.send(t, w.bot.Token, yhpb.ChatType_user, w.member.ID, "beep")
	p := s.push("the bot's message", "push_message")
	if p.MsgId != id || p.ChatId != w.bot.ID || p.ChatType != yhpb.ChatType_bot || p.Sender.GetChatType() != yhpb.ChatType_bot {
		t.Errorf("bot message push: %v", p)
	}
}

func TestPushSocketHeartbeat(t *testing.T) {
	w := newWorld(t)
	s := wsLogin(t, w.e, w.member, websocket.TextMessage)
	for i, kind := range []int{websocket.TextMessage, websocket.BinaryMessage} {
		seq := []string{"hb-text", "hb-binary"}[i]
		s.sendJSON(kind, map[string]any{"seq": seq, "cmd": "heartbeat", "data": map[string]any{}})
		f := s.mustNext("heartbeat_ack")
		if f.GetInfo().GetCmd() != "heartbeat_ack" || f.GetInfo().GetSeq() != seq || f.Data != nil {
			t.Errorf("heartbeat answer: %v", f)
		}
	}
	// A draft is accepted silently; the socket stays up.
	s.sendJSON(websocket.TextMessage, map[string]any{"seq": "d", "cmd": "inputInfo",
		"data": map[string]any{"chatId": w.groupID, "input": "typing", "deviceId": "dev-1"}})
	s.sendJSON(websocket.TextMessage, map[string]any{"seq": "hb", "cmd": "heartbeat", "data": map[string]any{}})
	if f := s.mustNext("heartbeat_ack"); f.GetInfo().GetCmd() != "heartbeat_ack" {
		t.Errorf("after a draft: %v", f)
	}
}

// A bad login gets a login answer with a failure Status, then a close
// frame with 1008 and the reason.
func TestPushSocketBadLogin(t *testing.T) {
	w := newWorld(t)
	bad := func(mut func(m map[string]any)) map[string]any {
		m := loginFrame(w.member, "Web")
		mut(m)
		return m
	}
	data := func(m map[string]any) map[string]any { return m["data"].(map[string]any) }
	cases := []struct {
		name  string
		frame any // string: sent verbatim
		code  int32
	}{
		{"not JSON", "hello", -2},
		{"heartbeat first", map[string]any{"seq": "login-1", "cmd": "heartbeat", "data": map[string]any{}}, -2},
		{"data not an object", bad(func(m map[string]any) { m["data"] = "x" }), -2},
		{"unknown platform", bad(func(m map[string]any) { data(m)["platform"] = "web" }), -2},
		{"no token", bad(func(m map[string]any) { data(m)["token"] = "" }), -101},
		{"bad token", bad(func(m map[string]any) { data(m)["token"] = "nope" }), -101},
		{"someone else's userId", bad(func(m map[string]any) { data(m)["userId"] = w.owner.ID }), -101},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := wsDial(t, w.e)
			if str, ok := c.frame.(string); ok {
				if err := s.c.WriteMessage(websocket.TextMessage, []byte(str)); err != nil {
					t.Fatal(err)
				}
			} else {
				s.sendJSON(websocket.TextMessage, c.frame)
			}
			f := s.mustNext("the refusal")
			var st yhpb.Status
			if f.GetInfo().GetCmd() != "login" || f.Data == nil || proto.Unmarshal(f.Data.Value, &st) != nil {
				t.Fatalf("refusal: %v", f)
			}
			if st.Code != c.code || st.Msg == "" {
				t.Errorf("status %v, want code %d", &st, c.code)
			}
			_, err := s.next()
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation || ce.Text == "" {
				t.Errorf("want close 1008 with a reason, got %v", err)
			}
		})
	}
}
