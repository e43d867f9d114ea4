package admin

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/chatd/chatd/internal/chat"
)

// Error codes of the operator API.
const (
	codeInvalid         = "invalid_argument"
	codeNotFound        = "not_found"
	codeUnauthenticated = "unauthenticated"
	codeForbidden       = "forbidden"
	codeInternal        = "internal"
)

// apiError is an error already decided at the HTTP layer (bad token,
// unknown endpoint).
type apiError struct {
	status  int
	code    string
	message string
	field   string
}

func (e *apiError) Error() string { return e.message }

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// describe maps an error of the core (or of request parsing) onto the
// status, code and field the operator sees.
func describe(err error) (int, errorDetail) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.status, errorDetail{Code: ae.code, Message: ae.message, Field: ae.field}
	}
	var fe *chat.FieldError
	if errors.As(err, &fe) {
		return http.StatusBadRequest, errorDetail{Code: codeInvalid, Message: fe.Error(), Field: fe.Field}
	}
	switch {
	case errors.Is(err, chat.ErrInvalid), errors.Is(err, chat.ErrConflict):
		return http.StatusBadRequest, errorDetail{Code: codeInvalid, Message: err.Error()}
	case errors.Is(err, chat.ErrNotFound):
		return http.StatusNotFound, errorDetail{Code: codeNotFound, Message: err.Error()}
	case errors.Is(err, chat.ErrUnauthenticated):
		return http.StatusUnauthorized, errorDetail{Code: codeUnauthenticated, Message: err.Error()}
	case errors.Is(err, chat.ErrForbidden):
		return http.StatusForbidden, errorDetail{Code: codeForbidden, Message: err.Error()}
	}
	return http.StatusInternalServerError, errorDetail{Code: codeInternal, Message: "internal error"}
}

func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, d := describe(err)
	if status == http.StatusInternalServerError {
		// The operator sees only "internal error"; the log keeps the cause.
		slog.ErrorContext(r.Context(), "admin request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, status, errorBody{Error: d})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
