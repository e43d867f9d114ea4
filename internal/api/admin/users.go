package admin

import (
	"net/http"

	"github.com/chatd/chatd/internal/chat"
)

type userJSON struct {
	ID       ID     `json:"id"`
	Username string `json:"username"`
	Nickname string `json:"nickname"`
	Bot      bool   `json:"bot"`
	AppID    ID     `json:"app_id"`
	// Token is shown only when the user is created.
	Token string `json:"token,omitempty"`
}

func renderUser(u chat.User) userJSON {
	return userJSON{ID: ID(u.ID), Username: u.Username, Nickname: u.Nickname, Bot: u.Bot, AppID: ID(u.AppID)}
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Username string `json:"username"`
		Nickname string `json:"nickname"`
		Bot      bool   `json:"bot"`
		AppID    ID     `json:"app_id"` // optional: the default app
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, token, err := a.svc.CreateUser(r.Context(), chat.NewUser{Username: in.Username, Nickname: in.Nickname, Bot: in.Bot,
		AppID: int64(in.AppID)})
	if err != nil {
		return err
	}
	out := renderUser(u)
	out.Token = token
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := a.svc.User(r.Context(), id)
	if err != nil {
		return err
	}
	hook, err := a.svc.Webhook(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderSettings(u, hook))
	return nil
}
