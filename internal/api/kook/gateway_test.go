package kook_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/api/kook"
	"github.com/chatd/chatd/internal/realtime"
	"github.com/chatd/chatd/internal/testenv"
)

var (
	shortRetention = realtime.Options{Retention: 200 * time.Millisecond}
	fastIdle       = []kook.Option{kook.WithGatewayIdle(300 * time.Millisecond)}
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestGatewayIndex(t *testing.T) {
	env := testenv.New(t)
	bot := env.CreateUser("bot", true)
	for _, tc := range []struct {
		params map[string]string
		want   string
	}{{nil, "1"}, {map[string]string{"compress": "0"}, "0"}, {map[string]string{"compress": "1"}, "1"}} {
		r := env.KOOK(bot.Token, "GET", "/gateway/index", tc.params)
		var out struct{ URL string }
		if r.Code != 0 || json.Unmarshal(r.Data, &out) != nil {
			t.Fatalf("gateway/index %v: %s", tc.params, r.Body)
		}
		u, err := url.Parse(out.URL)
		if err != nil || u.Scheme != "ws" || "http://"+u.Host != env.URL || u.Path != "/gateway" {
			t.Fatalf("url %q, want ws://%s/gateway", out.URL, strings.TrimPrefix(env.URL, "http://"))
		}
		if q := u.Query(); q.Get("compress") != tc.want || q.Get("token") != bot.Token {
			t.Errorf("query %v, want compress=%s and the token", q, tc.want)
		}
	}
	r := env.KOOK(bot.Token, "GET", "/gateway/index", map[string]string{"compress": "2"})
	msgFail(t, r, 40000, "compress")
}

// HELLO, PING/PONG and one event, compressed and not: every frame stands
// on its own (the helper inflates each independently).
func TestGatewayHandshake(t *testing.T) {
	env := testenv.New(t)
	bot := env.CreateUser("bot", true)
	_, channel := env.CreateGuild("g", bot.ID)
	for _, compress := range []int{0, 1} {
		t.Run(fmt.Sprint("compress=", compress), func(t *testing.T) {
			c := connect(t, env, bot.Token, compress)
			f := c.read(6 * time.Second)
			var d map[string]any
			if err := json.Unmarshal(f.D, &d); err != nil || f.S != 1 {
				t.Fatalf("HELLO: %s", f.Raw)
			}
			id, _ := d["session_id"].(string)
			if d["code"] != 0.0 || !uuidRE.MatchString(id) || d["sessionId"] != id {
				t.Fatalf("HELLO d = %v, want code 0 and one UUID in session_id and sessionId", d)
			}
			c.send(map[string]any{"s": 2, "sn": 0})
			if f := c.read(6 * time.Second); f.S != 3 {
				t.Fatalf("want PONG, got %s", f.Raw)
			}
			c.sendBinary(map[string]any{"s": 2, "sn": 0}) // Node's ws sends Buffers as binary
			if f := c.read(6 * time.Second); f.S != 3 || string(f.Raw) != `{"s":3}` {
				t.Fatalf("want PONG {\"s\":3}, got %s", f.Raw)
			}
			msgID := sendText(t, env, bot.Token, channel, "hi")
			var ev struct {
				MsgID string `json:"msg_id"`
			}
			if f := c.event(&ev); f.SN != 1 || ev.MsgID != msgID {
				t.Fatalf("want event sn 1 of %s, got %s", msgID, f.Raw)
			}
			if !online(t, env, bot) {
				t.Error("a connected bot is not online")
			}
		})
	}
}

func online(t *testing.T, env *testenv.Env, u testenv.User) bool {
	var me struct{ Online bool }
	_ = json.Unmarshal(msgOK(t, env.KOOK(u.Token, "GET", "/user/me", nil)), &me)
	return me.Online
}

func TestGatewayBadToken(t *testing.T) {
	env := testenv.New(t)
	bot := env.CreateUser("bot", true)
	good := env.GatewayURL(bot.Token, 1)
	for _, tc := range []struct {
		name, token string
		code        int
	}{{"missing", "", 40100}, {"invalid", "nope", 40101}} {
		t.Run(tc.name, func(t *testing.T) {
			u := resumeURL(good, map[string]string{"token": tc.token})
			c := dialGateway(t, u)
			f := c.read(6 * time.Second)
			var d struct{ Code int }
			if f.S != 1 || json.Unmarshal(f.D, &d) != nil || d.Code != tc.code {
				t.Fatalf("want HELLO code %d, got %s", tc.code, f.Raw)
			}
			c.closed(5 * time.Second)
		})
	}
}

func TestGatewayReconnectCodes(t *testing.T) {
	env := testenv.New(t)
	bot := env.CreateUser("bot", true)
	other := env.CreateUser("other", true)
	_, channel := env.CreateGuild("g", bot.ID)
	c, id := hello(t, env, bot.Token)
	sendText(t, env, bot.Token, channel, "one")
	c.event(nil)
	base := env.GatewayURL(bot.Token, 0)
	for _, tc := range []struct {
		name   string
		token  string
		params map[string]string
		code   int
	}{
		{"no session id", bot.Token, map[string]string{"resume": "1", "sn": "0"}, 40106},
		{"no sn", bot.Token, map[string]string{"resume": "1", "session_id": id}, 40106},
		{"unknown session", bot.Token, map[string]string{"resume": "1", "sn": "0", "session_id": "00000000-0000-4000-8000-000000000000"}, 40107},
		{"someone else's session", other.Token, map[string]string{"resume": "1", "sn": "0", "sessionId": id}, 40107},
		{"sn ahead", bot.Token, map[string]string{"resule": "1", "sn": "5", "sessionId": id}, 40108},
		{"sn not a number", bot.Token, map[string]string{"resume": "1", "sn": "x", "session_id": id}, 40108},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := map[string]string{"token": tc.token}
			for k, v := range tc.params {
				p[k] = v
			}
			r := dialGateway(t, resumeURL(base, p))
			f := r.read(6 * time.Second)
			var d struct {
				Code int
				Err  string
			}
			if f.S != 5 || json.Unmarshal(f.D, &d) != nil || d.Code != tc.code || d.Err == "" {
				t.Fatalf("want RECONNECT %d, got %s", tc.code, f.Raw)
			}
			r.closed(5 * time.Second)
		})
	}
	// A session that ended (its resume window passed) is expired: 40107.
	env2 := testenv.NewWith(t, testenv.Config{Realtime: shortRetention})
	bot2 := env2.CreateUser("bot", true)
	c2, id2 := hello(t, env2, bot2.Token)
	c2.c.Close()
	time.Sleep(3 * shortRetention.Retention)
	r := dialGateway(t, resumeURL(env2.GatewayURL(bot2.Token, 0), map[string]string{"resume": "1", "sn": "0", "session_id": id2}))
	var d struct{ Code int }
	if f := r.read(6 * time.Second); f.S != 5 || json.Unmarshal(f.D, &d) != nil || d.Code != 40107 {
		t.Fatalf("expired session: want RECONNECT 40107, got %s", f.Raw)
	}
}

