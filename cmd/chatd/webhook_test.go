package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// set-webhook puts a bot in webhook mode through a running server (which
// sends the challenge first), and /metrics exposes the delivery counters.
func TestSetWebhookCommand(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	defer srv.stop(t)
	env := cleanEnv("CHATD_DATA="+data, "CHATD_URL="+srv.url)

	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var f struct {
			D struct {
				Challenge string `json:"challenge"`
			} `json:"d"`
		}
		_ = json.NewDecoder(r.Body).Decode(&f)
		_ = json.NewEncoder(w).Encode(map[string]string{"challenge": f.D.Challenge})
	}))
	defer hook.Close()
	url := hook.URL + "/?compress=0"

	bot := adminJSON(t, env, "create-bot", "hooked")
	botID, _ := bot["id"].(string)
	// (The receiver reads plain JSON, so no --encrypt-key here; the KOOK
	// tests cover encryption.)
	got := adminJSON(t, env, "set-webhook", botID, "--url", url, "--verify-token", "vt")
	if got["mode"] != "webhook" || got["webhook_url"] != url || got["verify_token"] != "vt" || got["encrypt_key_set"] != false {
		t.Errorf("set-webhook printed %v", got)
	}
	got = adminJSON(t, env, "set-webhook", botID, "--face", "yunhu")
	if got["face"] != "yunhu" || got["webhook_url"] != url {
		t.Errorf("set-webhook --face yunhu printed %v", got)
	}
	if _, stderr, code := chatd(t, env, "admin", "set-webhook", botID, "--face", "matrix"); code == 0 ||
		!strings.Contains(stderr, "face") {
		t.Errorf("set-webhook with an unknown face: exit %d, stderr %s", code, stderr)
	}
	got = adminJSON(t, env, "set-webhook", botID, "--url", "")
	if got["mode"] != "websocket" || got["verify_token"] != "vt" {
		t.Errorf("set-webhook --url '' printed %v", got)
	}
	if _, stderr, code := chatd(t, env, "admin", "set-webhook", botID, "--url", "ftp://x", "--verify-token", "vt"); code == 0 ||
		!strings.Contains(stderr, "webhook_url") {
		t.Errorf("set-webhook with a bad URL: exit %d, stderr %s", code, stderr)
	}
	if _, _, code := chatd(t, env, "admin", "set-webhook", botID); code != 2 {
		t.Errorf("set-webhook without flags: exit %d, want 2", code)
	}

	resp, err := http.Get(srv.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, name := range []string{"chatd_webhook_delivered_total", "chatd_webhook_given_up_total", "go_goroutines"} {
		if !strings.Contains(string(body), name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
}
