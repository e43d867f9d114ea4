package kook

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/gorilla/websocket"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/realtime"
)

// The gateway: KOOK's WebSocket (reference/kook.md §1). gateway/index hands
// out a URL that carries the token, because no client sends a header on
// the dial; the socket then speaks KOOK's signals over a realtime session.

func (a *API) gatewayRoutes(r map[string]handler) {
	r["GET /api/v3/gateway/index"] = a.gatewayIndex
}

type gatewayJSON struct {
	URL string `json:"url"`
}

// gatewayIndex answers the ws:// (or wss://) URL of this node's gateway,
// compressed unless compress=0.
func (a *API) gatewayIndex(r *http.Request, _ chat.User, p *params) (any, error) {
	compress := p.integer("compress", 1)
	if compress != 0 && compress != 1 {
		p.fail("compress", "must be 0 or 1, got %d", compress)
	}
	if p.err != nil {
		return nil, p.err
	}
	u := *a.publicURL
	u.Scheme = "ws"
	if a.publicURL.Scheme == "https" {
		u.Scheme = "wss"
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/gateway"
	u.RawPath, u.Fragment, u.RawFragment, u.User = "", "", "", nil
	q := url.Values{}
	q.Set("compress", strconv.Itoa(compress))
	q.Set("token", bearer(r.Header.Get("Authorization")))
	u.RawQuery = q.Encode() // compress, then token

	return gatewayJSON{URL: u.String()}, nil
}

// HELLO failure and RECONNECT codes (docs/errors.md).
const (
	codeMissingParams  = 40100 // no token
	codeBadToken       = 40101
	codeTokenCheck     = 40102 // the token could not be checked (store failure)
	codeResumeParams   = 40106
	codeSessionExpired = 40107
	codeInvalidSN      = 40108
)

// upgrader keeps idle connections small: the handshake's buffers come from
// one shared pool, and reads use a small buffer of the gateway's own (see
// readerHijacker; ReadBufferSize 0 makes gorilla read through it).
var upgrader = websocket.Upgrader{
	WriteBufferSize: 512,
	WriteBufferPool: &sync.Pool{},
	// Bots send no Origin; the token in the URL is the credential.
	CheckOrigin: func(*http.Request) bool { return true },
}

// readBufferSize is a gateway socket's read buffer: clients send only
// small signals.
const readBufferSize = 512

// readerHijacker hands gorilla a read buffer that the gateway keeps too,
// so that an idle connection's reader can wait for the next frame on that
// buffer, outside gorilla, whose frames would double its stack.
type readerHijacker struct {
	http.ResponseWriter
	br *bufio.Reader
}

func (h *readerHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil || brw.Reader.Buffered() > 0 { // gorilla refuses the latter
		return nc, brw, err
	}
	h.br = bufio.NewReaderSize(nc, readBufferSize)
	return nc, bufio.NewReadWriter(h.br, brw.Writer), nil
}

// serveGateway upgrades, authenticates from the URL, opens or resumes a
// session and hands the socket to its reader goroutine (and to short-lived
// writers); the handler returns at once so that net/http's per-request
// state is freed.
func (a *API) serveGateway(w http.ResponseWriter, r *http.Request) {
	if a.hub == nil {
		http.Error(w, "the gateway is not enabled on this node", http.StatusServiceUnavailable)
		return
	}
	q := r.URL.Query()
	hj := &readerHijacker{ResponseWriter: w}
	ws, err := upgrader.Upgrade(hj, r, nil)
	if err != nil {
		return // Upgrade answered with an HTTP error
	}
	c := newGatewayConn(a, ws, hj.br, q.Get("compress") != "0")
	ctx := context.Background()
	token := q.Get("token")
	if token == "" {
		c.refuse(1, map[string]any{"code": codeMissingParams, "err": "missing token"})
		return
	}
	user, err := a.svc.Authenticate(ctx, token)
	if err != nil {
		code := codeBadToken
		if !errors.Is(err, chat.ErrUnauthenticated) {
			code = codeTokenCheck
			a.log.Error("gateway: checking a token failed", "err", err)
		}
		c.refuse(1, map[string]any{"code": code, "err": "invalid token"})
		return
	}
	resuming := q.Get("resume") == "1" || q.Get("resule") == "1"
	var sess *realtime.Session
	if resuming {
		id := q.Get("session_id")
		if id == "" {
			id = q.Get("sessionId")
		}
		rawSN, hasSN := q.Get("sn"), q.Has("sn")
		if id == "" || !hasSN {
			c.refuse(5, map[string]any{"code": codeResumeParams, "err": "missing params: resume needs session_id and sn"})
			return
		}
		sn, err := strconv.ParseInt(rawSN, 10, 64)
		if err != nil {
			sn = -1 // reported as an invalid sn below
		}
		sess, err = a.hub.Resume(user, id, sn)
		if err != nil {
			code, msg := resumeError(err)
			c.refuse(5, map[string]any{"code": code, "err": msg})
			return
		}
	} else {
		sess, err = a.hub.Open(ctx, user)
		if err != nil {
			a.log.Error("gateway: opening a session failed", "user", user.ID, "err", err)
			c.refuse(1, map[string]any{"code": codeTokenCheck, "err": "cannot open a session"})
			return
		}
	}
	// Registered before the mode is read: a switch to webhook mode either
	// is seen here or finds this session to close.
	a.gateways.add(user.ID, sess)
	hook, err := a.svc.Webhook(ctx, user.ID)
	if err != nil || hook.Enabled() {
		a.gateways.remove(user.ID, sess)
		sess.Close()
		if err != nil {
			a.log.Error("gateway: reading the callback configuration failed", "user", user.ID, "err", err)
			c.refuse(1, map[string]any{"code": codeTokenCheck, "err": "cannot check the bot's mode"})
			return
		}
		c.refuse(1, map[string]any{"code": codeWebhookMode, "err": "this bot is in webhook mode: events go to its callback URL"})
		return
	}
	c.verifyToken = hook.VerifyToken
	a.presence.add(user.ID)
	c.start(sess, resuming)
}

// resumeError maps a failed resume onto KOOK's RECONNECT codes.
func resumeError(err error) (int, string) {
	switch {
	case errors.Is(err, realtime.ErrInvalidSN):
		return codeInvalidSN, "invalid sn: it was never sent or is no longer held"
	case errors.Is(err, realtime.ErrSessionExpired):
		return codeSessionExpired, "session expired"
	}
	return codeSessionExpired, "unknown session"
}

// presence counts each user's open gateway connections: a user is online
// while it has one.
type presence struct {
	svc *chat.Service
	mu  sync.Mutex
	n   map[int64]int
}

func (p *presence) add(user int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n == nil {
		p.n = map[int64]int{}
	}
	p.n[user]++
	if p.n[user] == 1 {
		p.svc.SetOnline(user, true)
	}
}

func (p *presence) drop(user int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n[user]--
	if p.n[user] <= 0 {
		delete(p.n, user)
		p.svc.SetOnline(user, false)
	}
}
