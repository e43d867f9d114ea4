package realtime

import (
	"slices"
	"testing"
	"time"
)

// A quiet chat's state is dropped, and its next events are delivered once,
// without what came before them.
func TestIdleChatIsDropped(t *testing.T) {
	f := newFixture(t, Options{Retention: 50 * time.Millisecond})
	owner, c, s, m := f.watched()
	f.react(owner, m, "x")
	if got := readN(t, s, 1, 1); got[0] != "react+:x" {
		t.Fatalf("got %v", got)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, ok := f.hub.chats.Load(c.ID); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the quiet chat's state was never dropped")
		}
	}
	m2 := f.send(owner, c, "after")
	f.react(owner, m2, "y")
	if got, want := readN(t, s, 2, 2), []string{"msg:after", "react+:y"}; !slices.Equal(got, want) {
		t.Fatalf("after the chat was dropped: %v, want %v", got, want)
	}
	wantNothing(t, f, s)
}
