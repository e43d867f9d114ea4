package lanying_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/api/lanying"
	"github.com/chatd/chatd/internal/testenv"
)

// receiver is an app's webhook endpoint: it records every attempt and
// answers fail() ? 500 : 200.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	attempts []attempt
	fail     func(n int) bool // n: attempts so far, counting this one
	got      chan attempt
}

type attempt struct {
	body      []byte
	signature string
	ok        bool
}

func newReceiver(t *testing.T, fail func(n int) bool) *receiver {
	r := &receiver{fail: fail, got: make(chan attempt, 100)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		a := attempt{body: body, signature: req.Header.Get("signature")}
		a.ok = !r.fail(len(r.attempts) + 1)
		r.attempts = append(r.attempts, a)
		r.mu.Unlock()
		if !a.ok {
			w.WriteHeader(http.StatusInternalServerError)
		}
		r.got <- a
	}))
	t.Cleanup(r.Close)
	return r
}

// delivered waits for the next successful delivery.
func (r *receiver) delivered(t *testing.T, what string) attempt {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case a := <-r.got:
			if a.ok {
				return a
			}
		case <-deadline:
			t.Fatalf("no delivery of %s", what)
		}
	}
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.attempts)
}

type hookBody struct {
	AppID string `json:"appId"`
	From  struct {
		UID json.Number `json:"uid"`
	} `json:"from"`
	To struct {
		UID json.Number `json:"uid"`
	} `json:"to"`
	Type    string      `json:"type"`
	CType   string      `json:"ctype"`
	Content string      `json:"content"`
	Ext     string      `json:"ext"`
	MsgID   json.Number `json:"msgId"`
}

func decodeHook(t *testing.T, raw []byte) hookBody {
	t.Helper()
	var b hookBody
	dec := json.NewDecoder(bytesReader(raw))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("webhook body %s: %v", raw, err)
	}
	return b
}

func setWebhook(t *testing.T, env *testenv.Env, appID string, body map[string]any, want int) {
	t.Helper()
	status, resp := env.Admin("PATCH", "/apps/"+appID, body)
	if status != want {
		t.Fatalf("PATCH /apps/%s %v: %d %s, want %d", appID, body, status, resp, want)
	}
}

func fastHooks() testenv.Config {
	return testenv.Config{LanyingWebhooks: lanying.WebhookOptions{Timeout: 2 * time.Second,
		Retries: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}}}
}

func TestMessageWebhook(t *testing.T) {
	env := testenv.NewWith(t, fastHooks())
	a, other := newApp(t, env, "hooked"), newApp(t, env, "quiet")
	alice, ac := a.user(t, "alice", "")
	bob, _ := a.user(t, "bob", "")
	carol, cc := other.user(t, "carol", "")
	dave, _ := other.user(t, "dave", "")
	// The first two attempts fail with 500: the message comes on the third.
	rcv := newReceiver(t, func(n int) bool { return n <= 2 })

	setWebhook(t, env, a.id, map[string]any{"webhook_url": "ftp://x"}, http.StatusBadRequest)
	setWebhook(t, env, "42", map[string]any{"webhook_url": rcv.URL}, http.StatusNotFound)
	setWebhook(t, env, a.id, map[string]any{"webhook_url": rcv.URL + "/messages", "webhook_secret": "s3cret"}, http.StatusOK)

	r := ac.do("POST", "/message/send", map[string]any{"type": 1, "targets": []int64{bob}, "content_type": 0,
		"content": "hello bob", "ext": `{"k":"v"}`})
	r.ok(t, "send", nil)
	msg := ids(t, r.MsgIDs)[0]
	got := rcv.delivered(t, "the direct message")
	if n := rcv.count(); n != 3 {
		t.Errorf("attempts = %d, want 3 (two 500s, then 200)", n)
	}
	if got.signature != "s3cret" {
		t.Errorf("signature header %q, want the app's secret", got.signature)
	}
	b := decodeHook(t, got.body)
	if b.AppID != a.id || b.From.UID.String() != s(alice) || b.To.UID.String() != s(bob) || b.Type != "CHAT" ||
		b.CType != "TEXT" || b.Content != "hello bob" || b.Ext != `{"k":"v"}` || b.MsgID.String() != s(msg) {
		t.Errorf("webhook body %s", got.body)
	}

	// A group message: to is the group; an image keeps its ctype.
	var g struct {
		GroupID json.Number `json:"group_id"`
	}
	ac.do("POST", "/group/create", map[string]any{"name": "team", "user_list": []int64{bob}}).ok(t, "group/create", &g)
	ac.do("POST", "/message/send", map[string]any{"type": 2, "targets": []any{g.GroupID}, "content_type": 1,
		"content": "pic"}).ok(t, "group send", nil)
	b = decodeHook(t, rcv.delivered(t, "the group message").body)
	if b.Type != "GROUPCHAT" || b.To.UID.String() != g.GroupID.String() || b.CType != "IMAGE" || b.Content != "pic" {
		t.Errorf("group webhook body %+v", b)
	}

	// Another app's messages never reach this app's webhook; removing the
	// URL stops delivery.
	cc.do("POST", "/message/send", map[string]any{"type": 1, "targets": []int64{dave}, "content_type": 0,
		"content": "not yours"}).ok(t, "other app send", nil)
	setWebhook(t, env, a.id, map[string]any{"webhook_url": ""}, http.StatusOK)
	time.Sleep(50 * time.Millisecond)
	ac.do("POST", "/message/send", map[string]any{"type": 1, "targets": []int64{bob}, "content_type": 0,
		"content": "unhooked"}).ok(t, "send after removal", nil)
	time.Sleep(300 * time.Millisecond)
	if n := rcv.count(); n != 4 {
		t.Errorf("attempts after another app's message and the removal = %d, want 4", n)
	}
	_ = carol
}

// A delivery is in the store before its first attempt: a restart resumes
// what was not delivered.
func TestMessageWebhookSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := fastHooks()
	cfg.Dir = dir
	cfg.LanyingWebhooks.Retries = []time.Duration{time.Hour} // the first run never gets to retry
	var down atomic.Bool
	down.Store(true)
	rcv := newReceiver(t, func(int) bool { return down.Load() })

	env := testenv.NewWith(t, cfg)
	a := newApp(t, env, "durable")
	_, ac := a.user(t, "alice", "")
	bob, _ := a.user(t, "bob", "")
	setWebhook(t, env, a.id, map[string]any{"webhook_url": rcv.URL, "webhook_secret": "k"}, http.StatusOK)
	r := ac.do("POST", "/message/send", map[string]any{"type": 1, "targets": []int64{bob}, "content_type": 0, "content": "keep me"})
	r.ok(t, "send", nil)
	select {
	case <-rcv.got: // the failed first attempt
	case <-time.After(10 * time.Second):
		t.Fatal("no first attempt")
	}
	env.Close()

	down.Store(false)
	cfg.LanyingWebhooks.Retries = nil
	testenv.NewWith(t, cfg)
	b := decodeHook(t, rcv.delivered(t, "the message after the restart").body)
	if b.Content != "keep me" || b.MsgID.String() != s(ids(t, r.MsgIDs)[0]) {
		t.Errorf("resumed delivery %+v", b)
	}
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
