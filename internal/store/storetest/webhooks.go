package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

func testWebhooks(t *testing.T, f *fixture) {
	bot := f.user("hookbot")
	other := f.user("other")

	got, err := f.s.Webhook(f.ctx, bot.ID)
	must(t, "Webhook(none)", err)
	equal(t, "Webhook(none)", got, chat.Webhook{})

	wh := chat.Webhook{URL: "https://example.test/hook?compress=0", VerifyToken: "vt", EncryptKey: "k"}
	must(t, "SetWebhook", f.s.SetWebhook(f.ctx, bot.ID, wh))
	got, err = f.s.Webhook(f.ctx, bot.ID)
	must(t, "Webhook", err)
	equal(t, "Webhook", got, wh)

	tokenOnly := chat.Webhook{VerifyToken: "only a token"}
	must(t, "SetWebhook(token only)", f.s.SetWebhook(f.ctx, other.ID, tokenOnly))
	got, err = f.s.Webhook(f.ctx, other.ID)
	must(t, "Webhook(token only)", err)
	equal(t, "Webhook(token only)", got, tokenOnly)

	ids, err := f.s.WebhookUsers(f.ctx)
	must(t, "WebhookUsers", err)
	equal(t, "WebhookUsers (only those with a URL)", ids, []int64{bot.ID})

	wh2 := chat.Webhook{URL: "http://127.0.0.1:1/x", VerifyToken: "vt2"}
	must(t, "SetWebhook(replace)", f.s.SetWebhook(f.ctx, bot.ID, wh2))
	got, err = f.s.Webhook(f.ctx, bot.ID)
	must(t, "Webhook(replaced)", err)
	equal(t, "Webhook(replaced)", got, wh2)

	must(t, "SetWebhook(clear)", f.s.SetWebhook(f.ctx, bot.ID, chat.Webhook{}))
	got, err = f.s.Webhook(f.ctx, bot.ID)
	must(t, "Webhook(cleared)", err)
	equal(t, "Webhook(cleared)", got, chat.Webhook{})
	ids, err = f.s.WebhookUsers(f.ctx)
	must(t, "WebhookUsers(after clear)", err)
	if len(ids) != 0 {
		t.Errorf("WebhookUsers after clear = %v, want none", ids)
	}

	err = f.s.SetWebhook(f.ctx, f.ids.Next(), wh)
	mustNotFound(t, "SetWebhook(unknown user)", err, chat.WhatUser)
}

