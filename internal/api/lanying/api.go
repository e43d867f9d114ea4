// Package lanying speaks Lanying IM's server REST API (/message/*, and the
// minimum of /user, /token and /group) over the chat core. It parses
// requests, calls chat.Service and renders Lanying's envelopes: no rule of
// the chat lives here.
package lanying

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/chatd/chatd/internal/chat"
)

// API serves the Lanying face.
type API struct {
	svc *chat.Service
	log *slog.Logger
}

// Option configures the Lanying face.
type Option func(*API)

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(a *API) { a.log = l } }

// New returns the Lanying face of svc.
func New(svc *chat.Service, opts ...Option) *API {
	a := &API{svc: svc, log: slog.Default()}
	for _, o := range opts {
		o(a)
	}
	return a
}

// Register mounts the routes on mux.
func (a *API) Register(mux *http.ServeMux) {
	for _, m := range []string{"POST", "PUT"} {
		mux.Handle(m+" /message/send", a.authed(a.send))
		mux.Handle(m+" /message/notify", a.authed(a.notify))
		mux.Handle(m+" /message/recall", a.authed(a.recall))
	}
	mux.Handle("GET /message/unread", a.authed(a.unread))
	mux.Handle("GET /message/conversation", a.authed(a.conversation))
	mux.Handle("DELETE /message/conversation", a.authed(a.deleteConversation))
	mux.Handle("POST /message/conversation", a.authed(a.deleteConversation))
	mux.Handle("GET /message/ack", a.authed(a.ack))
	mux.Handle("POST /user/register/v2", a.open(a.register))
	mux.Handle("POST /token/user", a.open(a.tokenByName))
	mux.Handle("POST /token/id", a.open(a.tokenByID))
	mux.Handle("POST /group/create", a.authed(a.createGroup))
	mux.Handle("POST /group/invite", a.authed(a.invite))
	mux.Handle("GET /group/member_list", a.authed(a.memberList))
	mux.Handle("DELETE /group/leave", a.authed(a.leave))
	mux.Handle("POST /group/leave", a.authed(a.leave))
}

// Lanying's codes (reference §B.5; docs/errors.md).
const (
	codeOK            = 200
	codeNoUser        = 10000
	codeBadParam      = 10002
	codeNoToken       = 10003
	codeUserExists    = 10004
	codeBadToken      = 10008
	codeNoPermission  = 10010
	codeServer        = 20000
	codeNoGroup       = 20001
	codeNotMember     = 20002
	codeOwnerLeave    = 20004
	codeTooManyTarget = 12005
	codeNoApp         = 40000
)

// apiError is a failure with its Lanying code.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return e.msg }

func fail(code int, msg string) error { return &apiError{code, msg} }

func badParam(msg string) error { return fail(codeBadParam, msg) }

// envelope is every response: business errors too come back as HTTP 200.
type envelope struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data"`
	// MsgIDs are the ids of the messages a send stored (one per target).
	MsgIDs []int64 `json:"msg_ids,omitempty"`
	Cursor string  `json:"cursor,omitempty"`
	Total  *int    `json:"total,omitempty"`
}

func writeJSON(w http.ResponseWriter, e envelope) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(e)
}

// codeOf maps the core's errors onto Lanying's codes. what is the kind of
// object the request names, for not-found.
func codeOf(err error) (int, string) {
	var ae *apiError
	var nf *chat.NotFoundError
	switch {
	case errors.As(err, &ae):
		return ae.code, ae.msg
	case errors.Is(err, chat.ErrOwnerCannotLeave):
		return codeOwnerLeave, err.Error()
	case errors.Is(err, chat.ErrBadPassword):
		return codeBadParam, err.Error()
	case errors.Is(err, chat.ErrUnauthenticated):
		return codeBadToken, "invalid access-token"
	case errors.Is(err, chat.ErrForbidden):
		return codeNoPermission, err.Error()
	case errors.Is(err, chat.ErrInvalid):
		return codeBadParam, err.Error()
	case errors.As(err, &nf):
		switch nf.What {
		case chat.WhatUser:
			return codeNoUser, err.Error()
		case chat.WhatChat, chat.WhatMember:
			return codeNoGroup, err.Error()
		case chat.WhatApp:
			return codeNoApp, "app_id not found"
		}
		return codeBadParam, err.Error()
	}
	return codeServer, "internal error"
}

type result struct {
	data   any
	msgIDs []int64
	cursor string
	total  *int
}

