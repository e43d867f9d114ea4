package lanying

import (
	"errors"
	"net/http"
	"strings"

	"github.com/chatd/chatd/internal/chat"
)

func (a *API) register(r *http.Request, app chat.App) (result, error) {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decode(r, &in); err != nil {
		return result{}, err
	}
	u, err := a.svc.Register(r.Context(), app.ID, in.Username, in.Password)
	var fe *chat.FieldError
	if errors.As(err, &fe) && fe.Field == "username" && strings.Contains(fe.Reason, "taken") {
		return result{}, fail(codeUserExists, "user already exists")
	}
	if err != nil {
		return result{}, err
	}
	return result{data: map[string]any{"user_id": u.ID, "username": u.Username}}, nil
}

// tokenJSON is what /token/user and /token/id return. Tokens do not
// expire (expire 0); device_sn is chatd's addition: the device the token
// names.
type tokenJSON struct {
	Token    string `json:"token"`
	UserID   int64  `json:"user_id"`
	Expire   int64  `json:"expire"`
	DeviceSN int32  `json:"device_sn"`
}

func (a *API) login(r *http.Request, in chat.Login) (result, error) {
	u, token, d, err := a.svc.LogIn(r.Context(), in)
	if err != nil {
		return result{}, err
	}
	return result{data: tokenJSON{Token: token, UserID: u.ID, DeviceSN: d.SN}}, nil
}

func (a *API) tokenByName(r *http.Request, app chat.App) (result, error) {
	var in struct {
		Name       string `json:"name"`
		Password   string `json:"password"`
		DeviceGUID string `json:"device_guid"`
	}
	if err := decode(r, &in); err != nil {
		return result{}, err
	}
	if in.Name == "" || in.Password == "" {
		return result{}, badParam("name and password are required")
	}
	return a.login(r, chat.Login{AppID: app.ID, Username: in.Name, Password: in.Password, DeviceGUID: in.DeviceGUID})
}

func (a *API) tokenByID(r *http.Request, app chat.App) (result, error) {
	var in struct {
		UserID     int64  `json:"user_id"`
		Password   string `json:"password"`
		DeviceGUID string `json:"device_guid"`
	}
	if err := decode(r, &in); err != nil {
		return result{}, err
	}
	if in.UserID <= 0 || in.Password == "" {
		return result{}, badParam("user_id and password are required")
	}
	return a.login(r, chat.Login{AppID: app.ID, UserID: in.UserID, Password: in.Password, DeviceGUID: in.DeviceGUID})
}
