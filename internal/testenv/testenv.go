// Package testenv runs a whole chatd (SQLite store, core, KOOK and operator
// APIs) on a loopback port for HTTP tests, and talks to it the way clients
// do.
package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chatd/chatd/internal/api/admin"
	"github.com/chatd/chatd/internal/api/kook"
	"github.com/chatd/chatd/internal/api/lanying"
	"github.com/chatd/chatd/internal/api/yunhu"
	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/realtime"
	"github.com/chatd/chatd/internal/store/sqlite"
	"github.com/chatd/chatd/internal/webhook"
)

// Env is one running server with a fresh database.
type Env struct {
	URL      string
	Service  *chat.Service
	Hub      *realtime.Hub
	Webhooks *kook.Webhooks
	// LanyingWebhooks delivers apps' message webhooks.
	LanyingWebhooks *lanying.Webhooks
	AdminToken      string

	t         testing.TB
	client    *http.Client
	closeOnce sync.Once
	close     func()

	mu   sync.Mutex
	bots map[string]bool // token → is a bot, for the KOOK Authorization scheme
}

// User is a user created through the operator API.
type User struct {
	ID, Username, Token string
}

// New starts a server over a SQLite database in t.TempDir(); opts configure
// the core (e.g. chat.WithClock). Everything is closed when the test ends.
func New(t testing.TB, opts ...chat.Option) *Env {
	t.Helper()
	return NewWith(t, Config{Chat: opts})
}

// Config configures NewWith.
type Config struct {
	Chat []chat.Option
	// Realtime configures the hub behind the gateway (queue size,
	// retention); zero fields take the defaults.
	Realtime realtime.Options
	KOOK     []kook.Option
	// Webhooks configures webhook delivery (retry waits, timeouts).
	Webhooks kook.WebhookOptions
	// LanyingWebhooks configures apps' message webhooks.
	LanyingWebhooks lanying.WebhookOptions
	// Dir is the data directory holding the database (default a new
	// t.TempDir()): a second Env on the same Dir, after Close of the
	// first, sees what the first stored.
	Dir string
}

// NewWith is New with every part configurable.
func NewWith(t testing.TB, cfg Config) *Env {
	t.Helper()
	dir := cfg.Dir
	if dir == "" {
		dir = t.TempDir()
	}
	store, err := sqlite.Open(filepath.Join(dir, "chatd.db"))
	if err != nil {
		t.Fatalf("testenv: open store: %v", err)
	}
	hub := realtime.NewHub(cfg.Realtime)
	lhooks := lanying.NewWebhooks(cfg.LanyingWebhooks)
	hooks := kook.NewWebhooks(cfg.Webhooks)
	yhooks := yunhu.NewWebhooks(webhook.Options{Timeout: cfg.Webhooks.Timeout, Retries: cfg.Webhooks.Retries})
	svc := chat.NewService(store, append([]chat.Option{chat.WithPublisher(lhooks.Tap(hub)), chat.WithAppWebhooks(lhooks), chat.WithWebhooks(hooks),
		chat.WithWebhooks(yhooks)}, cfg.Chat...)...)
	hub.Bind(svc)
	token := rand.Text()
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	url := "http://" + srv.Listener.Addr().String()
	kopts := append([]kook.Option{kook.WithPublicURL(url), kook.WithHub(hub), kook.WithWebhooks(hooks)}, cfg.KOOK...)
	kook.New(svc, kopts...).Register(mux)
	admin.New(svc, token).Register(mux)
	lanying.New(svc, lanying.WithWebhooks(lhooks)).Register(mux)
	if err := lhooks.Start(context.Background()); err != nil {
		t.Fatalf("testenv: start lanying webhooks: %v", err)
	}
	yunhu.New(svc, yunhu.WithHub(hub), yunhu.WithWebhooks(yhooks)).Register(mux)
	if err := hooks.Start(context.Background()); err != nil {
		t.Fatalf("testenv: start webhooks: %v", err)
	}
	if err := yhooks.Start(context.Background()); err != nil {
		t.Fatalf("testenv: start yunhu webhooks: %v", err)
	}
	srv.Start()
	e := &Env{URL: srv.URL, Service: svc, Hub: hub, Webhooks: hooks, LanyingWebhooks: lhooks, AdminToken: token, t: t, client: srv.Client(),
		bots: map[string]bool{}}
	e.close = func() {
		srv.CloseClientConnections()
		srv.Close()
		hooks.Close()
		lhooks.Close()
		yhooks.Close()
		hub.Close()
		if err := store.Close(); err != nil {
			t.Errorf("testenv: close store: %v", err)
		}
	}
	// Registered after TempDir's cleanup, so it runs first: the server
	// stops, then webhook delivery, the hub and the store, then the
	// directory goes.
	t.Cleanup(e.Close)
	return e
}

// Close stops the server as chatd stops: requests end, webhook delivery
// stops (leaving its outbox), then the hub and the store close. It is
// called when the test ends, and may be called earlier.
func (e *Env) Close() { e.closeOnce.Do(e.close) }

// GatewayURL is the gateway URL gateway/index hands the owner of token.
func (e *Env) GatewayURL(token string, compress int) string {
	e.t.Helper()
	r := e.KOOK(token, "GET", "/gateway/index", map[string]string{"compress": fmt.Sprint(compress)})
	var out struct{ URL string }
	if r.Status != http.StatusOK || r.Code != 0 || json.Unmarshal(r.Data, &out) != nil {
		e.t.Fatalf("testenv: gateway/index: %d %s", r.Status, r.Body)
	}
	return out.URL
}