func (a *API) reply(w http.ResponseWriter, r *http.Request, res result, err error) {
	if err != nil {
		code, msg := codeOf(err)
		if code == codeServer {
			a.log.Error("lanying request failed", "path", r.URL.Path, "err", err)
		}
		writeJSON(w, envelope{Code: code, Message: msg, Data: nil})
		return
	}
	writeJSON(w, envelope{Code: codeOK, Data: res.data, MsgIDs: res.msgIDs, Cursor: res.cursor, Total: res.total})
}

// headerID reads an int64 header; absent is 0.
func headerID(r *http.Request, name string) (int64, error) {
	v := r.Header.Get(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, badParam(name + " must be a positive int64")
	}
	return id, nil
}

// appOf resolves the app_id header.
func (a *API) appOf(ctx context.Context, r *http.Request) (chat.App, error) {
	id, err := headerID(r, "app_id")
	if err != nil {
		return chat.App{}, fail(codeNoApp, "app_id not found")
	}
	if id == 0 {
		return chat.App{}, badParam("app_id header is required")
	}
	app, err := a.svc.App(ctx, id)
	if errors.Is(err, chat.ErrNotFound) {
		return chat.App{}, fail(codeNoApp, "app_id not found")
	}
	return app, err
}

// caller is who a request acts as. user is zero when an admin token named
// neither user_id nor group_id (endpoints that need a user then ask for one).
type caller struct {
	chat.Caller
	actor chat.User
}

// device is the read-state device of the caller's token ("" for none).
func (c caller) device() string {
	if c.Device == 0 {
		return ""
	}
	return strconv.Itoa(int(c.Device))
}

func (a *API) resolveCaller(r *http.Request) (caller, error) {
	ctx := r.Context()
	app, err := a.appOf(ctx, r)
	if err != nil {
		return caller{}, err
	}
	token := r.Header.Get("access-token")
	if token == "" {
		return caller{}, fail(codeNoToken, "access-token header is missing")
	}
	c, err := a.svc.AuthenticateApp(ctx, app.ID, token)
	if err != nil {
		return caller{}, err
	}
	userID, err := headerID(r, "user_id")
	if err != nil {
		return caller{}, err
	}
	groupID, err := headerID(r, "group_id")
	if err != nil {
		return caller{}, err
	}
	out := caller{Caller: c, actor: c.User}
	if !c.Admin {
		if (userID != 0 && userID != c.User.ID) || groupID != 0 {
			return caller{}, fail(codeNoPermission, "user_id and group_id headers need an admin token")
		}
		return out, nil
	}
	switch {
	case userID != 0:
		out.actor, err = a.svc.ActAs(ctx, app, userID)
	case groupID != 0:
		out.actor, err = a.svc.ActAsGroupAdmin(ctx, app, groupID)
	}
	return out, err
}

// user is the user a request acts as; admin tokens must name one.
func (c caller) user() (chat.User, error) {
	if c.actor.ID == 0 {
		return chat.User{}, badParam("an admin token needs the user_id (or group_id) header here")
	}
	return c.actor, nil
}

type handler func(r *http.Request, c caller) (result, error)

func (a *API) authed(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := a.resolveCaller(r)
		if err != nil {
			a.reply(w, r, result{}, err)
			return
		}
		res, err := h(r, c)
		a.reply(w, r, res, err)
	})
}

func (a *API) open(h func(r *http.Request, app chat.App) (result, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		app, err := a.appOf(r.Context(), r)
		if err != nil {
			a.reply(w, r, result{}, err)
			return
		}
		res, err := h(r, app)
		a.reply(w, r, res, err)
	})
}

// maxBody bounds a request body (500 targets and an 8000-character
// content fit well within it).
const maxBody = 1 << 20

// decode reads a JSON body into v, strictly typed: a wrong type or
// trailing data is a bad parameter.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBody))
	if err := dec.Decode(v); err != nil {
		return badParam("malformed body: " + err.Error())
	}
	if dec.More() {
		return badParam("malformed body: trailing data")
	}
	return nil
}

// queryID reads an int64 query parameter; required ones must be > 0.
func queryID(r *http.Request, name string, required bool) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		if required {
			return 0, badParam(name + " is required")
		}
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 || (required && id == 0 && name != "msg_id_start" && name != "device_sn") {
		return 0, badParam(name + " must be a non-negative int64")
	}
	return id, nil
}
