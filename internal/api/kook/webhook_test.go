package kook_test

import (
	"bytes"
	"compress/zlib"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chatd/chatd/internal/api/kook"
	"github.com/chatd/chatd/internal/testenv"
)

// receiver is a bot's webhook endpoint, written from reference/kook.md §2
// alone: it inflates (unless its URL says compress=0), decrypts (when it
// has a key: base64, the first 16 bytes are the IV, base64 again, AES-256-
// CBC with the key NUL-padded to 32, PKCS#7 unpad), answers the challenge
// and records events. status decides the answer to each event attempt.
type receiver struct {
	t     testing.TB
	srv   *httptest.Server
	URL   string
	key   string
	token string

	mu         sync.Mutex
	status     func(attempt int, sn int64) int // default 200
	challenges []string
	attempts   map[int64]int  // event attempts by sn
	delivered  []hookEvent    // events answered with 2xx, in order
	bodies     [][]byte       // raw bodies of events, as received
	arrived    chan hookEvent // every event attempt
	badChall   bool           // answer challenges wrongly
	slowChall  time.Duration  // wait before answering a challenge
	failChall  int            // answer challenges with this status
	problems   []string
}

type hookEvent struct {
	SN    int64           `json:"sn"`
	S     int             `json:"s"`
	D     json.RawMessage `json:"d"`
	Raw   []byte          `json:"-"`
	Plain bool            `json:"-"` // the body was plain JSON (not compressed)
}

func newReceiver(t testing.TB, key, token string, compress bool) *receiver {
	r := &receiver{t: t, key: key, token: token, attempts: map[int64]int{}, arrived: make(chan hookEvent, 1024)}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	r.URL = r.srv.URL + "/hook"
	if !compress {
		r.URL += "?compress=0"
	}
	return r
}

func (r *receiver) problem(format string, args ...any) {
	r.mu.Lock()
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// check fails the test with what the receiver found wrong.
func (r *receiver) check() {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.problems {
		r.t.Error("receiver: " + p)
	}
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if req.Method != http.MethodPost {
		r.problem("method %s", req.Method)
	}
	plain, err := r.open(req, body)
	if err != nil {
		r.problem("%v (body %q)", err, body)
		w.WriteHeader(400)
		return
	}
	var f hookEvent
	if err := json.Unmarshal(plain, &f); err != nil {
		r.problem("not JSON: %q", plain)
		w.WriteHeader(400)
		return
	}
	f.Raw, f.Plain = plain, json.Valid(body)
	var d struct {
		ChannelType string  `json:"channel_type"`
		Type        int     `json:"type"`
		Challenge   string  `json:"challenge"`
		VerifyToken *string `json:"verify_token"`
	}
	_ = json.Unmarshal(f.D, &d)
	r.mu.Lock()
	token := r.token
	r.mu.Unlock()
	if d.VerifyToken == nil || *d.VerifyToken != token {
		r.problem("verify_token %v, want %q: %s", d.VerifyToken, token, plain)
	}
	if d.ChannelType == "WEBHOOK_CHALLENGE" {
		r.mu.Lock()
		r.challenges = append(r.challenges, d.Challenge)
		bad, slow, fail := r.badChall, r.slowChall, r.failChall
		r.mu.Unlock()
		if f.S != 0 || d.Type != 255 || d.Challenge == "" {
			r.problem("challenge shape: %s", plain)
		}
		time.Sleep(slow)
		if fail != 0 {
			w.WriteHeader(fail)
			return
		}
		answer := d.Challenge
		if bad {
			answer += "x"
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"challenge": answer})
		return
	}
	r.mu.Lock()
	r.attempts[f.SN]++
	n := r.attempts[f.SN]
	status := 200
	if r.status != nil {
		status = r.status(n, f.SN)
	}
	if status/100 == 2 {
		r.delivered = append(r.delivered, f)
	}
	r.bodies = append(r.bodies, body)
	r.mu.Unlock()
	r.arrived <- f
	w.WriteHeader(status)
}

