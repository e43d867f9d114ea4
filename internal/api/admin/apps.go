package admin

import (
	"net/http"
)

// createApp registers a tenant: POST /apps {"name"} → {"app_id","admin_token"}.
// The admin token is shown this once.
func (a *API) createApp(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	app, token, err := a.svc.CreateApp(r.Context(), in.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, struct {
		AppID      ID     `json:"app_id"`
		Name       string `json:"name"`
		AdminToken string `json:"admin_token"`
	}{ID(app.ID), app.Name, token})
	return nil
}
