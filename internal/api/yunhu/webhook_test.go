package yunhu_test

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/api/kook"
	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
	"github.com/chatd/chatd/internal/testenv"
)

// receiver is a bot's callback server: it records every body it is sent
// and answers 500 to the first fail requests.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	tries  int
	fail   int
}

func newReceiver(t *testing.T, fail int) *receiver {
	r := &receiver{fail: fail}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.tries++
		if r.tries <= r.fail {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		// A KOOK challenge (zlib, compress is on) is answered as KOOK wants.
		if zr, err := zlib.NewReader(bytes.NewReader(body)); err == nil {
			plain, _ := io.ReadAll(zr)
			var c struct {
				D struct {
					Challenge string `json:"challenge"`
				} `json:"d"`
			}
			if json.Unmarshal(plain, &c) == nil && c.D.Challenge != "" {
				_ = json.NewEncoder(w).Encode(map[string]string{"challenge": c.D.Challenge})
				return
			}
			body = plain
		}
		r.bodies = append(r.bodies, body)
	}))
	t.Cleanup(r.Close)
	return r
}

// yunhuEvent is the subscription envelope as the Go SDK reads it.
type yunhuEvent struct {
	Version string `json:"version"`
	Header  struct {
		EventID   string `json:"eventId"`
		EventType string `json:"eventType"`
		EventTime int64  `json:"eventTime"`
	} `json:"header"`
	Event json.RawMessage `json:"event"`
}

// next waits for the first recorded event of type typ.
func (r *receiver) next(t *testing.T, typ string) yunhuEvent {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		for _, b := range r.bodies {
			var ev yunhuEvent
			if json.Unmarshal(b, &ev) == nil && ev.Header.EventType == typ {
				r.mu.Unlock()
				return ev
			}
		}
		r.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t.Fatalf("no %s event; received %d bodies: %q", typ, len(r.bodies), r.bodies)
	return yunhuEvent{}
}

func setHook(t *testing.T, e *testenv.Env, botID string, body map[string]any) (int, map[string]any) {
	t.Helper()
	status, resp := e.Admin("PATCH", "/users/"+botID, body)
	var out map[string]any
	_ = json.Unmarshal(resp, &out)
	return status, out
}

func decodeInto(t *testing.T, raw json.RawMessage, v any) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields() // every field is one the reference names
	if err := d.Decode(v); err != nil {
		t.Fatalf("event %s: %v", raw, err)
	}
}

