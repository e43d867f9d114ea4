package lanying_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/chatd/chatd/internal/testenv"
)

// client talks to the Lanying face as one app's caller.
type client struct {
	t     *testing.T
	env   *testenv.Env
	appID string
	token string
	hdr   map[string]string
	self  int64
}

type reply struct {
	HTTP    int
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
	MsgIDs  []json.Number   `json:"msg_ids"`
}

func (c client) with(k, v string) client {
	h := map[string]string{k: v}
	for kk, vv := range c.hdr {
		h[kk] = vv
	}
	c.hdr = h
	return c
}

func (c client) do(method, path string, body any) reply {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.env.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if c.appID != "" {
		req.Header.Set("app_id", c.appID)
	}
	if c.token != "" {
		req.Header.Set("access-token", c.token)
	}
	for k, v := range c.hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r reply
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		c.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
	}
	r.HTTP = resp.StatusCode
	return r
}

// ok fails unless the reply is a success, and decodes its data into out.
func (r reply) ok(t *testing.T, what string, out any) {
	t.Helper()
	if r.HTTP != 200 || r.Code != 200 {
		t.Fatalf("%s: http %d code %d %q", what, r.HTTP, r.Code, r.Message)
	}
	if out != nil {
		dec := json.NewDecoder(bytes.NewReader(r.Data))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			t.Fatalf("%s: data %s: %v", what, r.Data, err)
		}
	}
}

func (r reply) code(t *testing.T, what string, want int) {
	t.Helper()
	if r.HTTP != 200 || r.Code != want {
		t.Errorf("%s: http %d code %d %q, want 200/%d", what, r.HTTP, r.Code, r.Message, want)
	}
}

type app struct {
	id, admin string
	adminC    client
}

func newApp(t *testing.T, env *testenv.Env, name string) app {
	t.Helper()
	status, body := env.Admin("POST", "/apps", map[string]string{"name": name})
	if status != http.StatusCreated {
		t.Fatalf("create app: %d %s", status, body)
	}
	var out struct {
		AppID      string `json:"app_id"`
		AdminToken string `json:"admin_token"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return app{id: out.AppID, admin: out.AdminToken, adminC: client{t: t, env: env, appID: out.AppID, token: out.AdminToken}}
}

// user registers a user in the app and logs it in on a device ("" none).
func (a app) user(t *testing.T, name, device string) (int64, client) {
	t.Helper()
	c := client{t: t, env: a.adminC.env, appID: a.id}
	var reg struct {
		UserID json.Number `json:"user_id"`
	}
	c.do("POST", "/user/register/v2", map[string]string{"username": name, "password": "secret-pw"}).ok(t, "register", &reg)
	id, err := reg.UserID.Int64()
	if err != nil {
		t.Fatalf("user_id %s: %v", reg.UserID, err)
	}
	return id, a.login(t, id, device)
}

func (a app) login(t *testing.T, id int64, device string) client {
	t.Helper()
	c := client{t: t, env: a.adminC.env, appID: a.id}
	var tok struct {
		Token    string      `json:"token"`
		UserID   json.Number `json:"user_id"`
		DeviceSN int         `json:"device_sn"`
	}
	c.do("POST", "/token/id", map[string]any{"user_id": id, "password": "secret-pw", "device_guid": device}).ok(t, "token/id", &tok)
	if tok.UserID.String() != strconv.FormatInt(id, 10) {
		t.Fatalf("token for %s, want %d", tok.UserID, id)
	}
	c.token, c.self = tok.Token, id
	return c
}

func ids(t *testing.T, ns []json.Number) []int64 {
	out := make([]int64, len(ns))
	for i, n := range ns {
		v, err := n.Int64()
		if err != nil {
			t.Fatalf("id %s: %v", n, err)
		}
		out[i] = v
	}
	return out
}

type history struct {
	IsLast    bool          `json:"is_last"`
	NextMsgID json.Number   `json:"next_msg_id"`
	Messages  []historyItem `json:"messages"`
}

type historyItem struct {
	MsgID      json.Number `json:"msg_id"`
	CType      string      `json:"ctype"`
	Content    string      `json:"content"`
	Attachment string      `json:"attachment"`
	Config     string      `json:"config"`
	Ext        string      `json:"ext"`
	Status     string      `json:"status"`
	FromXID    struct {
		UID json.Number `json:"uid"`
	} `json:"from_xid"`
	ToXID struct {
		UID json.Number `json:"uid"`
	} `json:"to_xid"`
}

func (c client) history(t *testing.T, opposite int64, q string) history {
	t.Helper()
	var h history
	c.do("GET", "/message/conversation?opposite_id="+strconv.FormatInt(opposite, 10)+q, nil).ok(t, "history", &h)
	return h
}

type unreadRow struct {
	ConversationID struct {
		UID json.Number `json:"uid"`
	} `json:"conversation_id"`
	Num int `json:"num"`
}

func (c client) unread(t *testing.T) map[string]int {
	t.Helper()
	var rows []unreadRow
	c.do("GET", "/message/unread", nil).ok(t, "unread", &rows)
	out := map[string]int{}
	for _, r := range rows {
		out[r.ConversationID.UID.String()] = r.Num
	}
	return out
}
