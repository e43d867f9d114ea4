package realtime

import (
	"slices"
	"testing"
	"time"
)

// A session opened now and backfilled from a moment ago gets the messages
// and changes made since then, in order, once, and then the live ones.
func TestBackfill(t *testing.T) {
	f := newFixture(t, Options{})
	owner, reader, reader2 := f.user("owner"), f.user("reader"), f.user("reader2")
	_, c := f.guild(owner, reader, reader2)
	old := f.send(owner, c, "old")
	f.react(owner, old, "old")
	f.settle()
	time.Sleep(5 * time.Millisecond) // the store keeps milliseconds
	since := time.Now()
	time.Sleep(5 * time.Millisecond)
	a := f.send(owner, c, "a")
	f.react(owner, a, "x")
	f.send(owner, c, "b")
	f.react(owner, old, "y")
	f.settle()

	s, s2 := f.open(reader), f.open(reader2)
	if err := f.hub.Backfill(f.ctx, []*Session{s, s2}, since); err != nil {
		t.Fatal(err)
	}
	want := []string{"msg:a", "react+:x", "msg:b", "react+:y"}
	for _, s := range []*Session{s, s2} {
		if got := readN(t, s, 0, len(want)); !slices.Equal(got, want) {
			t.Fatalf("backfilled %v, want %v", got, want)
		}
	}
	f.send(owner, c, "live")
	for _, s := range []*Session{s, s2} {
		if got := readN(t, s, int64(len(want)), 1); got[0] != "msg:live" {
			t.Fatalf("after the backfill: %v", got)
		}
		wantNothing(t, f, s)
	}

	// Someone who may not see the channel gets nothing of it.
	stranger := f.open(f.user("stranger"))
	if err := f.hub.Backfill(f.ctx, []*Session{stranger}, since); err != nil {
		t.Fatal(err)
	}
	wantNothing(t, f, stranger)
}
