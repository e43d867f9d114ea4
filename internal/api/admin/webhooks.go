package admin

import (
	"net/http"

	"github.com/chatd/chatd/internal/chat"
)

// userSettingsJSON is a user with its callback configuration. The encrypt
// key is a secret: only whether one is set is shown.
type userSettingsJSON struct {
	userJSON
	Mode          string `json:"mode"` // "webhook" or "websocket"
	WebhookURL    string `json:"webhook_url"`
	VerifyToken   string `json:"verify_token"`
	EncryptKeySet bool   `json:"encrypt_key_set"`
	Face          string `json:"face"` // whose event format the webhook receives
}

func renderSettings(u chat.User, w chat.Webhook) userSettingsJSON {
	out := userSettingsJSON{userJSON: renderUser(u), Mode: "websocket", WebhookURL: w.URL,
		VerifyToken: w.VerifyToken, EncryptKeySet: w.EncryptKey != "", Face: w.Face}
	if w.Enabled() {
		out.Mode = "webhook"
	}
	return out
}

// patchUser changes a bot's callback configuration. Absent fields keep
// their value; an empty webhook_url returns the bot to websocket mode;
// face ("kook", the default, or "yunhu") picks the events' format.
// With a URL, chatd sends the challenge first and stores nothing unless it
// is answered.
func (a *API) patchUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		WebhookURL  *string `json:"webhook_url"`
		VerifyToken *string `json:"verify_token"`
		EncryptKey  *string `json:"encrypt_key"`
		Face        *string `json:"face"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, hook, err := a.svc.SetWebhook(r.Context(), id, chat.WebhookUpdate{URL: in.WebhookURL,
		VerifyToken: in.VerifyToken, EncryptKey: in.EncryptKey, Face: in.Face})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderSettings(u, hook))
	return nil
}
