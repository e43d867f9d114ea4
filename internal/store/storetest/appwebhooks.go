package storetest

import (
	"errors"
	"testing"

	"github.com/chatd/chatd/internal/chat"
)

func (f *fixture) app(name string) chat.App {
	f.t.Helper()
	a := chat.App{ID: f.ids.Next(), Name: name, CreatedAt: f.tick()}
	if err := f.s.CreateApp(f.ctx, a, chat.HashToken("admin-"+name)); err != nil {
		f.t.Fatalf("CreateApp(%s): %v", name, err)
	}
	return a
}

func testAppWebhooks(t *testing.T, f *fixture) {
	a, b := f.app("hooked"), f.app("quiet")

	got, err := f.s.AppWebhook(f.ctx, a.ID)
	must(t, "AppWebhook(none)", err)
	equal(t, "AppWebhook(none)", got, chat.AppWebhook{})

	wh := chat.AppWebhook{URL: "https://example.test/messages", Secret: "s3cret"}
	must(t, "SetAppWebhook", f.s.SetAppWebhook(f.ctx, a.ID, wh))
	got, err = f.s.AppWebhook(f.ctx, a.ID)
	must(t, "AppWebhook", err)
	equal(t, "AppWebhook", got, wh)
	must(t, "SetAppWebhook(secret only)", f.s.SetAppWebhook(f.ctx, b.ID, chat.AppWebhook{Secret: "x"}))
	apps, err := f.s.AppWebhookApps(f.ctx)
	must(t, "AppWebhookApps", err)
	equal(t, "AppWebhookApps (only those with a URL)", apps, []int64{a.ID})

	err = f.s.SetAppWebhook(f.ctx, f.ids.Next(), wh)
	mustNotFound(t, "SetAppWebhook(unknown app)", err, chat.WhatApp)

	at := f.tick()
	_, err = f.s.AppendAppWebhookDeliveries(f.ctx, b.ID, [][]byte{[]byte("x")}, at)
	mustNotFound(t, "AppendAppWebhookDeliveries(no URL)", err, chat.WhatWebhook)
	first, err := f.s.AppendAppWebhookDeliveries(f.ctx, a.ID, [][]byte{[]byte(`{"n":1}`), []byte(`{"n":2}`)}, at)
	must(t, "AppendAppWebhookDeliveries", err)
	second, err := f.s.AppendAppWebhookDeliveries(f.ctx, a.ID, [][]byte{[]byte(`{"n":3}`)}, at)
	must(t, "AppendAppWebhookDeliveries(again)", err)
	all := append(first, second...)
	for i, d := range all {
		if d.AppID != a.ID || d.ID <= 0 || (i > 0 && d.ID <= all[i-1].ID) {
			t.Errorf("delivery %d = %+v: want app %d, ascending ids", i, d, a.ID)
		}
	}
	pending, err := f.s.AppWebhookDeliveries(f.ctx, a.ID, 0, 10)
	must(t, "AppWebhookDeliveries", err)
	equal(t, "AppWebhookDeliveries", appPayloads(pending), []string{`{"n":1}`, `{"n":2}`, `{"n":3}`})
	if len(pending) == 3 && !msTime(pending[0].CreatedAt).Equal(msTime(at)) {
		t.Errorf("CreatedAt = %v, want %v", pending[0].CreatedAt, at)
	}
	page, err := f.s.AppWebhookDeliveries(f.ctx, a.ID, all[0].ID, 1)
	must(t, "AppWebhookDeliveries(after, limit)", err)
	equal(t, "AppWebhookDeliveries(after first, limit 1)", appPayloads(page), []string{`{"n":2}`})
	none, err := f.s.AppWebhookDeliveries(f.ctx, b.ID, 0, 10)
	must(t, "AppWebhookDeliveries(other app)", err)
	if len(none) != 0 {
		t.Errorf("other app's outbox: %v", appPayloads(none))
	}

	must(t, "DeleteAppWebhookDelivery", f.s.DeleteAppWebhookDelivery(f.ctx, all[1].ID))
	if err := f.s.DeleteAppWebhookDelivery(f.ctx, all[1].ID); err != nil && !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("DeleteAppWebhookDelivery(again): %v", err)
	}
	pending, err = f.s.AppWebhookDeliveries(f.ctx, a.ID, 0, 10)
	must(t, "AppWebhookDeliveries(after delete)", err)
	equal(t, "AppWebhookDeliveries(after delete)", appPayloads(pending), []string{`{"n":1}`, `{"n":3}`})

	// Emptying the outbox must not let a later delivery reuse an id behind
	// a sender's cursor.
	for _, d := range pending {
		must(t, "DeleteAppWebhookDelivery", f.s.DeleteAppWebhookDelivery(f.ctx, d.ID))
	}
	next, err := f.s.AppendAppWebhookDeliveries(f.ctx, a.ID, [][]byte{[]byte("4")}, at)
	must(t, "AppendAppWebhookDeliveries(after emptying)", err)
	if next[0].ID <= all[2].ID {
		t.Errorf("delivery after emptying = %+v, want an id above %d", next[0], all[2].ID)
	}

	// A new URL keeps the outbox; removing the URL drops it, and the app
	// is listed while anything is pending.
	must(t, "SetAppWebhook(new url)", f.s.SetAppWebhook(f.ctx, a.ID, chat.AppWebhook{URL: "http://elsewhere.test/", Secret: "s"}))
	pending, err = f.s.AppWebhookDeliveries(f.ctx, a.ID, 0, 10)
	must(t, "AppWebhookDeliveries(new url)", err)
	equal(t, "AppWebhookDeliveries(new url)", appPayloads(pending), []string{"4"})
	must(t, "SetAppWebhook(clear)", f.s.SetAppWebhook(f.ctx, a.ID, chat.AppWebhook{}))
	got, err = f.s.AppWebhook(f.ctx, a.ID)
	must(t, "AppWebhook(cleared)", err)
	equal(t, "AppWebhook(cleared)", got, chat.AppWebhook{})
	pending, err = f.s.AppWebhookDeliveries(f.ctx, a.ID, 0, 10)
	must(t, "AppWebhookDeliveries(cleared)", err)
	if len(pending) != 0 {
		t.Errorf("outbox after the URL was removed: %v", appPayloads(pending))
	}
	apps, err = f.s.AppWebhookApps(f.ctx)
	must(t, "AppWebhookApps(after clear)", err)
	if len(apps) != 0 {
		t.Errorf("AppWebhookApps after clear = %v, want none", apps)
	}
}

func appPayloads(ds []chat.AppWebhookDelivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = string(d.Payload)
	}
	return out
}
