package storetest

import (
	"testing"

	"github.com/chatd/chatd/internal/chat"
)

// testWebhookFace: the face is kept as given, and changing it drops the
// pending deliveries (they are in the old face's format), while changing
// anything else keeps them.
func testWebhookFace(t *testing.T, f *fixture) {
	bot := f.user("facebot")
	at := f.tick()

	yh := chat.Webhook{URL: "http://hook.test/sub", VerifyToken: "vt", Face: chat.WebhookFaceYunhu}
	must(t, "SetWebhook(yunhu)", f.s.SetWebhook(f.ctx, bot.ID, yh))
	got, err := f.s.Webhook(f.ctx, bot.ID)
	must(t, "Webhook(yunhu)", err)
	equal(t, "Webhook(yunhu)", got, yh)

	pending := func(what string, want int) {
		t.Helper()
		ds, err := f.s.WebhookDeliveries(f.ctx, bot.ID, 0, 10)
		must(t, what, err)
		if len(ds) != want {
			t.Errorf("%s: %d pending deliveries, want %d", what, len(ds), want)
		}
	}
	_, err = f.s.AppendWebhookDeliveries(f.ctx, bot.ID, [][]byte{[]byte(`{"y":1}`)}, at)
	must(t, "AppendWebhookDeliveries", err)

	yh.VerifyToken = "vt2" // same face
	must(t, "SetWebhook(new token)", f.s.SetWebhook(f.ctx, bot.ID, yh))
	pending("after a token change", 1)

	kook := yh
	kook.Face = chat.WebhookFaceKOOK
	must(t, "SetWebhook(kook)", f.s.SetWebhook(f.ctx, bot.ID, kook))
	got, err = f.s.Webhook(f.ctx, bot.ID)
	must(t, "Webhook(kook)", err)
	equal(t, "Webhook(kook)", got, kook)
	pending("after a face change", 0)

	ids, err := f.s.WebhookUsers(f.ctx)
	must(t, "WebhookUsers", err)
	found := false
	for _, id := range ids {
		found = found || id == bot.ID
	}
	if !found {
		t.Errorf("WebhookUsers = %v, lacks %d", ids, bot.ID)
	}
}
