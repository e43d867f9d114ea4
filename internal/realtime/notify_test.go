package realtime

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// notifier is a Notify function that counts its calls and leaves a token.
type notifier struct {
	calls atomic.Int32
	woken chan struct{}
}

func newNotifier() *notifier { return &notifier{woken: make(chan struct{}, 1)} }

func (n *notifier) f() {
	n.calls.Add(1)
	select {
	case n.woken <- struct{}{}:
	default:
	}
}

func (n *notifier) wait(t *testing.T) {
	t.Helper()
	select {
	case <-n.woken:
	case <-time.After(10 * time.Second):
		t.Fatal("Notify's function was not called")
	}
}

// A consumer woken only by Notify receives everything, in order, and hears
// once of each way its attachment can end.
func TestNotify(t *testing.T) {
	const queue = 8
	f := newFixture(t, Options{QueueSize: queue})
	owner := f.user("owner")
	_, general := f.guild(owner)
	s := f.open(owner)

	n := newNotifier()
	s.Notify(n.f)
	n.wait(t) // called right away
	var got []Delivery
	for round := range 3 {
		sendN(f, owner, general, 5*round+1, 5*round+5)
		for len(got) < 5*(round+1) {
			n.wait(t)
			got = append(got, drain(t, s, int64(len(got)))...)
		}
	}
	if len(got) != 15 || describe(got[14]) != "msg:15" {
		t.Fatalf("got %v", describeAll(got))
	}

	// Superseded by a resume: the old attachment's function is called,
	// the new one's is not until it sets one.
	r, err := f.hub.Resume(owner, s.ID(), 15)
	if err != nil {
		t.Fatal(err)
	}
	n.wait(t)
	if !errors.Is(s.Err(), ErrSuperseded) {
		t.Fatalf("superseded: %v", s.Err())
	}
	before := n.calls.Load()
	f.send(owner, general, "16")
	f.settle()
	if c := n.calls.Load(); c != before {
		t.Fatalf("an ended attachment's function was called %d more times", c-before)
	}

	// Detached.
	n2 := newNotifier()
	r.Notify(n2.f)
	n2.wait(t) // msg:16 is waiting
	if d := drain(t, r, 15); fmt.Sprint(describeAll(d)) != "[msg:16]" {
		t.Fatalf("after resume: %v", describeAll(d))
	}
	r.Detach()
	n2.wait(t)
	if !errors.Is(r.Err(), ErrDetached) {
		t.Fatalf("detached: %v", r.Err())
	}

	// Overflowed.
	r3, err := f.hub.Resume(owner, s.ID(), 16)
	if err != nil {
		t.Fatal(err)
	}
	n3 := newNotifier()
	r3.Notify(n3.f)
	n3.wait(t)
	sendN(f, owner, general, 17, 17+queue)
	f.settle()
	select {
	case <-r3.Done():
	default:
		t.Fatal("the attachment did not overflow")
	}
	n3.wait(t)
	if !errors.Is(r3.Err(), ErrOverflow) {
		t.Fatalf("overflowed: %v", r3.Err())
	}

	// Closed; and Notify on an ended attachment still calls once.
	r4, err := f.hub.Resume(owner, s.ID(), 16)
	if err != nil {
		t.Fatal(err)
	}
	n4 := newNotifier()
	r4.Notify(n4.f)
	n4.wait(t)
	r4.Close()
	n4.wait(t)
	if !errors.Is(r4.Err(), ErrClosed) {
		t.Fatalf("closed: %v", r4.Err())
	}
	n5 := newNotifier()
	r4.Notify(n5.f)
	n5.wait(t)
	f.send(owner, general, "late")
	f.settle()
	if c := n4.calls.Load() + n5.calls.Load(); c != 3 {
		t.Fatalf("%d calls after the close, want 3", c)
	}
}

// Rewind wakes the consumer: what it rewound over is waiting again.
func TestNotifyRewind(t *testing.T) {
	f := newFixture(t, Options{})
	owner := f.user("owner")
	_, general := f.guild(owner)
	s := f.open(owner)
	n := newNotifier()
	s.Notify(n.f)
	n.wait(t)
	sendN(f, owner, general, 1, 3)
	f.settle()
	n.wait(t)
	drain(t, s, 0)
	if err := s.Rewind(1); err != nil {
		t.Fatal(err)
	}
	n.wait(t)
	if d := drain(t, s, 1); fmt.Sprint(describeAll(d)) != "[msg:2 msg:3]" {
		t.Fatalf("after rewind: %v", describeAll(d))
	}
}
