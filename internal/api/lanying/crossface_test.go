package lanying_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"google.golang.org/protobuf/proto"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/testenv"
)

// yunhuCall posts a protobuf request to Yunhu's /v1/msg/path.
func yunhuCall(t *testing.T, env *testenv.Env, path, token string, req, resp proto.Message) *yhpb.Status {
	t.Helper()
	body, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	hr, _ := http.NewRequest("POST", env.URL+"/v1/msg/"+path, bytes.NewReader(body))
	hr.Header.Set("token", token)
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if resp == nil {
		resp = &yhpb.StatusResponse{}
	}
	if err := proto.Unmarshal(raw, resp); err != nil {
		t.Fatalf("%s: %v: %q", path, err, raw)
	}
	return resp.(interface{ GetStatus() *yhpb.Status }).GetStatus()
}

// yunhuPushes logs token's user into Yunhu's push socket and returns a
// function that waits for the next push_message.
func yunhuPushes(t *testing.T, env *testenv.Env, uid int64, token string) func(what string) *yhpb.PushMessage {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(env.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	login, _ := json.Marshal(map[string]any{"seq": "login-1", "cmd": "login",
		"data": map[string]any{"userId": s(uid), "token": token, "platform": "Web", "deviceId": "d"}})
	if err := c.WriteMessage(websocket.TextMessage, login); err != nil {
		t.Fatal(err)
	}
	next := func() *yhpb.WsWrapper {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, data, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("push socket: %v", err)
		}
		var w yhpb.WsWrapper
		if err := proto.Unmarshal(data, &w); err != nil {
			t.Fatalf("push socket frame: %v", err)
		}
		return &w
	}
	var st yhpb.Status
	if w := next(); w.GetInfo().GetCmd() != "login" || proto.Unmarshal(w.GetData().GetValue(), &st) != nil || st.Code != 1 {
		t.Fatalf("push socket login: %v", w)
	}
	return func(what string) *yhpb.PushMessage {
		t.Helper()
		for {
			w := next()
			if w.GetInfo().GetCmd() != "push_message" {
				continue
			}
			var p yhpb.PushMessage
			if err := proto.Unmarshal(w.GetData().GetValue(), &p); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			return &p
		}
	}
}

