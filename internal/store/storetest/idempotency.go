package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

var day = &chat.SendKey{Key: "nonce-1", Expires: 24 * time.Hour}

func testIdempotency(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	c, other := f.group(alice), f.group(alice)

	first, created, err := f.s.AppendMessage(f.ctx, f.message(c, alice, "first try"), day)
	must(t, "AppendMessage", err)
	if !created || first.Seq != 1 {
		t.Errorf("first send: created %v, seq %d; want true, 1", created, first.Seq)
	}
	retry := f.message(c, alice, "retry")
	got, created, err := f.s.AppendMessage(f.ctx, retry, day)
	must(t, "AppendMessage(retry)", err)
	if created {
		t.Errorf("retry with the same key: created = true")
	}
	equalMessage(t, "retry returns the first message", got, first)
	if _, err := f.s.Message(f.ctx, retry.ID); err == nil {
		t.Errorf("the retry's message was stored")
	}

	// A key is scoped to its author and chat; no key never deduplicates.
	byBob, created, err := f.s.AppendMessage(f.ctx, f.message(c, bob, "bob"), day)
	must(t, "AppendMessage(bob)", err)
	if !created || byBob.Seq != 2 {
		t.Errorf("same key, other author: created %v, seq %d; want true, 2", created, byBob.Seq)
	}
	elsewhere, created, err := f.s.AppendMessage(f.ctx, f.message(other, alice, "elsewhere"), day)
	must(t, "AppendMessage(other chat)", err)
	if !created || elsewhere.Seq != 1 {
		t.Errorf("same key, other chat: created %v, seq %d; want true, 1", created, elsewhere.Seq)
	}
	otherKey, created, err := f.s.AppendMessage(f.ctx, f.message(c, alice, "other key"),
		&chat.SendKey{Key: "nonce-2", Expires: time.Hour})
	must(t, "AppendMessage(other key)", err)
	if !created || otherKey.Seq != 3 {
		t.Errorf("other key: created %v, seq %d; want true, 3", created, otherKey.Seq)
	}
	f.send(c, alice, "no key")
	f.send(c, alice, "no key")
	if got := f.chat(c.ID).LastSeq; got != 5 {
		t.Errorf("LastSeq = %d, want 5", got)
	}
	// The first message is still what the key returns.
	got, created, err = f.s.AppendMessage(f.ctx, f.message(c, alice, "late retry"), day)
	must(t, "AppendMessage(late retry)", err)
	if created || got.ID != first.ID {
		t.Errorf("late retry: created %v, id %d; want false, %d", created, got.ID, first.ID)
	}
}

func testIdempotencyConcurrent(t *testing.T, f *fixture) {
	alice := f.user("alice")
	c := f.group(alice)
	const n = 20
	ids := make([]int64, n)
	var createdCount atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		m := f.message(c, alice, "same nonce")
		wg.Go(func() {
			stored, created, err := f.s.AppendMessage(f.ctx, m, day)
			if err != nil {
				t.Errorf("AppendMessage: %v", err)
				return
			}
			if created {
				createdCount.Add(1)
			}
			ids[i] = stored.ID
		})
	}
	wg.Wait()
	if got := createdCount.Load(); got != 1 {
		t.Errorf("%d of %d concurrent sends with one key were created, want 1", got, n)
	}
	for i := 1; i < n; i++ {
		if ids[i] != ids[0] {
			t.Fatalf("concurrent sends with one key returned messages %v, want one", ids)
		}
	}
	equal(t, "stored seqs", seqs(f.list(chat.MessageQuery{ChatID: c.ID, Limit: 100})), []int64{1})
}

// A key lives for Expires from its first use, measured on the messages'
// CreatedAt; once expired it is replaced by the next send's.
func testIdempotencyExpiry(t *testing.T, f *fixture) {
	alice := f.user("alice")
	c := f.group(alice)
	key := &chat.SendKey{Key: "k", Expires: time.Minute}
	send := func(at time.Time) (chat.Message, bool) {
		t.Helper()
		m := f.message(c, alice, "x")
		m.CreatedAt = at
		stored, created, err := f.s.AppendMessage(f.ctx, m, key)
		must(t, "AppendMessage", err)
		return stored, created
	}
	t0 := base.Add(time.Hour)
	first, _ := send(t0)
	if m, created := send(t0.Add(time.Minute - time.Millisecond)); created || m.ID != first.ID {
		t.Errorf("just before expiry: created %v, id %d; want false, %d", created, m.ID, first.ID)
	}
	second, created := send(t0.Add(time.Minute))
	if !created || second.Seq != 2 {
		t.Errorf("at expiry: created %v, seq %d; want true, 2", created, second.Seq)
	}
	if m, created := send(t0.Add(time.Minute + 30*time.Second)); created || m.ID != second.ID {
		t.Errorf("after renewal: created %v, id %d; want false, %d (the new message)", created, m.ID, second.ID)
	}
	// A shorter lifetime asked later applies to the stored key.
	short := &chat.SendKey{Key: "k", Expires: 10 * time.Second}
	m := f.message(c, alice, "x")
	m.CreatedAt = t0.Add(time.Minute + 30*time.Second)
	third, created, err := f.s.AppendMessage(f.ctx, m, short)
	must(t, "AppendMessage", err)
	if !created || third.Seq != 3 {
		t.Errorf("with a shorter lifetime: created %v, seq %d; want true, 3", created, third.Seq)
	}
}