func testWebhookOutbox(t *testing.T, f *fixture) {
	bot := f.user("outboxbot")
	other := f.user("outboxother")
	at := f.tick()

	_, err := f.s.AppendWebhookDeliveries(f.ctx, bot.ID, [][]byte{[]byte("x")}, at)
	mustNotFound(t, "AppendWebhookDeliveries(no webhook)", err, chat.WhatWebhook)
	must(t, "SetWebhook(token only)", f.s.SetWebhook(f.ctx, bot.ID, chat.Webhook{VerifyToken: "vt"}))
	_, err = f.s.AppendWebhookDeliveries(f.ctx, bot.ID, [][]byte{[]byte("x")}, at)
	mustNotFound(t, "AppendWebhookDeliveries(websocket mode)", err, chat.WhatWebhook)

	wh := chat.Webhook{URL: "http://hook.test/", VerifyToken: "vt"}
	must(t, "SetWebhook(bot)", f.s.SetWebhook(f.ctx, bot.ID, wh))
	must(t, "SetWebhook(other)", f.s.SetWebhook(f.ctx, other.ID, wh))

	first, err := f.s.AppendWebhookDeliveries(f.ctx, bot.ID, [][]byte{[]byte(`{"a":1}`), []byte(`{"a":2}`)}, at)
	must(t, "AppendWebhookDeliveries", err)
	_, err = f.s.AppendWebhookDeliveries(f.ctx, other.ID, [][]byte{[]byte("o")}, at)
	must(t, "AppendWebhookDeliveries(other)", err)
	second, err := f.s.AppendWebhookDeliveries(f.ctx, bot.ID, [][]byte{[]byte(`{"a":3}`)}, at)
	must(t, "AppendWebhookDeliveries(again)", err)
	all := append(first, second...)
	if len(all) != 3 {
		t.Fatalf("appended %d deliveries, want 3", len(all))
	}
	for i, d := range all {
		if d.SN != int64(i+1) || d.UserID != bot.ID || d.ID <= 0 || (i > 0 && d.ID <= all[i-1].ID) {
			t.Errorf("delivery %d = %+v: want sn %d, user %d, ascending ids", i, d, i+1, bot.ID)
		}
	}

	pending, err := f.s.WebhookDeliveries(f.ctx, bot.ID, 0, 10)
	must(t, "WebhookDeliveries", err)
	equal(t, "WebhookDeliveries", payloads(pending), []string{`{"a":1}`, `{"a":2}`, `{"a":3}`})
	equal(t, "WebhookDeliveries sns", snsOf(pending), []int64{1, 2, 3})
	if len(pending) == 3 && !msTime(pending[0].CreatedAt).Equal(msTime(at)) {
		t.Errorf("CreatedAt = %v, want %v", pending[0].CreatedAt, at)
	}
	page, err := f.s.WebhookDeliveries(f.ctx, bot.ID, all[0].ID, 1)
	must(t, "WebhookDeliveries(after, limit)", err)
	equal(t, "WebhookDeliveries(after first, limit 1)", payloads(page), []string{`{"a":2}`})

	must(t, "DeleteWebhookDelivery", f.s.DeleteWebhookDelivery(f.ctx, all[1].ID))
	if err := f.s.DeleteWebhookDelivery(f.ctx, all[1].ID); err != nil && !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("DeleteWebhookDelivery(again): %v", err)
	}
	pending, err = f.s.WebhookDeliveries(f.ctx, bot.ID, 0, 10)
	must(t, "WebhookDeliveries(after delete)", err)
	equal(t, "WebhookDeliveries(after delete)", payloads(pending), []string{`{"a":1}`, `{"a":3}`})

	// Deleting everything must not let a later delivery reuse an id behind
	// a sender's cursor.
	for _, d := range pending {
		must(t, "DeleteWebhookDelivery", f.s.DeleteWebhookDelivery(f.ctx, d.ID))
	}
	next, err := f.s.AppendWebhookDeliveries(f.ctx, bot.ID, [][]byte{[]byte("4")}, at)
	must(t, "AppendWebhookDeliveries(after emptying)", err)
	if next[0].ID <= all[2].ID || next[0].SN != 4 {
		t.Errorf("delivery after emptying = %+v, want an id above %d and sn 4", next[0], all[2].ID)
	}

	// Changing the URL keeps the outbox and the sn; leaving webhook mode
	// drops the outbox of that user only.
	must(t, "SetWebhook(new url)", f.s.SetWebhook(f.ctx, bot.ID, chat.Webhook{URL: "http://elsewhere.test/", VerifyToken: "vt"}))
	pending, err = f.s.WebhookDeliveries(f.ctx, bot.ID, 0, 10)
	must(t, "WebhookDeliveries(new url)", err)
	equal(t, "WebhookDeliveries(new url)", payloads(pending), []string{"4"})
	must(t, "SetWebhook(websocket)", f.s.SetWebhook(f.ctx, bot.ID, chat.Webhook{VerifyToken: "vt"}))
	pending, err = f.s.WebhookDeliveries(f.ctx, bot.ID, 0, 10)
	must(t, "WebhookDeliveries(websocket)", err)
	if len(pending) != 0 {
		t.Errorf("outbox after leaving webhook mode: %d deliveries, want none", len(pending))
	}
	pending, err = f.s.WebhookDeliveries(f.ctx, other.ID, 0, 10)
	must(t, "WebhookDeliveries(other)", err)
	equal(t, "WebhookDeliveries(other)", payloads(pending), []string{"o"})
}

