// Package kook speaks the KOOK v3 HTTP API over the chat core. It parses
// requests, calls chat.Service and renders KOOK's objects: no rule of the
// chat lives here.
package kook

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/chatd/chatd/internal/chat"
)

// API serves /api/v3.
type API struct {
	svc *chat.Service
	log *slog.Logger
}

// New returns the KOOK face of svc.
func New(svc *chat.Service) *API {
	return &API{svc: svc, log: slog.Default()}
}

// handler is one endpoint: it gets the authenticated caller and its
// parameters, and returns the envelope's data.
type handler func(r *http.Request, caller chat.User, p *params) (any, error)

// Register adds every KOOK route to mux.
func (a *API) Register(mux *http.ServeMux) {
	for pattern, h := range a.routes() {
		mux.Handle(pattern, a.endpoint(h))
	}
}

func (a *API) routes() map[string]handler {
	r := map[string]handler{}
	a.messageRoutes(r)
	a.directMessageRoutes(r)
	a.userRoutes(r)
	a.guildRoutes(r)
	a.channelRoutes(r)
	a.userChatRoutes(r)
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

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