// kookEvents connects token's user to the KOOK gateway and returns a
// function that waits for the next message event (s=0, type < 255).
func kookEvents(t *testing.T, env *testenv.Env, token string) func(what string) map[string]any {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(env.GatewayURL(token, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	read := func() map[string]any {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, data, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("KOOK gateway: %v", err)
		}
		var f struct {
			S int            `json:"s"`
			D map[string]any `json:"d"`
		}
		_ = json.Unmarshal(data, &f)
		f.D["s"] = float64(f.S)
		return f.D
	}
	if hello := read(); hello["s"] != float64(1) {
		t.Fatalf("KOOK gateway: want HELLO, got %v", hello)
	}
	return func(what string) map[string]any {
		t.Helper()
		for {
			if d := read(); d["s"] == float64(0) && d["type"] != float64(255) {
				return d
			}
		}
	}
}

// A Lanying group is the core's group chat: Yunhu sees it as chat type 2
// (listing and push socket) and KOOK's gateway delivers its messages; a
// Yunhu send shows in Lanying's history. One login token works on every
// face. KOOK's REST API addresses channels of guilds only, so it cannot
// name a guild-less group.
func TestCrossFace(t *testing.T) {
	env := testenv.New(t)
	a := newApp(t, env, "cross")
	alice, ac := a.user(t, "alice", "phone")
	bob, bc := a.user(t, "bob", "")
	var g struct {
		GroupID json.Number `json:"group_id"`
	}
	ac.do("POST", "/group/create", map[string]any{"name": "team", "user_list": []int64{bob}}).ok(t, "group/create", &g)
	gid := g.GroupID.String()

	bobPush := yunhuPushes(t, env, bob, bc.token)
	bobKOOK := kookEvents(t, env, bc.token)

	// Lanying → Yunhu and KOOK.
	r := ac.do("POST", "/message/send", map[string]any{"type": 2, "targets": []any{g.GroupID}, "content_type": 0,
		"content": "from lanying"})
	r.ok(t, "send", nil)
	msg := ids(t, r.MsgIDs)[0]
	var list yhpb.ListMsgResponse
	if st := yunhuCall(t, env, "list-message", bc.token, &yhpb.ListMsgRequest{MsgCount: 5, ChatId: gid,
		ChatType: yhpb.ChatType_group}, &list); st.GetCode() != 1 {
		t.Fatalf("Yunhu list-message of the Lanying group: %v", st)
	}
	if len(list.Data) != 1 || list.Data[0].Content.GetText() != "from lanying" || list.Data[0].Sender.GetChatId() != s(alice) {
		t.Fatalf("Yunhu list of the Lanying group: %v", list.Data)
	}
	p := bobPush("the Lanying message")
	if p.ChatId != gid || p.ChatType != yhpb.ChatType_group || p.Content.GetText() != "from lanying" ||
		p.Sender.GetChatId() != s(alice) || p.MsgSeq != 1 {
		t.Errorf("Yunhu push of the Lanying message: %v", p)
	}
	ev := bobKOOK("the Lanying message")
	if ev["target_id"] != gid || ev["content"] != "from lanying" || ev["author_id"] != s(alice) {
		t.Errorf("KOOK gateway event of the Lanying message: %v", ev)
	}
	if rr := env.KOOK(bc.token, "GET", "/message/list", map[string]string{"target_id": gid}); rr.Code == 0 {
		t.Errorf("KOOK message/list addressed a guild-less group: %s", rr.Body)
	}

	// It is one message: Yunhu's msg_id is the UUID behind Lanying's msg_id.
	bobUser, err := env.Service.Authenticate(t.Context(), bc.token)
	if err != nil {
		t.Fatal(err)
	}
	m, err := env.Service.MessageByID(t.Context(), bobUser, msg)
	if err != nil || m.UUID.Hex() != list.Data[0].MsgId || m.UUID.Hex() != p.MsgId {
		t.Errorf("message %d: %v %v; Yunhu msg_ids %s %s", msg, m.UUID, err, list.Data[0].MsgId, p.MsgId)
	}

	// Yunhu → Lanying: a group message and a direct message.
	yid := chat.NewUUID().Hex()
	if st := yunhuCall(t, env, "send-message", bc.token, &yhpb.SendMsgRequest{MsgId: yid, ChatId: gid,
		ChatType: yhpb.ChatType_group, ContentType: yhpb.ContentType_text, Content: &yhpb.MsgContent{Text: "from yunhu"}}, nil); st.GetCode() != 1 {
		t.Fatalf("Yunhu send to the Lanying group: %v", st)
	}
	h := ac.history(t, mustInt(t, gid), "")
	if len(h.Messages) != 2 || h.Messages[0].Content != "from yunhu" || h.Messages[0].FromXID.UID.String() != s(bob) ||
		h.Messages[0].ToXID.UID.String() != gid || h.Messages[1].MsgID.String() != s(msg) {
		t.Errorf("Lanying history of the group after the Yunhu send: %+v", h.Messages)
	}
	if u := ac.unread(t); u[gid] != 1 {
		t.Errorf("alice's unread after the Yunhu send: %v", u)
	}
	if st := yunhuCall(t, env, "send-message", bc.token, &yhpb.SendMsgRequest{MsgId: chat.NewUUID().Hex(), ChatId: s(alice),
		ChatType: yhpb.ChatType_user, ContentType: yhpb.ContentType_text, Content: &yhpb.MsgContent{Text: "dm from yunhu"}}, nil); st.GetCode() != 1 {
		t.Fatalf("Yunhu direct send: %v", st)
	}
	h = ac.history(t, bob, "")
	if len(h.Messages) != 1 || h.Messages[0].Content != "dm from yunhu" || h.Messages[0].ToXID.UID.String() != s(alice) {
		t.Errorf("Lanying history of the direct chat: %+v", h.Messages)
	}
	// The direct chat is KOOK's direct chat too.
	if rr := env.KOOK(ac.token, "GET", "/direct-message/list", map[string]string{"target_id": s(bob)}); rr.Code != 0 ||
		!strings.Contains(string(rr.Data), "dm from yunhu") {
		t.Errorf("KOOK direct-message/list of the direct chat: %s", rr.Body)
	}
}

func mustInt(t *testing.T, v string) int64 {
	t.Helper()
	n, err := json.Number(v).Int64()
	if err != nil {
		t.Fatal(err)
	}
	return n
}