// open undoes what chatd did to the body.
func (r *receiver) open(req *http.Request, body []byte) ([]byte, error) {
	if req.URL.Query().Get("compress") != "0" {
		zr, err := zlib.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("not zlib: %w", err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("inflating: %w", err)
		}
	}
	if r.key == "" {
		return body, nil
	}
	var env struct {
		Encrypt *string `json:"encrypt"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Encrypt == nil {
		return nil, fmt.Errorf("want {\"encrypt\":...}, got %q", body)
	}
	outer, err := base64.StdEncoding.DecodeString(*env.Encrypt)
	if err != nil || len(outer) < 16 {
		return nil, fmt.Errorf("outer base64: %v", err)
	}
	iv, rest := outer[:16], outer[16:]
	for _, c := range iv {
		if c < 0x20 || c > 0x7e {
			return nil, fmt.Errorf("IV %q is not ASCII", iv)
		}
	}
	ct, err := base64.StdEncoding.DecodeString(string(rest))
	if err != nil || len(ct) == 0 || len(ct)%16 != 0 {
		return nil, fmt.Errorf("inner base64 (%d bytes): %v", len(ct), err)
	}
	key := make([]byte, 32)
	copy(key, r.key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(ct, ct)
	pad := int(ct[len(ct)-1])
	if pad < 1 || pad > 16 || !bytes.Equal(ct[len(ct)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, fmt.Errorf("bad PKCS#7 padding % x", ct[len(ct)-min(16, len(ct)):])
	}
	return ct[:len(ct)-pad], nil
}

// next waits for the next event attempt.
func (r *receiver) next(timeout time.Duration) hookEvent {
	r.t.Helper()
	select {
	case f := <-r.arrived:
		return f
	case <-time.After(timeout):
		r.t.Fatalf("no webhook event within %v", timeout)
	}
	return hookEvent{}
}

// waitDelivered waits until n events were answered with 2xx.
func (r *receiver) waitDelivered(n int, timeout time.Duration) []hookEvent {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		r.mu.Lock()
		got := append([]hookEvent(nil), r.delivered...)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%d events delivered within %v, want %d", len(got), timeout, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *receiver) nChallenges() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.challenges)
}

func (r *receiver) set(fn func(r *receiver)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(r)
}

// hookWorld is a guild with a person and a bot, on a server whose retries
// are quick.
type hookWorld struct {
	env            *testenv.Env
	reg            *prometheus.Registry
	alice, bot     testenv.User
	guild, channel string
}

func newHookWorld(t testing.TB, opts kook.WebhookOptions, dir string) *hookWorld {
	t.Helper()
	w := &hookWorld{reg: prometheus.NewRegistry()}
	opts.Registerer = w.reg
	if opts.Retries == nil {
		opts.Retries = []time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond,
			8 * time.Millisecond, 16 * time.Millisecond}
	}
	w.env = testenv.NewWith(t, testenv.Config{Webhooks: opts, Dir: dir})
	w.alice = w.env.CreateUser("alice", false)
	w.bot = w.env.CreateUser("hookbot", true)
	w.guild, w.channel = w.env.CreateGuild("g", w.alice.ID)
	w.env.AddMember(w.guild, w.bot.ID)
	return w
}

// patch calls PATCH /users/{id} and decodes the answer.
func (w *hookWorld) patch(t testing.TB, id string, body map[string]any) (int, map[string]any) {
	t.Helper()
	status, resp := w.env.Admin("PATCH", "/users/"+id, body)
	var out map[string]any
	if err := json.Unmarshal(resp, &out); err != nil {
		t.Fatalf("PATCH answer %s: %v", resp, err)
	}
	return status, out
}

func (w *hookWorld) enable(t testing.TB, r *receiver) map[string]any {
	t.Helper()
	body := map[string]any{"webhook_url": r.URL, "verify_token": r.token}
	if r.key != "" {
		body["encrypt_key"] = r.key
	}
	status, out := w.patch(t, w.bot.ID, body)
	if status != 200 {
		t.Fatalf("PATCH: %d %v", status, out)
	}
	return out
}

// counter reads a counter of the webhook metrics.
func (w *hookWorld) counter(t testing.TB, name string) float64 {
	t.Helper()
	mfs, err := w.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func (w *hookWorld) pending(t testing.TB) int {
	t.Helper()
	var id int64
	fmt.Sscan(w.bot.ID, &id)
	ds, err := w.env.Service.PendingWebhookDeliveries(t.Context(), id, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return len(ds)
}

// Events reach the callback exactly as the gateway renders them (same d,
// with the bot's verify token), compressed unless compress=0, encrypted
// when a key is set; the challenge comes first, encoded the same way.
func TestWebhookDelivery(t *testing.T) {
	for _, tc := range []struct {
		name     string
		compress bool
		key      string
	}{
		{"zlib+aes", true, "k3y"},
		{"zlib", true, ""},
		{"compress=0", false, ""},
		{"compress=0+aes32", false, strings.Repeat("K", 32)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newHookWorld(t, kook.WebhookOptions{}, "")
			r := newReceiver(t, tc.key, "vt-"+tc.name, tc.compress)
			// A websocket bot with the same verify token sees the same event:
			// its d must be the webhook's, byte for byte.
			peer := w.env.CreateUser("peer", true)
			w.env.AddMember(w.guild, peer.ID)
			out := w.enable(t, r)
			if out["mode"] != "webhook" || out["webhook_url"] != r.URL || out["verify_token"] != r.token ||
				out["encrypt_key_set"] != (tc.key != "") {
				t.Errorf("PATCH answer %v", out)
			}
			if _, ok := out["encrypt_key"]; ok {
				t.Errorf("PATCH echoed the encrypt key: %v", out)
			}
			if n := r.nChallenges(); n != 1 {
				t.Errorf("%d challenges, want 1", n)
			}

			if st, o := w.patch(t, peer.ID, map[string]any{"verify_token": r.token}); st != 200 || o["mode"] != "websocket" {
				t.Fatalf("PATCH verify token only: %d %v", st, o)
			}
			ws, _ := hello(t, w.env, peer.Token)

			msgID := sendText(t, w.env, w.alice.Token, w.channel, "hello hook")
			f := r.next(10 * time.Second)
			if f.S != 0 || f.SN != 1 {
				t.Errorf("event s=%d sn=%d, want s=0 sn=1: %s", f.S, f.SN, f.Raw)
			}
			if f.Plain == tc.compress && tc.key == "" {
				t.Errorf("compress=%v but the body was plain=%v", tc.compress, f.Plain)
			}
			var d struct {
				ChannelType string `json:"channel_type"`
				Type        int    `json:"type"`
				TargetID    string `json:"target_id"`
				AuthorID    string `json:"author_id"`
				Content     string `json:"content"`
				MsgID       string `json:"msg_id"`
				VerifyToken string `json:"verify_token"`
				Extra       struct {
					GuildID string `json:"guild_id"`
					Author  struct {
						ID string `json:"id"`
					} `json:"author"`
					KMarkdown map[string]any `json:"kmarkdown"`
				} `json:"extra"`
			}
			decode(t, f.D, &d)
			if d.ChannelType != "GROUP" || d.Type != 1 || d.TargetID != w.channel || d.AuthorID != w.alice.ID ||
				d.Content != "hello hook" || d.MsgID != msgID || d.VerifyToken != r.token ||
				d.Extra.GuildID != w.guild || d.Extra.Author.ID != w.alice.ID || d.Extra.KMarkdown == nil {
				t.Errorf("event d: %s", f.D)
			}
			gf := ws.event(nil)
			if !bytes.Equal(gf.D, f.D) {
				t.Errorf("webhook d differs from the gateway's:\nwebhook %s\ngateway %s", f.D, gf.D)
			}
			r.waitDelivered(1, 5*time.Second)
			r.check()
		})
	}
}

// A receiver that answers 500 sees retries, in sn order, one delivery in
// flight; every event ends up delivered exactly once.
func TestWebhookRetries(t *testing.T) {
	w := newHookWorld(t, kook.WebhookOptions{}, "")
	r := newReceiver(t, "key", "vt", true)
	r.status = func(attempt int, sn int64) int {
		if sn == 1 && attempt <= 2 {
			return 500
		}
		return 200
	}
	w.enable(t, r)
	for i := range 3 {
		sendText(t, w.env, w.alice.Token, w.channel, fmt.Sprint("m", i))
	}
	got := r.waitDelivered(3, 10*time.Second)
	for i, f := range got {
		var d struct{ Content string }
		decode(t, f.D, &d)
		if f.SN != int64(i+1) || d.Content != fmt.Sprint("m", i) {
			t.Errorf("delivery %d: sn %d content %q", i, f.SN, d.Content)
		}
	}
	// Every attempt, in arrival order: sn 1 three times, then 2, then 3.
	var order []int64
	for range 5 {
		order = append(order, r.next(5*time.Second).SN)
	}
	if fmt.Sprint(order) != "[1 1 1 2 3]" {
		t.Errorf("attempts in order %v, want [1 1 1 2 3]", order)
	}
	time.Sleep(50 * time.Millisecond) // nothing more may come
	r.mu.Lock()
	if len(r.delivered) != 3 || r.attempts[1] != 3 || r.attempts[2] != 1 || r.attempts[3] != 1 {
		t.Errorf("delivered %d, attempts %v; want 3 delivered, attempts 3,1,1", len(r.delivered), r.attempts)
	}
	r.mu.Unlock()
	if got := w.counter(t, "chatd_webhook_failed_attempts_total"); got != 2 {
		t.Errorf("failed attempts counter %v, want 2", got)
	}
	if got := w.counter(t, "chatd_webhook_delivered_total"); got != 3 {
		t.Errorf("delivered counter %v, want 3", got)
	}
	waitFor(t, "outbox empty", func() bool { return w.pending(t) == 0 })
	r.check()
}

// A receiver that always fails is given up on after the configured
// attempts, the counter says so, and later events still flow.
func TestWebhookGivesUp(t *testing.T) {
	w := newHookWorld(t, kook.WebhookOptions{Retries: []time.Duration{time.Millisecond, time.Millisecond}}, "")
	r := newReceiver(t, "", "vt", false)
	failing := true
	r.status = func(int, int64) int {
		if failing {
			return 503
		}
		return 204
	}
	w.enable(t, r)
	sendText(t, w.env, w.alice.Token, w.channel, "doomed")
	waitFor(t, "given up", func() bool { return w.counter(t, "chatd_webhook_given_up_total") == 1 })
	r.mu.Lock()
	if r.attempts[1] != 3 {
		t.Errorf("%d attempts, want 3 (1 + 2 retries)", r.attempts[1])
	}
	r.mu.Unlock()
	if got := w.counter(t, "chatd_webhook_failed_attempts_total"); got != 3 {
		t.Errorf("failed attempts counter %v, want 3", got)
	}
	waitFor(t, "outbox empty", func() bool { return w.pending(t) == 0 })

	r.set(func(r *receiver) { failing = false })
	sendText(t, w.env, w.alice.Token, w.channel, "fine")
	got := r.waitDelivered(1, 5*time.Second)
	if got[0].SN != 2 {
		t.Errorf("next event sn %d, want 2", got[0].SN)
	}
	r.check()
}

// Undelivered events survive a restart: the outbox is resumed on start.
func TestWebhookSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	slow := kook.WebhookOptions{Retries: []time.Duration{10 * time.Millisecond, time.Hour}}
	w := newHookWorld(t, slow, dir)
	r := newReceiver(t, "secret", "vt", true)
	failing := true
	r.status = func(int, int64) int {
		if failing {
			return 500
		}
		return 200
	}
	w.enable(t, r)
	msgID := sendText(t, w.env, w.alice.Token, w.channel, "keep me")
	r.next(5 * time.Second)
	r.next(5 * time.Second) // the first retry; the next waits an hour
	w.env.Close()
	r.set(func(r *receiver) { failing = false })

	env2 := testenv.NewWith(t, testenv.Config{Dir: dir, Webhooks: kook.WebhookOptions{Retries: slow.Retries}})
	got := r.waitDelivered(1, 10*time.Second)
	var d struct {
		MsgID string `json:"msg_id"`
	}
	decode(t, got[0].D, &d)
	if d.MsgID != msgID || got[0].SN != 1 {
		t.Errorf("after restart got sn %d msg %s, want sn 1 msg %s", got[0].SN, d.MsgID, msgID)
	}
	// Numbering goes on where it was.
	sendText(t, env2, w.alice.Token, w.channel, "after restart")
	got = r.waitDelivered(2, 10*time.Second)
	if got[1].SN != 2 {
		t.Errorf("sn after restart %d, want 2", got[1].SN)
	}
	r.check()
}

// PATCH validates in the core and proves the URL before storing anything.
func TestWebhookPatchRejected(t *testing.T) {
	w := newHookWorld(t, kook.WebhookOptions{ChallengeTimeout: 300 * time.Millisecond}, "")
	ok := newReceiver(t, "", "vt", true)
	wrong := newReceiver(t, "", "vt", true)
	wrong.badChall = true
	failing := newReceiver(t, "", "vt", true)
	failing.failChall = 500
	slow := newReceiver(t, "", "vt", true)
	slow.slowChall = time.Second
	for _, tc := range []struct {
		name  string
		id    string
		body  map[string]any
		field string
	}{
		{"relative url", w.bot.ID, map[string]any{"webhook_url": "/hook", "verify_token": "vt"}, "webhook_url"},
		{"ftp url", w.bot.ID, map[string]any{"webhook_url": "ftp://example.com/", "verify_token": "vt"}, "webhook_url"},
		{"garbage url", w.bot.ID, map[string]any{"webhook_url": "http://%zz", "verify_token": "vt"}, "webhook_url"},
		{"no verify token", w.bot.ID, map[string]any{"webhook_url": ok.URL}, "verify_token"},
		{"empty verify token", w.bot.ID, map[string]any{"webhook_url": ok.URL, "verify_token": ""}, "verify_token"},
		{"key too long", w.bot.ID, map[string]any{"webhook_url": ok.URL, "verify_token": "vt",
			"encrypt_key": strings.Repeat("k", 33)}, "encrypt_key"},
		{"not a bot", w.alice.ID, map[string]any{"webhook_url": ok.URL, "verify_token": "vt"}, "id"},
		{"wrong type", w.bot.ID, map[string]any{"webhook_url": 5}, "webhook_url"},
		{"unknown field", w.bot.ID, map[string]any{"webhook": ok.URL}, "webhook"},
		{"wrong challenge", w.bot.ID, map[string]any{"webhook_url": wrong.URL, "verify_token": "vt"}, "webhook_url"},
		{"challenge 500", w.bot.ID, map[string]any{"webhook_url": failing.URL, "verify_token": "vt"}, "webhook_url"},
		{"challenge too slow", w.bot.ID, map[string]any{"webhook_url": slow.URL, "verify_token": "vt"}, "webhook_url"},
		{"nobody listening", w.bot.ID, map[string]any{"webhook_url": "http://127.0.0.1:1/", "verify_token": "vt"}, "webhook_url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := w.patch(t, tc.id, tc.body)
			e, _ := out["error"].(map[string]any)
			if status != 400 || e == nil || e["field"] != tc.field || e["code"] != "invalid_argument" {
				t.Errorf("PATCH: %d %v, want 400 naming %s", status, out, tc.field)
			}
			for _, id := range []string{w.bot.ID, w.alice.ID} {
				status, resp := w.env.Admin("GET", "/users/"+id, nil)
				var u map[string]any
				_ = json.Unmarshal(resp, &u)
				if status != 200 || u["mode"] != "websocket" || u["webhook_url"] != "" || u["verify_token"] != "" ||
					u["encrypt_key_set"] != false {
					t.Errorf("after a rejected PATCH, user %s: %d %s", id, status, resp)
				}
			}
		})
	}
	if status, _ := w.patch(t, "123456789", map[string]any{"verify_token": "x"}); status != 404 {
		t.Errorf("PATCH unknown user: %d, want 404", status)
	}
	if a, b, c := wrong.nChallenges(), failing.nChallenges(), slow.nChallenges(); a != 1 || b != 1 || c != 1 {
		t.Errorf("challenges sent: %d %d %d, want one each", a, b, c)
	}

	// Set, change the token only (challenged again), then clear.
	w.enable(t, ok)
	ok.set(func(r *receiver) { r.token = "vt2" })
	if st, out := w.patch(t, w.bot.ID, map[string]any{"verify_token": "vt2"}); st != 200 || out["webhook_url"] != ok.URL {
		t.Errorf("PATCH token only: %d %v", st, out)
	}
	if n := ok.nChallenges(); n != 2 {
		t.Errorf("%d challenges, want 2", n)
	}
	st, out := w.patch(t, w.bot.ID, map[string]any{"webhook_url": ""})
	if st != 200 || out["mode"] != "websocket" || out["webhook_url"] != "" || out["verify_token"] != "vt2" {
		t.Errorf("PATCH clear: %d %v", st, out)
	}
	ok.check()
}

// A bot is websocket or webhook: the gateway refuses a webhook bot, and
// switching a connected bot to webhook closes its socket.
func TestWebhookBotGatewayRefused(t *testing.T) {
	w := newHookWorld(t, kook.WebhookOptions{}, "")
	r := newReceiver(t, "", "vt", true)

	ws, _ := hello(t, w.env, w.bot.Token)
	w.enable(t, r)
	ws.closed(5 * time.Second)

	for _, compress := range []int{0, 1} {
		c := connect(t, w.env, w.bot.Token, compress)
		f := c.read(6 * time.Second)
		var d struct {
			Code int    `json:"code"`
			Err  string `json:"err"`
		}
		decode(t, f.D, &d)
		if f.S != 1 || d.Code != 40104 || d.Err == "" {
			t.Errorf("compress=%d: want HELLO with code 40104, got %s", compress, f.Raw)
		}
		c.closed(5 * time.Second)
	}
	// The webhook bot is online, by webhook.
	st := w.env.KOOK(w.bot.Token, "GET", "/user/get-online-status", nil)
	if st.Code != 0 || !strings.Contains(string(st.Data), `"online":true`) || !strings.Contains(string(st.Data), "Webhook") {
		t.Errorf("online status: %s", st.Body)
	}

	// Back to websocket mode: the gateway accepts it again, and its events
	// carry the verify token.
	if status, out := w.patch(t, w.bot.ID, map[string]any{"webhook_url": ""}); status != 200 {
		t.Fatalf("PATCH clear: %d %v", status, out)
	}
	ws, _ = hello(t, w.env, w.bot.Token)
	sendText(t, w.env, w.alice.Token, w.channel, "over the socket")
	var d struct {
		VerifyToken string `json:"verify_token"`
	}
	ws.event(&d)
	if d.VerifyToken != "vt" {
		t.Errorf("gateway verify_token %q, want vt", d.VerifyToken)
	}
	r.check()
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
