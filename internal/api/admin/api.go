// Package admin is the operator API: it creates users, bots, guilds,
// members and roles. It is the only face that can do so, and it answers
// only to the operator token.
package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/chatd/chatd/internal/chat"
)

// Prefix is where every operator endpoint lives.
const Prefix = "/api/admin/v1"

// API serves the operator endpoints over a Service.
type API struct {
	svc *chat.Service
	// tokenHash is the SHA-256 of the operator token: comparing hashes keeps
	// the comparison constant-time whatever the length of the presented token.
	tokenHash [32]byte
	enabled   bool
}

// New returns the operator API guarded by token. An empty token locks every
// guarded endpoint.
func New(svc *chat.Service, token string) *API {
	return &API{svc: svc, tokenHash: sha256.Sum256([]byte(token)), enabled: token != ""}
}

// Register adds the operator endpoints to mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Prefix+"/health", a.health)
	mux.Handle("POST "+Prefix+"/apps", a.guard(a.createApp))
	mux.Handle("PATCH "+Prefix+"/apps/{app_id}", a.guard(a.patchApp))
	mux.Handle("POST "+Prefix+"/users", a.guard(a.createUser))
	mux.Handle("GET "+Prefix+"/users/{id}", a.guard(a.getUser))
	mux.Handle("PATCH "+Prefix+"/users/{id}", a.guard(a.patchUser))
	mux.Handle("POST "+Prefix+"/guilds", a.guard(a.createGuild))
	mux.Handle("POST "+Prefix+"/groups", a.guard(a.createGroup))
	mux.Handle("POST "+Prefix+"/guilds/{guild_id}/members", a.guard(a.addMember))
	mux.Handle("DELETE "+Prefix+"/guilds/{guild_id}/members/{user_id}", a.guard(a.removeMember))
	mux.Handle("POST "+Prefix+"/guilds/{guild_id}/roles", a.guard(a.createRole))
	// Anything else under the prefix gets a JSON answer too, so operator
	// tools never have to parse the mux's plain-text pages.
	mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, &apiError{status: http.StatusNotFound, code: codeNotFound,
			message: "no endpoint " + r.Method + " " + r.URL.Path})
	})
}

func (a *API) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// guard lets a request through only with the operator token.
func (a *API) guard(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="chatd-admin"`)
			writeError(w, r, &apiError{status: http.StatusUnauthorized, code: codeUnauthenticated,
				message: "missing or wrong operator token (Authorization: Bearer <token>)"})
			return
		}
		if err := h(w, r); err != nil {
			writeError(w, r, err)
		}
	})
}

func (a *API) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(got[:], a.tokenHash[:]) == 1 && a.enabled
}
