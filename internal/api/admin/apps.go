package admin

import (
	"net/http"

	"github.com/chatd/chatd/internal/chat"
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

// appJSON is an app with its message webhook (the secret is never shown).
type appJSON struct {
	AppID            ID     `json:"app_id"`
	Name             string `json:"name"`
	WebhookURL       string `json:"webhook_url"`
	WebhookSecretSet bool   `json:"webhook_secret_set"`
}

// patchApp sets an app's message webhook: PATCH /apps/{app_id}
// {"webhook_url"?,"webhook_secret"?}; "" removes a field.
func (a *API) patchApp(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "app_id")
	if err != nil {
		return err
	}
	var in struct {
		WebhookURL    *string `json:"webhook_url"`
		WebhookSecret *string `json:"webhook_secret"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	app, hook, err := a.svc.SetAppWebhook(r.Context(), id, chat.AppWebhookUpdate{URL: in.WebhookURL, Secret: in.WebhookSecret})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, appJSON{AppID: ID(app.ID), Name: app.Name, WebhookURL: hook.URL,
		WebhookSecretSet: hook.Secret != ""})
	return nil
}
