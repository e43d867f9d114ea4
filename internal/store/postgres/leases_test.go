package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/store/postgres/pgtest"
)

// One node at a time holds a lease; the next one gets it when the first
// releases it, and a lease of another schema (service) is independent.
func TestLeases(t *testing.T) {
	u := pgtest.Schema(t)
	a, b := openURL(t, u).Leases(), openURL(t, u).Leases()
	a.Poll, b.Poll = 50*time.Millisecond, 50*time.Millisecond
	ctx := context.Background()
	held, release, err := a.Hold(ctx, "duty")
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, _, err := b.Hold(wctx, "duty"); err == nil {
		t.Fatal("a second node took a held lease")
	}
	if _, _, err := b.TryHold(ctx, "duty"); !errors.Is(err, ErrHeld) {
		t.Fatalf("TryHold of a held lease: %v, want ErrHeld", err)
	}
	other := openURL(t, pgtest.Schema(t)).Leases()
	_, releaseOther, err := other.Hold(ctx, "duty")
	if err != nil {
		t.Fatalf("the same lease name in another schema: %v", err)
	}
	releaseOther()

	got := make(chan error, 1)
	go func() {
		_, rel, err := b.Hold(ctx, "duty")
		if err == nil {
			defer rel()
		}
		got <- err
	}()
	release()
	if held.Err() == nil {
		t.Error("the held context did not end on release")
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the lease was not handed over after release")
	}
}