// CreateUser creates a user (or a bot) through the operator API.
func (e *Env) CreateUser(username string, bot bool) User {
	e.t.Helper()
	var out struct{ ID, Username, Token string }
	e.mustAdmin("POST", "/users", map[string]any{"username": username, "bot": bot}, http.StatusCreated, &out)
	e.mu.Lock()
	e.bots[out.Token] = bot
	e.mu.Unlock()
	return User(out)
}

// CreateGuild creates a guild owned by ownerID.
func (e *Env) CreateGuild(name, ownerID string) (guildID, defaultChannelID string) {
	e.t.Helper()
	var out struct {
		ID               string `json:"id"`
		DefaultChannelID string `json:"default_channel_id"`
	}
	e.mustAdmin("POST", "/guilds", map[string]any{"name": name, "owner_id": ownerID}, http.StatusCreated, &out)
	return out.ID, out.DefaultChannelID
}

// AddMember makes userID a member of guildID holding roles.
func (e *Env) AddMember(guildID, userID string, roles ...int) {
	e.t.Helper()
	body := map[string]any{"user_id": userID, "roles": roles}
	e.mustAdmin("POST", "/guilds/"+guildID+"/members", body, http.StatusOK, nil)
}

// CreateRole defines a role in guildID and returns its id.
func (e *Env) CreateRole(guildID, name string, perms uint64) int {
	e.t.Helper()
	var out struct {
		RoleID int `json:"role_id"`
	}
	body := map[string]any{"name": name, "permissions": perms}
	e.mustAdmin("POST", "/guilds/"+guildID+"/roles", body, http.StatusCreated, &out)
	return out.RoleID
}

// Admin calls the operator API with the operator token. path is relative
// to /api/admin/v1 ("/users"); a path starting with /api/ is used as is.
// body is sent as JSON, or verbatim when it is a string or []byte.
func (e *Env) Admin(method, path string, body any) (status int, resp []byte) {
	e.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(body); err != nil {
			e.t.Fatalf("testenv: encode admin body: %v", err)
		}
	}
	r := e.do(method, resolve(admin.Prefix, path), "Bearer "+e.AdminToken, raw)
	return r.Status, r.Body
}

func (e *Env) mustAdmin(method, path string, body any, want int, out any) {
	e.t.Helper()
	status, resp := e.Admin(method, path, body)
	if status != want {
		e.t.Fatalf("testenv: %s %s: status %d, want %d: %s", method, path, status, want, resp)
	}
	if out != nil {
		if err := json.Unmarshal(resp, out); err != nil {
			e.t.Fatalf("testenv: %s %s: decode %s: %v", method, path, resp, err)
		}
	}
}

// Reply is a KOOK API answer. Code is -1 when the body is not a KOOK
// envelope ({"code","message","data"}); Body is the raw body either way.
type Reply struct {
	Status      int
	Code        int
	Message     string
	Data        json.RawMessage
	ContentType string
	Body        []byte
}

// KOOK calls the KOOK API at /api/v3+path as the owner of token. GET sends
// params (map[string]string or url.Values) as the query; other methods send
// them as JSON. The token is sent as "Bot <token>" for bots created by
// CreateUser and "Bearer <token>" otherwise; a token containing a space is
// sent verbatim, and an empty one not at all.
//
// A transport failure is reported with t.Errorf (so KOOK may be called from
// any goroutine) and gives a Reply with Status 0.
func (e *Env) KOOK(token, method, path string, params any) Reply {
	e.t.Helper()
	target := resolve("/api/v3", path)
	var body []byte
	if method == http.MethodGet || method == http.MethodHead {
		q, err := query(params)
		if err != nil {
			e.t.Errorf("testenv: %s %s: %v", method, path, err)
			return Reply{}
		}
		if q != "" {
			target += "?" + q
		}
	} else {
		if params == nil {
			params = struct{}{}
		}
		var err error
		if body, err = json.Marshal(params); err != nil {
			e.t.Errorf("testenv: %s %s: encode params: %v", method, path, err)
			return Reply{}
		}
	}
	return e.do(method, target, e.authorization(token), body)
}

// Raw sends body verbatim, as JSON, to path (relative to /api/v3 unless it
// starts with /api/), authorized like KOOK.
func (e *Env) Raw(method, path, token, body string) Reply {
	e.t.Helper()
	return e.do(method, resolve("/api/v3", path), e.authorization(token), []byte(body))
}

func (e *Env) authorization(token string) string {
	if token == "" || strings.Contains(token, " ") {
		return token
	}
	e.mu.Lock()
	bot := e.bots[token]
	e.mu.Unlock()
	if bot {
		return "Bot " + token
	}
	return "Bearer " + token
}

func (e *Env) do(method, target, authorization string, body []byte) Reply {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.URL+target, rd)
	if err != nil {
		e.t.Errorf("testenv: %s %s: %v", method, target, err)
		return Reply{}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Errorf("testenv: %s %s: %v", method, target, err)
		return Reply{}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Errorf("testenv: %s %s: read body: %v", method, target, err)
	}
	r := Reply{Status: resp.StatusCode, Code: -1, ContentType: resp.Header.Get("Content-Type"), Body: raw}
	var env struct {
		Code    *int            `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if json.Unmarshal(raw, &env) == nil && env.Code != nil {
		r.Code, r.Message, r.Data = *env.Code, env.Message, env.Data
	}
	return r
}

func resolve(prefix, path string) string {
	if strings.HasPrefix(path, "/api/") {
		return path
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return prefix + path
}

func query(params any) (string, error) {
	switch p := params.(type) {
	case nil:
		return "", nil
	case map[string]string:
		q := make(url.Values, len(p))
		for k, v := range p {
			q.Set(k, v)
		}
		return q.Encode(), nil
	case url.Values:
		return p.Encode(), nil
	}
	return "", fmt.Errorf("GET params must be map[string]string or url.Values, not %T", params)
}
