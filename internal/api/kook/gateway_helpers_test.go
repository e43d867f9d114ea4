package kook_test

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"io"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/chatd/chatd/internal/testenv"
)

// wsClient is a raw KOOK gateway client: it checks the framing (zlib
// binary frames with compress=1, text frames without) of every frame.
type wsClient struct {
	t        testing.TB
	c        *websocket.Conn
	compress bool
}

// frame is one server signal.
type frame struct {
	S   int             `json:"s"`
	D   json.RawMessage `json:"d"`
	SN  int64           `json:"sn"`
	Raw []byte          `json:"-"`
}

func dialGateway(t testing.TB, rawURL string) *wsClient {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := websocket.DefaultDialer.Dial(rawURL, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", rawURL, err)
	}
	t.Cleanup(func() { c.Close() })
	return &wsClient{t: t, c: c, compress: u.Query().Get("compress") != "0"}
}

// connect fetches the gateway URL for token and dials it.
func connect(t testing.TB, env *testenv.Env, token string, compress int) *wsClient {
	t.Helper()
	return dialGateway(t, env.GatewayURL(token, compress))
}

// hello dials and reads HELLO, returning the session id.
func hello(t testing.TB, env *testenv.Env, token string) (*wsClient, string) {
	t.Helper()
	c := connect(t, env, token, 0)
	f := c.read(6 * time.Second)
	var d struct {
		Code      int    `json:"code"`
		SessionID string `json:"session_id"`
	}
	if f.S != 1 || json.Unmarshal(f.D, &d) != nil || d.Code != 0 || d.SessionID == "" {
		t.Fatalf("want HELLO, got %s", f.Raw)
	}
	return c, d.SessionID
}

func (w *wsClient) readRaw(timeout time.Duration) ([]byte, error) {
	_ = w.c.SetReadDeadline(time.Now().Add(timeout))
	typ, data, err := w.c.ReadMessage()
	if err != nil {
		return nil, err
	}
	if w.compress {
		if typ != websocket.BinaryMessage {
			w.t.Fatalf("compress=1: frame type %d, want binary", typ)
		}
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			w.t.Fatalf("frame is not zlib: %v", err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			w.t.Fatalf("inflating a frame on its own: %v", err)
		}
	} else if typ != websocket.TextMessage {
		w.t.Fatalf("compress=0: frame type %d, want text", typ)
	}
	return data, nil
}

func (w *wsClient) read(timeout time.Duration) frame {
	w.t.Helper()
	data, err := w.readRaw(timeout)
	if err != nil {
		w.t.Fatalf("reading a frame: %v", err)
	}
	var f frame
	if err := json.Unmarshal(data, &f); err != nil {
		w.t.Fatalf("frame is not JSON: %v: %s", err, data)
	}
	f.Raw = data
	return f
}

// event reads the next frame, which must be an event, and decodes d.
func (w *wsClient) event(d any) frame {
	w.t.Helper()
	f := w.read(10 * time.Second)
	if f.S != 0 {
		w.t.Fatalf("want an event, got %s", f.Raw)
	}
	if d != nil {
		if err := json.Unmarshal(f.D, d); err != nil {
			w.t.Fatalf("decoding d: %v: %s", err, f.D)
		}
	}
	return f
}

func (w *wsClient) send(v any) {
	w.t.Helper()
	b, _ := json.Marshal(v)
	if err := w.c.WriteMessage(websocket.TextMessage, b); err != nil {
		w.t.Fatalf("send: %v", err)
	}
}

func (w *wsClient) sendBinary(v any) {
	w.t.Helper()
	b, _ := json.Marshal(v)
	if err := w.c.WriteMessage(websocket.BinaryMessage, b); err != nil {
		w.t.Fatalf("send: %v", err)
	}
}

// quiet checks that nothing arrives for a while.
func (w *wsClient) quiet(d time.Duration) {
	w.t.Helper()
	if data, err := w.readRaw(d); err == nil {
		w.t.Fatalf("want nothing, got %s", data)
	}
}

// closed checks that the server closes the connection soon.
func (w *wsClient) closed(timeout time.Duration) {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if _, err := w.readRaw(time.Until(deadline)); err != nil {
			return
		}
	}
	w.t.Fatalf("connection still open after %v", timeout)
}

// resumeURL is a gateway URL with resume parameters added.
func resumeURL(base string, params map[string]string) string {
	u, _ := url.Parse(base)
	q := u.Query()
	for k, v := range params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// sendText posts a channel message and returns its msg_id.
func sendText(t testing.TB, env *testenv.Env, token, channel, content string, extra ...map[string]any) string {
	t.Helper()
	p := map[string]any{"target_id": channel, "content": content, "type": 1}
	for _, e := range extra {
		for k, v := range e {
			p[k] = v
		}
	}
	r := env.KOOK(token, "POST", "/message/create", p)
	var out struct {
		MsgID string `json:"msg_id"`
	}
	if r.Code != 0 || json.Unmarshal(r.Data, &out) != nil {
		t.Fatalf("message/create: %d %s", r.Status, r.Body)
	}
	return out.MsgID
}

func decode(t testing.TB, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}