// A PING whose sn is behind makes the server send the rest again.
func TestGatewayPingBehind(t *testing.T) {
	env := testenv.New(t)
	bot := env.CreateUser("bot", true)
	_, channel := env.CreateGuild("g", bot.ID)
	c, _ := hello(t, env, bot.Token)
	var ids []string
	for i := range 5 {
		ids = append(ids, sendText(t, env, bot.Token, channel, fmt.Sprint("m", i)))
	}
	for i := range 5 {
		if f := c.event(nil); f.SN != int64(i+1) {
			t.Fatalf("sn %d, want %d", f.SN, i+1)
		}
	}
	c.send(map[string]any{"s": 2, "sn": 2})
	if f := c.read(6 * time.Second); f.S != 3 {
		t.Fatalf("want PONG, got %s", f.Raw)
	}
	for i := 2; i < 5; i++ {
		var ev struct {
			MsgID string `json:"msg_id"`
		}
		if f := c.event(&ev); f.SN != int64(i+1) || ev.MsgID != ids[i] {
			t.Fatalf("re-sent sn %d (%s), want %d (%s)", f.SN, ev.MsgID, i+1, ids[i])
		}
	}
	c.send(map[string]any{"s": 2, "sn": 5}) // caught up: only PONG
	if f := c.read(6 * time.Second); f.S != 3 {
		t.Fatalf("want PONG, got %s", f.Raw)
	}
	c.quiet(300 * time.Millisecond)
}

