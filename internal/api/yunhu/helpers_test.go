package yunhu_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/testenv"

	"google.golang.org/protobuf/proto"
)

// post sends body to /v1/msg/path with the header token (none when empty).
func post(t testing.TB, e *testenv.Env, path, token string, body []byte) (status int, ctype string, resp []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", e.URL+"/v1/msg/"+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("token", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	resp, err = io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), resp
}

// call sends req as protobuf and decodes the answer into resp (a
// StatusResponse when nil), returning its Status.
func call(t testing.TB, e *testenv.Env, path, token string, req proto.Message, resp proto.Message) *yhpb.Status {
	t.Helper()
	body, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return callRaw(t, e, path, token, body, resp)
}

func callRaw(t testing.TB, e *testenv.Env, path, token string, body []byte, resp proto.Message) *yhpb.Status {
	t.Helper()
	status, ctype, raw := post(t, e, path, token, body)
	if status != http.StatusOK || ctype != "application/x-protobuf" {
		t.Fatalf("%s: status %d, content type %q: %q", path, status, ctype, raw)
	}
	if resp == nil {
		resp = &yhpb.StatusResponse{}
	}
	if err := proto.Unmarshal(raw, resp); err != nil {
		t.Fatalf("%s: response is not protobuf: %v", path, err)
	}
	st := resp.ProtoReflect().Get(resp.ProtoReflect().Descriptor().Fields().ByName("status")).Message().Interface().(*yhpb.Status)
	if st == nil || st.RequestId == 0 || st.Msg == "" {
		t.Fatalf("%s: no complete status in %v", path, resp)
	}
	return st
}

type envelope struct {
	Code int             `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}

func callJSON(t testing.TB, e *testenv.Env, path, token string, body any) envelope {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	status, ctype, resp := post(t, e, path, token, raw)
	var env envelope
	if status != http.StatusOK || !strings.HasPrefix(ctype, "application/json") || json.Unmarshal(resp, &env) != nil {
		t.Fatalf("%s: status %d, %q: %s", path, status, ctype, resp)
	}
	return env
}

func wantCode(t testing.TB, what string, st *yhpb.Status, code int32) {
	t.Helper()
	if st.Code != code {
		t.Errorf("%s: code %d (%s), want %d", what, st.Code, st.Msg, code)
	}
}

func msgID() string { return chat.NewUUID().Hex() }

func text(s string) *yhpb.MsgContent { return &yhpb.MsgContent{Text: s} }

// world is a guild with a channel, a group and their users.
type world struct {
	e                    *testenv.Env
	owner, admin, member testenv.User
	outsider, bot        testenv.User
	guildID, channelID   string
	groupID              string
}

func newWorld(t *testing.T) *world {
	w := &world{e: testenv.New(t)}
	e := w.e
	w.owner, w.admin, w.member = e.CreateUser("owner", false), e.CreateUser("admin", false), e.CreateUser("member", false)
	w.outsider, w.bot = e.CreateUser("outsider", false), e.CreateUser("bot", true)
	w.guildID, w.channelID = e.CreateGuild("guild", w.owner.ID)
	e.AddMember(w.guildID, w.member.ID)
	e.AddMember(w.guildID, w.bot.ID)
	body := `{"name":"team","owner_id":"` + w.owner.ID + `","member_ids":["` + w.admin.ID + `","` + w.member.ID + `","` +
		w.bot.ID + `"],"admin_ids":["` + w.admin.ID + `"]}`
	status, resp := e.Admin("POST", "/groups", body)
	if status != http.StatusCreated {
		t.Fatalf("create group: %d %s", status, resp)
	}
	var g struct{ ID string }
	if err := json.Unmarshal(resp, &g); err != nil {
		t.Fatal(err)
	}
	w.groupID = g.ID
	return w
}

// send sends text to a group as the owner of token and returns its msg_id.
func (w *world) send(t testing.TB, token string, chatType yhpb.ChatType, chatID, s string) string {
	t.Helper()
	id := msgID()
	st := call(t, w.e, "send-message", token, &yhpb.SendMsgRequest{MsgId: id, ChatId: chatID, ChatType: chatType,
		ContentType: yhpb.ContentType_text, Content: text(s)}, nil)
	wantCode(t, "send-message", st, 1)
	return id
}

// list returns the newest count messages of a chat through list-message.
func (w *world) list(t testing.TB, token string, chatType yhpb.ChatType, chatID string, count int32) []*yhpb.ListMsgResponse_MsgData {
	t.Helper()
	var resp yhpb.ListMsgResponse
	st := call(t, w.e, "list-message", token, &yhpb.ListMsgRequest{MsgCount: count, ChatId: chatID, ChatType: chatType}, &resp)
	wantCode(t, "list-message", st, 1)
	return resp.Data
}

func parseHex(s string) (chat.UUID, error) { return chat.ParseUUID(s) }

// userOf is the core's user behind a testenv user.
func userOf(t testing.TB, e *testenv.Env, u testenv.User) chat.User {
	t.Helper()
	cu, err := e.Service.Authenticate(t.Context(), u.Token)
	if err != nil {
		t.Fatal(err)
	}
	return cu
}