// Each subscription event in the reference's shape, at a yunhu-face bot.
func TestWebhookEvents(t *testing.T) {
	w := newWorld(t)
	rec := newReceiver(t, 0)
	status, got := setHook(t, w.e, w.bot.ID, map[string]any{"webhook_url": rec.URL + "/sub", "verify_token": "vt", "face": "yunhu"})
	if status != http.StatusOK || got["face"] != "yunhu" || got["mode"] != "webhook" {
		t.Fatalf("PATCH face yunhu: %d %v", status, got)
	}

	type sender struct {
		SenderID, SenderType, SenderUserLevel, SenderNickname string
	}
	type chatJSON struct{ ChatID, ChatType string }
	type message struct {
		MsgID, ParentID  string
		SendTime         int64
		ChatID, ChatType string
		ContentType      string
		Content          map[string]any
		InstructionID    int64
		InstructionName  string
		CommandID        int64
		CommandName      string
	}
	type msgEvent struct {
		Sender  sender
		Chat    chatJSON
		Message message
	}

	// message.receive.normal: a group message of the admin, quoting one.
	first := w.send(t, w.owner.Token, yhpb.ChatType_group, w.groupID, "first")
	id := msgID()
	wantCode(t, "send", call(t, w.e, "send-message", w.admin.Token, &yhpb.SendMsgRequest{MsgId: id, ChatId: w.groupID,
		ChatType: yhpb.ChatType_group, ContentType: yhpb.ContentType_text, Content: text("你好 <b>"), QuoteMsgId: first}, nil), 1)
	var normal msgEvent
	ev := waitEvent(t, rec, "message.receive.normal", func(raw json.RawMessage) bool {
		normal = msgEvent{}
		decodeInto(t, raw, &normal)
		return normal.Message.MsgID == id
	})
	if ev.Version != "1.0" || len(ev.Header.EventID) != 32 || ev.Header.EventTime == 0 {
		t.Errorf("header: %+v", ev)
	}
	want := msgEvent{Sender: sender{w.admin.ID, "user", "administrator", "admin"}, Chat: chatJSON{w.groupID, "group"},
		Message: message{MsgID: id, ParentID: first, SendTime: normal.Message.SendTime, ChatID: w.groupID, ChatType: "group",
			ContentType: "text", Content: normal.Message.Content}}
	if normal.Message.SendTime == 0 || normal.Message.Content["text"] != "你好 <b>" || !equalJSON(normal, want) {
		t.Errorf("message.receive.normal = %+v, want %+v", normal, want)
	}

	// message.receive.instruction: a direct message to the bot with a command.
	cmd := msgID()
	wantCode(t, "command", call(t, w.e, "send-message", w.member.Token, &yhpb.SendMsgRequest{MsgId: cmd, ChatId: w.bot.ID,
		ChatType: yhpb.ChatType_bot, ContentType: yhpb.ContentType_text, Content: text("/help"), CommandId: 7}, nil), 1)
	var inst msgEvent
	waitEvent(t, rec, "message.receive.instruction", func(raw json.RawMessage) bool {
		inst = msgEvent{}
		decodeInto(t, raw, &inst)
		return inst.Message.MsgID == cmd
	})
	if inst.Chat != (chatJSON{w.bot.ID, "bot"}) || inst.Message.ChatType != "bot" || inst.Message.CommandID != 7 ||
		inst.Message.InstructionID != 7 || inst.Sender.SenderID != w.member.ID || inst.Sender.SenderUserLevel != "unknown" {
		t.Errorf("message.receive.instruction = %+v", inst)
	}

	// The bot's own messages are not its events; button.report.inline is.
	btn := msgID()
	wantCode(t, "bot sends", call(t, w.e, "send-message", w.bot.Token, &yhpb.SendMsgRequest{MsgId: btn, ChatId: w.groupID,
		ChatType: 2, ContentType: 1, Content: &yhpb.MsgContent{Text: "pick", Buttons: `[[{"text":"A","actionType":3,"value":"a"}]]`}}, nil), 1)
	wantCode(t, "report", call(t, w.e, "button-report", w.member.Token, &yhpb.ButtonReportRequest{MsgId: btn, ChatId: w.groupID,
		ChatType: 2, UserId: w.member.ID, ButtonValue: "a"}, nil), 1)
	var click struct {
		MsgID, RecvID, RecvType, UserID, Value string
		Time                                   int64
	}
	decodeInto(t, rec.next(t, "button.report.inline").Event, &click)
	if click.MsgID != btn || click.RecvID != w.groupID || click.RecvType != "group" || click.UserID != w.member.ID ||
		click.Value != "a" || click.Time == 0 {
		t.Errorf("button.report.inline = %+v", click)
	}

	// group.join and group.leave, through Lanying's group API.
	joiner := w.e.CreateUser("joiner", false)
	lanying(t, w.e, w.owner.Token, "POST", "/group/invite", `{"group_id":`+w.groupID+`,"user_list":[`+joiner.ID+`]}`)
	type member struct {
		UserID, Nickname, AvatarURL, ChatID, ChatType string
		Time                                          int64
	}
	var join, leave member
	decodeInto(t, rec.next(t, "group.join").Event, &join)
	if join.UserID != joiner.ID || join.Nickname != "joiner" || join.ChatID != w.groupID || join.ChatType != "group" || join.Time == 0 {
		t.Errorf("group.join = %+v", join)
	}
	lanying(t, w.e, joiner.Token, "POST", "/group/leave?group_id="+w.groupID, "")
	decodeInto(t, rec.next(t, "group.leave").Event, &leave)
	if leave.UserID != joiner.ID || leave.ChatID != w.groupID || leave.ChatType != "group" {
		t.Errorf("group.leave = %+v", leave)
	}

	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, b := range rec.bodies {
		if bytes.Contains(b, []byte(`"pick"`)) {
			t.Errorf("the bot got its own message: %s", b)
		}
		if bytes.Contains(b, []byte(`\u003c`)) {
			t.Errorf("HTML escaped in %s", b)
		}
	}
}

