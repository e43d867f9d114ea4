// Package kook speaks the KOOK v3 HTTP API over the chat core. It parses
// requests, calls chat.Service and renders KOOK's objects: no rule of the
// chat lives here.
package kook

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/realtime"
)

// API serves /api/v3 and the gateway WebSocket.
type API struct {
	svc *chat.Service
	log *slog.Logger

	publicURL    *url.URL
	hub          *realtime.Hub
	idleTimeout  time.Duration
	writeTimeout time.Duration
	presence     presence
	frames       frameCache
	webhooks     *Webhooks
	gateways     gatewaySessions
}

// Option configures the KOOK face.
type Option func(*API)

// WithPublicURL is the http(s) URL clients reach this node at; the gateway
// URL that gateway/index hands out is built from it. An unparsable URL is
// ignored (serve validates the flag).
func WithPublicURL(raw string) Option {
	return func(a *API) {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			a.publicURL = u
		}
	}
}

// WithHub enables the gateway: its sessions come from hub.
func WithHub(h *realtime.Hub) Option { return func(a *API) { a.hub = h } }

// WithGatewayIdle is how long a gateway connection may stay silent (no
// PING) before it is closed; default 90 s, above the 30 s (±5 s) PING
// period every client uses, with room for two lost PINGs.
func WithGatewayIdle(d time.Duration) Option { return func(a *API) { a.idleTimeout = d } }

// WithGatewayWriteTimeout bounds one write to a gateway socket; a client
// that reads nothing for that long is disconnected (default 10 s).
func WithGatewayWriteTimeout(d time.Duration) Option { return func(a *API) { a.writeTimeout = d } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(a *API) { a.log = l } }

// New returns the KOOK face of svc.
func New(svc *chat.Service, opts ...Option) *API {
	a := &API{svc: svc, log: slog.Default(), idleTimeout: 90 * time.Second, writeTimeout: 10 * time.Second}
	for _, o := range opts {
		o(a)
	}
	if a.publicURL == nil {
		a.publicURL = &url.URL{Scheme: "http", Host: "127.0.0.1:8080"}
	}
	a.presence.svc = svc
	a.frames.init()
	return a
}

// handler is one endpoint: it gets the authenticated caller and its
// parameters, and returns the envelope's data.
type handler func(r *http.Request, caller chat.User, p *params) (any, error)

// Register adds every KOOK route to mux.
func (a *API) Register(mux *http.ServeMux) {
	for pattern, h := range a.routes() {
		mux.Handle(pattern, a.endpoint(h))
	}
	mux.HandleFunc("GET /gateway", a.serveGateway)
}

func (a *API) routes() map[string]handler {
	r := map[string]handler{}
	a.messageRoutes(r)
	a.directMessageRoutes(r)
	a.userRoutes(r)
	a.guildRoutes(r)
	a.channelRoutes(r)
	a.userChatRoutes(r)
	a.gatewayRoutes(r)
	return r
}

// Codes of the envelope. KOOK documents 0, 401, 40000 and 40300; 40400 and
// 50000 are chatd's (docs/errors.md).
const (
	codeOK           = 0
	codeUnauthorized = 401
	codeInvalid      = 40000
	codeForbidden    = 40300
	codeNotFound     = 40400
	codeInternal     = 50000
)

type envelope struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data"`
}

// maxBody bounds a request body: a card message of 8000 characters of
// 4-byte runes, JSON-escaped, fits well within it.
const maxBody = 1 << 20

func (a *API) endpoint(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caller, err := a.svc.Authenticate(r.Context(), bearer(r.Header.Get("Authorization")))
		if err != nil {
			a.fail(w, r, err)
			return
		}
		p, err := readParams(w, r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		data, err := h(r, caller, p)
		if err == nil {
			err = p.err
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if data == nil {
			data = struct{}{}
		}
		write(w, http.StatusOK, envelope{Code: codeOK, Message: "操作成功", Data: data})
	})
}

// bearer takes the token out of "Bot <token>" or "Bearer <token>".
func bearer(h string) string {
	for _, scheme := range []string{"Bot ", "Bearer "} {
		if len(h) > len(scheme) && strings.EqualFold(h[:len(scheme)], scheme) {
			return strings.TrimSpace(h[len(scheme):])
		}
	}
	return ""
}

func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var fe *chat.FieldError
	var nf *chat.NotFoundError
	switch {
	case errors.Is(err, chat.ErrUnauthenticated):
		write(w, http.StatusUnauthorized, envelope{Code: codeUnauthorized, Message: "你的用户凭证不正确",
			Data: map[string]any{"name": "Unauthorized", "status": 401}})
	case errors.As(err, &fe):
		write(w, http.StatusBadRequest, envelope{Code: codeInvalid, Message: fe.Error(),
			Data: map[string]any{"field": fe.Field}})
	case errors.Is(err, chat.ErrInvalid):
		write(w, http.StatusBadRequest, envelope{Code: codeInvalid, Message: err.Error(), Data: struct{}{}})
	case errors.Is(err, chat.ErrForbidden):
		write(w, http.StatusForbidden, envelope{Code: codeForbidden, Message: err.Error(), Data: struct{}{}})
	case errors.As(err, &nf):
		write(w, http.StatusNotFound, envelope{Code: codeNotFound, Message: nf.Error(),
			Data: map[string]any{"object": nf.What}})
	default:
		a.log.ErrorContext(r.Context(), "kook request failed", "path", r.URL.Path, "err", err)
		write(w, http.StatusInternalServerError, envelope{Code: codeInternal, Message: "internal error", Data: struct{}{}})
	}
}

// jsonContentType is shared by every response: net/http only reads it.
var jsonContentType = []string{"application/json; charset=utf-8"}

// responseBuf is an encoder with the buffer it writes to, reused across
// responses: encoding into a fresh Encoder per response allocates.
type responseBuf struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var responseBufs = sync.Pool{New: func() any {
	b := &responseBuf{}
	b.enc = json.NewEncoder(&b.buf)
	return b
}}

func write(w http.ResponseWriter, status int, v any) {
	b := responseBufs.Get().(*responseBuf)
	defer func() {
		if b.buf.Cap() <= 256<<10 { // a huge list is not kept around
			b.buf.Reset()
			responseBufs.Put(b)
		}
	}()
	err := b.enc.Encode(v)
	w.Header()["Content-Type"] = jsonContentType
	if err == nil {
		w.Header()["Content-Length"] = []string{strconv.Itoa(b.buf.Len())}
	}
	w.WriteHeader(status)
	_, _ = w.Write(b.buf.Bytes())
}
