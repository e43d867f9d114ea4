// Package yunhu speaks Yunhu's /v1/msg client API (protobuf and JSON bodies,
// the header token) over the chat core. It parses requests, calls
// chat.Service and renders Yunhu's messages: no rule of the chat lives here.
package yunhu

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/realtime"

	"google.golang.org/protobuf/proto"
)

// API serves /v1/msg/*.
type API struct {
	svc    *chat.Service
	log    *slog.Logger
	reqID  atomic.Int64
	hub    *realtime.Hub // the push socket's sessions; nil: no /ws
	pushes pushCache
}

// Option configures the Yunhu face.
type Option func(*API)

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(a *API) { a.log = l } }

// WithHub enables the push socket GET /ws over hub's sessions.
func WithHub(h *realtime.Hub) Option { return func(a *API) { a.hub = h } }

// New returns the Yunhu face of svc.
func New(svc *chat.Service, opts ...Option) *API {
	a := &API{svc: svc, log: slog.Default()}
	a.reqID.Store(time.Now().UnixMilli() << 16)
	for _, o := range opts {
		o(a)
	}
	return a
}

// Codes of Status.code and of the JSON envelope (docs/errors.md). 1 and
// -101 are Yunhu's; the other failures are chatd's.
const (
	codeOK           = 1
	codeInternal     = -1
	codeInvalid      = -2
	codeNotFound     = -3
	codeForbidden    = -4
	codeUnauthorized = -101
)

// maxBody bounds a request body.
const maxBody = 1 << 20

// protoHandler answers one protobuf endpoint: req is the decoded body; the
// returned message (nil for a bare StatusResponse) gets its Status set.
type protoHandler struct {
	newReq func() proto.Message
	serve  func(r *http.Request, caller chat.User, req proto.Message) (withStatus, error)
}

// withStatus is a response message whose Status the endpoint fills in.
type withStatus interface {
	proto.Message
	setStatus(*yhpb.Status)
}

type statusResponse struct{ *yhpb.StatusResponse }

func (s statusResponse) setStatus(st *yhpb.Status) { s.Status = st }

type listResponse struct{ *yhpb.ListMsgResponse }

func (l listResponse) setStatus(st *yhpb.Status) { l.Status = st }

// jsonHandler answers one JSON endpoint with its data (nil for none).
type jsonHandler func(r *http.Request, caller chat.User, body []byte) (any, error)

// Register adds every Yunhu route to mux. A method other than POST gets a
// 404, as Yunhu's backend answers it.
func (a *API) Register(mux *http.ServeMux) {
	for path, h := range a.protoRoutes() {
		mux.Handle("POST /v1/msg/"+path, a.protoEndpoint(h))
	}
	for path, h := range a.jsonRoutes() {
		mux.Handle("POST /v1/msg/"+path, a.jsonEndpoint(h))
	}
	mux.HandleFunc("/v1/msg/", http.NotFound)
	mux.HandleFunc("GET /ws", a.serveWS)
	a.registerBot(mux)
}

func (a *API) protoRoutes() map[string]protoHandler {
	return map[string]protoHandler{
		"send-message":                {func() proto.Message { return &yhpb.SendMsgRequest{} }, a.sendMessage},
		"edit-message":                {func() proto.Message { return &yhpb.SendMsgRequest{} }, a.editMessage},
		"list-message-by-seq":         {func() proto.Message { return &yhpb.ListMsgBySeqRequest{} }, a.listBySeq},
		"list-message":                {func() proto.Message { return &yhpb.ListMsgRequest{} }, a.listMessage},
		"list-message-by-mid-seq":     {func() proto.Message { return &yhpb.ListMsgByMidSeqRequest{} }, a.listByMidSeq},
		"pic-list-message-by-mid-seq": {func() proto.Message { return &yhpb.PicListMsgByMidSeqRequest{} }, a.picList},
		"recall-msg":                  {func() proto.Message { return &yhpb.RecallMsg{} }, a.recallOne},
		"recall-msg-batch":            {func() proto.Message { return &yhpb.RecallMsg{} }, a.recallBatch},
		"button-report":               {func() proto.Message { return &yhpb.ButtonReportRequest{} }, a.buttonReport},
	}
}

func (a *API) jsonRoutes() map[string]jsonHandler {
	return map[string]jsonHandler{
		"list-message-edit-record": a.editRecords,
		"delete":                   a.deleteForMe,
		"msg-forward":              a.forward,
		"file-download-record":     a.downloadRecord,
	}
}

// authenticate reads the header token. Yunhu answers a request without a
// token in JSON even on a protobuf endpoint; the caller does the same.
func (a *API) authenticate(r *http.Request) (chat.User, error) {
	token := r.Header.Get("token")
	if token == "" {
		return chat.User{}, chat.ErrUnauthenticated
	}
	return a.svc.Authenticate(r.Context(), token)
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, &chat.FieldError{Field: "body", Reason: "unreadable or larger than " + strconv.Itoa(maxBody) + " bytes"}
	}
	return body, nil
}

func (a *API) protoEndpoint(h protoHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("token") == "" {
			a.writeJSON(w, r, nil, chat.ErrUnauthenticated)
			return
		}
		var resp withStatus = statusResponse{&yhpb.StatusResponse{}}
		caller, err := a.authenticate(r)
		var body []byte
		if err == nil {
			body, err = readBody(w, r)
		}
		req := h.newReq()
		if err == nil {
			err = Decode(body, req)
		}
		if err == nil {
			var out withStatus
			out, err = h.serve(r, caller, req)
			if err == nil && out != nil {
				resp = out
			}
		}
		if err != nil {
			resp = statusResponse{&yhpb.StatusResponse{}} // a failure carries its Status only
		}
		resp.setStatus(a.status(r, err))
		b, merr := proto.Marshal(resp)
		if merr != nil {
			a.log.ErrorContext(r.Context(), "yunhu: encoding a response failed", "err", merr)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		_, _ = w.Write(b)
	})
}

func (a *API) jsonEndpoint(h jsonHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caller, err := a.authenticate(r)
		var body []byte
		if err == nil {
			body, err = readBody(w, r)
		}
		var data any
		if err == nil {
			data, err = h(r, caller, body)
		}
		a.writeJSON(w, r, data, err)
	})
}

// status renders err (nil for success) as a Status.
func (a *API) status(r *http.Request, err error) *yhpb.Status {
	code, msg := a.describe(r, err)
	return &yhpb.Status{RequestId: a.reqID.Add(1), Code: int32(code), Msg: msg}
}

// describe maps a core error onto a code and its message.
func (a *API) describe(r *http.Request, err error) (int, string) {
	var fe *chat.FieldError
	var nf *chat.NotFoundError
	switch {
	case err == nil:
		return codeOK, "success"
	case errors.Is(err, chat.ErrUnauthenticated):
		return codeUnauthorized, "未登录"
	case errors.As(err, &fe):
		return codeInvalid, "参数错误: " + fe.Error()
	case errors.Is(err, chat.ErrInvalid):
		return codeInvalid, "参数错误: " + err.Error()
	case errors.As(err, &nf):
		return codeNotFound, nf.What + " 不存在或无权限"
	case errors.Is(err, chat.ErrForbidden):
		return codeForbidden, "无权限: " + err.Error()
	}
	a.log.ErrorContext(r.Context(), "yunhu request failed", "path", r.URL.Path, "err", err)
	return codeInternal, "internal error"
}