func waitEvent(t *testing.T, rec *receiver, typ string, match func(json.RawMessage) bool) yunhuEvent {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		rec.mu.Lock()
		bodies := append([][]byte(nil), rec.bodies...)
		rec.mu.Unlock()
		for _, b := range bodies {
			var ev yunhuEvent
			if json.Unmarshal(b, &ev) == nil && ev.Header.EventType == typ && match(ev.Event) {
				return ev
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no matching %s event", typ)
	return yunhuEvent{}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func lanying(t *testing.T, e *testenv.Env, token, method, path, body string) {
	t.Helper()
	req, err := http.NewRequest(method, e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("access-token", token)
	req.Header.Set("app_id", "1") // the default app
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	resp, _ := io.ReadAll(res.Body)
	var env struct{ Code int }
	if res.StatusCode != http.StatusOK || json.Unmarshal(resp, &env) != nil || env.Code != 200 {
		t.Fatalf("lanying %s %s: %d %s", method, path, res.StatusCode, resp)
	}
}

// A delivery answered 500 is retried, as KOOK's are, and arrives once.
func TestWebhookRetriesAfter500(t *testing.T) {
	e := testenv.NewWith(t, testenv.Config{Webhooks: kook.WebhookOptions{Retries: []time.Duration{time.Millisecond,
		time.Millisecond, time.Millisecond}}})
	user, bot := e.CreateUser("u", false), e.CreateUser("b", true)
	rec := newReceiver(t, 2)
	if status, got := setHook(t, e, bot.ID, map[string]any{"webhook_url": rec.URL, "verify_token": "vt", "face": "yunhu"}); status != http.StatusOK {
		t.Fatalf("PATCH: %d %v", status, got)
	}
	id := msgID()
	wantCode(t, "send", call(t, e, "send-message", user.Token, &yhpb.SendMsgRequest{MsgId: id, ChatId: bot.ID,
		ChatType: yhpb.ChatType_bot, ContentType: yhpb.ContentType_text, Content: text("hi")}, nil), 1)
	rec.next(t, "message.receive.normal")
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.tries != 3 || len(rec.bodies) != 1 {
		t.Errorf("%d attempts, %d delivered; want 3 and 1", rec.tries, len(rec.bodies))
	}
}

// A kook-face bot (the default) still gets KOOK frames, and switching its
// face switches the format.
func TestWebhookFaceSelectsFormat(t *testing.T) {
	e := testenv.New(t)
	user, bot := e.CreateUser("u", false), e.CreateUser("b", true)
	rec := newReceiver(t, 0)
	status, got := setHook(t, e, bot.ID, map[string]any{"webhook_url": rec.URL, "verify_token": "vt"})
	if status != http.StatusOK || got["face"] != "kook" {
		t.Fatalf("PATCH without face: %d %v", status, got)
	}
	wantCode(t, "send", call(t, e, "send-message", user.Token, &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: bot.ID,
		ChatType: yhpb.ChatType_bot, ContentType: yhpb.ContentType_text, Content: text("to kook")}, nil), 1)
	waitBody(t, rec, func(b []byte) bool {
		var f struct {
			S int `json:"s"`
			D struct {
				Content     string `json:"content"`
				VerifyToken string `json:"verify_token"`
			} `json:"d"`
		}
		return json.Unmarshal(b, &f) == nil && f.S == 0 && f.D.Content == "to kook" && f.D.VerifyToken == "vt"
	})

	if status, got := setHook(t, e, bot.ID, map[string]any{"face": "yunhu"}); status != http.StatusOK || got["face"] != "yunhu" {
		t.Fatalf("PATCH face yunhu: %d %v", status, got)
	}
	wantCode(t, "send", call(t, e, "send-message", user.Token, &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: bot.ID,
		ChatType: yhpb.ChatType_bot, ContentType: yhpb.ContentType_text, Content: text("to yunhu")}, nil), 1)
	ev := rec.next(t, "message.receive.normal")
	if !bytes.Contains(ev.Event, []byte(`"to yunhu"`)) {
		t.Errorf("yunhu event: %s", ev.Event)
	}
}

func waitBody(t *testing.T, rec *receiver, match func([]byte) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		rec.mu.Lock()
		for _, b := range rec.bodies {
			if match(b) {
				rec.mu.Unlock()
				return
			}
		}
		rec.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	t.Fatalf("no matching body among %q", rec.bodies)
}

// An unknown face is refused with 400 naming it, and nothing is stored.
func TestWebhookFaceValidated(t *testing.T) {
	e := testenv.New(t)
	bot := e.CreateUser("b", true)
	rec := newReceiver(t, 0)
	status, resp := e.Admin("PATCH", "/users/"+bot.ID, map[string]any{"webhook_url": rec.URL, "verify_token": "vt", "face": "matrix"})
	if status != http.StatusBadRequest || !bytes.Contains(resp, []byte("face")) || !bytes.Contains(resp, []byte("matrix")) {
		t.Errorf("unknown face: %d %s", status, resp)
	}
	status, resp = e.Admin("GET", "/users/"+bot.ID, nil)
	var got map[string]any
	if status != http.StatusOK || json.Unmarshal(resp, &got) != nil || got["mode"] != "websocket" ||
		got["verify_token"] != "" || got["face"] != "kook" {
		t.Errorf("after the refused PATCH: %d %s", status, resp)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.tries != 0 {
		t.Errorf("the receiver was called %d times", rec.tries)
	}
}