// Resume after the socket dies mid-stream: every missed event once, in
// order, then RESUME ACK; also RESUME (s=4) on an open connection.
func TestGatewayResume(t *testing.T) {
	env := testenv.New(t)
	bot := env.CreateUser("bot", true)
	_, channel := env.CreateGuild("g", bot.ID)
	c, id := hello(t, env, bot.Token)
	sent := make(chan []string, 1)
	go func() {
		var ids []string
		for i := range 100 {
			ids = append(ids, sendText(t, env, bot.Token, channel, fmt.Sprint("m", i)))
		}
		sent <- ids
	}()
	got := map[int64]string{}
	for i := range 30 {
		var ev struct {
			MsgID string `json:"msg_id"`
		}
		f := c.event(&ev)
		if f.SN != int64(i+1) {
			t.Fatalf("sn %d, want %d", f.SN, i+1)
		}
		got[f.SN] = ev.MsgID
	}
	c.c.UnderlyingConn().Close() // the network drops: no close frame
	ids := <-sent
	waitDelivered(t, env, 100)

	r := dialGateway(t, resumeURL(env.GatewayURL(bot.Token, 1), map[string]string{"resume": "1", "sn": "30", "sessionId": id}))
	if f := r.read(6 * time.Second); f.S != 1 {
		t.Fatalf("resume: want HELLO first, got %s", f.Raw)
	}
	for sn := int64(31); ; sn++ {
		f := r.read(10 * time.Second)
		if f.S == 6 {
			var d struct {
				SessionID string `json:"session_id"`
			}
			if json.Unmarshal(f.D, &d) != nil || d.SessionID != id {
				t.Fatalf("RESUME ACK %s, want session %s", f.Raw, id)
			}
			if sn != 101 {
				t.Fatalf("RESUME ACK after sn %d, want after 100", sn-1)
			}
			break
		}
		var ev struct {
			MsgID string `json:"msg_id"`
		}
		if f.S != 0 || f.SN != sn || json.Unmarshal(f.D, &ev) != nil {
			t.Fatalf("want event sn %d, got %s", sn, f.Raw)
		}
		got[f.SN] = ev.MsgID
	}
	for i, want := range ids {
		if got[int64(i+1)] != want {
			t.Fatalf("sn %d carried %s, want %s", i+1, got[int64(i+1)], want)
		}
	}
	// RESUME on the open connection from sn 98: 99 and 100 again, then ACK.
	r.send(map[string]any{"s": 4, "sn": 98})
	for _, sn := range []int64{99, 100} {
		if f := r.event(nil); f.SN != sn {
			t.Fatalf("s=4 replay: sn %d, want %d", f.SN, sn)
		}
	}
	if f := r.read(6 * time.Second); f.S != 6 {
		t.Fatalf("want RESUME ACK, got %s", f.Raw)
	}
}

// waitDelivered waits until the hub has handed at least n deliveries out.
func waitDelivered(t testing.TB, env *testenv.Env, n int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for env.Hub.Stats().Delivered < n {
		if time.Now().After(deadline) {
			t.Fatalf("hub delivered %d, want %d", env.Hub.Stats().Delivered, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A silent connection is closed after the idle timeout, and its user goes
// offline.
func TestGatewayIdle(t *testing.T) {
	env := testenv.NewWith(t, testenv.Config{KOOK: fastIdle})
	bot := env.CreateUser("bot", true)
	c, _ := hello(t, env, bot.Token)
	c.closed(5 * time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for online(t, env, bot) {
		if time.Now().After(deadline) {
			t.Fatal("still online after its only connection closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