// testWebhookSNWrap checks that webhook sns wrap to 1 after MaxWebhookSN.
func testWebhookSNWrap(t *testing.T, f *fixture) {
	bot := f.user("wrapbot")
	must(t, "SetWebhook", f.s.SetWebhook(f.ctx, bot.ID, chat.Webhook{URL: "http://hook.test/", VerifyToken: "vt"}))
	const batch = 4096
	ps := make([][]byte, batch)
	for i := range ps {
		ps[i] = []byte("p")
	}
	var last []chat.WebhookDelivery
	for n := 0; n < chat.MaxWebhookSN; n += batch {
		k := min(batch, chat.MaxWebhookSN-n)
		ds, err := f.s.AppendWebhookDeliveries(f.ctx, bot.ID, ps[:k], f.tick())
		must(t, "AppendWebhookDeliveries", err)
		last = ds
	}
	if got := last[len(last)-1].SN; got != chat.MaxWebhookSN {
		t.Fatalf("sn of delivery %d = %d", chat.MaxWebhookSN, got)
	}
	ds, err := f.s.AppendWebhookDeliveries(f.ctx, bot.ID, ps[:2], f.tick())
	must(t, "AppendWebhookDeliveries(wrap)", err)
	equal(t, "sns after the wrap", snsOf(ds), []int64{1, 2})
}

func payloads(ds []chat.WebhookDelivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = string(d.Payload)
	}
	return out
}

func snsOf(ds []chat.WebhookDelivery) []int64 {
	out := make([]int64, len(ds))
	for i, d := range ds {
		out[i] = d.SN
	}
	return out
}

// testWebhookCaughtUp: the delivering node's mark per bot in webhook mode.
func testWebhookCaughtUp(t *testing.T, f *fixture) {
	bot, tokenOnly, plain := f.user("hookbot"), f.user("token-only"), f.user("plain")
	must(t, "SetWebhook", f.s.SetWebhook(f.ctx, bot.ID, chat.Webhook{URL: "https://example.test/h", VerifyToken: "vt"}))
	must(t, "SetWebhook(token only)", f.s.SetWebhook(f.ctx, tokenOnly.ID, chat.Webhook{VerifyToken: "vt"}))
	mark := func(u chat.User) time.Time {
		t.Helper()
		at, err := f.s.WebhookCaughtUp(f.ctx, u.ID)
		must(t, "WebhookCaughtUp", err)
		return at
	}
	if at := mark(bot); !at.IsZero() {
		t.Errorf("a new webhook's mark = %v, want none", at)
	}
	t1, t2 := f.tick(), f.tick()
	must(t, "MarkWebhooksCaughtUp", f.s.MarkWebhooksCaughtUp(f.ctx, map[int64]time.Time{bot.ID: t2, tokenOnly.ID: t2, plain.ID: t2}))
	equal(t, "mark", msTime(mark(bot)), msTime(t2))
	must(t, "MarkWebhooksCaughtUp(older)", f.s.MarkWebhooksCaughtUp(f.ctx, map[int64]time.Time{bot.ID: t1}))
	equal(t, "mark after an older one (never moves back)", msTime(mark(bot)), msTime(t2))
	if at := mark(tokenOnly); !at.IsZero() {
		t.Errorf("a user without URL got a mark %v", at)
	}
	if at := mark(plain); !at.IsZero() {
		t.Errorf("a user without webhook got a mark %v", at)
	}
	must(t, "MarkWebhooksCaughtUp(none)", f.s.MarkWebhooksCaughtUp(f.ctx, nil))

	must(t, "SetWebhook(leave webhook mode)", f.s.SetWebhook(f.ctx, bot.ID, chat.Webhook{VerifyToken: "vt"}))
	must(t, "SetWebhook(back)", f.s.SetWebhook(f.ctx, bot.ID, chat.Webhook{URL: "https://example.test/h", VerifyToken: "vt"}))
	if at := mark(bot); !at.IsZero() {
		t.Errorf("leaving webhook mode kept the mark %v", at)
	}
}
