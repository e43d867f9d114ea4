package realtime

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// clock is a settable clock for the hub.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func sendN(f *fixture, u chat.User, c chat.Chat, from, to int) {
	for i := from; i <= to; i++ {
		f.send(u, c, fmt.Sprint(i))
	}
}

// A resume within the window yields exactly the missed deliveries, once,
// in order, then continues live.
func TestResumeReplaysMissedDeliveries(t *testing.T) {
	f := newFixture(t, Options{})
	owner := f.user("owner")
	g, general := f.guild(owner)
	other := f.channel(owner, g, "other")
	s := f.open(owner)

	sendN(f, owner, general, 1, 5)
	for range 3 {
		next(t, s)
	}
	s.Detach()
	if _, err := s.Take(nil, 10); !errors.Is(err, ErrDetached) {
		t.Fatalf("take after detach: %v, want ErrDetached", err)
	}
	sendN(f, owner, other, 6, 9)
	f.settle()

	r, err := f.hub.Resume(owner, s.ID(), 3)
	if err != nil {
		t.Fatal(err)
	}
	f.send(owner, general, "10")
	got := readUntil(t, r, 3, "10")
	if want := "[msg:4 msg:5 msg:6 msg:7 msg:8 msg:9 msg:10]"; fmt.Sprint(describeAll(got)) != want {
		t.Fatalf("got %v, want %s", describeAll(got), want)
	}

	// A second connection resuming takes over from the first.
	r2, err := f.hub.Resume(owner, s.ID(), 8)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.Done():
	default:
		t.Fatal("the superseded attachment is not done")
	}
	if !errors.Is(r.Err(), ErrSuperseded) {
		t.Fatalf("superseded attachment: %v", r.Err())
	}
	if got := describeAll(drain(t, r2, 8)); fmt.Sprint(got) != "[msg:9 msg:10]" {
		t.Fatalf("second resume got %v", got)
	}
	// Since re-sends what was taken after an sn, for a PING that is behind.
	again, err := r2.Since(8)
	if err != nil || fmt.Sprint(describeAll(again)) != "[msg:9 msg:10]" || again[0].SN != 9 {
		t.Fatalf("since 8: %v %v", describeAll(again), err)
	}
	if _, err := r2.Since(11); !errors.Is(err, ErrInvalidSN) {
		t.Fatalf("since ahead: %v", err)
	}
}

func TestResumeErrors(t *testing.T) {
	clk := &clock{t: time.Now()}
	f := newFixture(t, Options{Retention: time.Minute, Now: clk.Now})
	owner, stranger := f.user("owner"), f.user("stranger")
	_, general := f.guild(owner)

	t.Run("unknown", func(t *testing.T) {
		if _, err := f.hub.Resume(owner, chat.NewUUID().String(), 0); !errors.Is(err, ErrUnknownSession) {
			t.Fatalf("got %v, want ErrUnknownSession", err)
		}
		s := f.open(owner)
		defer s.Close()
		if _, err := f.hub.Resume(stranger, s.ID(), 0); !errors.Is(err, ErrUnknownSession) {
			t.Fatalf("another user's session: got %v, want ErrUnknownSession", err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		s := f.open(owner)
		s.Detach()
		clk.Add(time.Minute + time.Second)
		if _, err := f.hub.Resume(owner, s.ID(), 0); !errors.Is(err, ErrSessionExpired) {
			t.Fatalf("got %v, want ErrSessionExpired", err)
		}
		s2 := f.open(owner)
		s2.Detach()
		clk.Add(time.Minute + time.Second)
		f.hub.sweep() // the janitor forgets it first
		if _, err := f.hub.Resume(owner, s2.ID(), 0); !errors.Is(err, ErrSessionExpired) {
			t.Fatalf("after sweep: got %v, want ErrSessionExpired", err)
		}
		s3 := f.open(owner)
		s3.Close()
		if _, err := f.hub.Resume(owner, s3.ID(), 0); !errors.Is(err, ErrSessionExpired) {
			t.Fatalf("closed: got %v, want ErrSessionExpired", err)
		}
	})
	t.Run("sn", func(t *testing.T) {
		s := f.open(owner)
		sendN(f, owner, general, 1, chunkSize+6)
		got := readUntil(t, s, 0, fmt.Sprint(chunkSize+6))
		clk.Add(time.Minute + time.Second) // all of these leave the window...
		sendN(f, owner, general, chunkSize+7, 2*chunkSize+6)
		readUntil(t, s, int64(len(got)), fmt.Sprint(2*chunkSize+6)) // ...once newer ones push them out
		taken := s.Taken()
		s.Detach()
		for _, sn := range []int64{taken + 1, -1, 0, 1} {
			if _, err := f.hub.Resume(owner, s.ID(), sn); !errors.Is(err, ErrInvalidSN) {
				t.Fatalf("resume at %d: got %v, want ErrInvalidSN", sn, err)
			}
		}
		r, err := f.hub.Resume(owner, s.ID(), taken-3)
		if err != nil {
			t.Fatalf("resume within the window: %v", err)
		}
		if n := len(drain(t, r, taken-3)); n != 3 {
			t.Fatalf("replayed %d, want 3", n)
		}
	})
}

// A session that never reads overflows and is told so; the others keep
// receiving everything, and the stalled one can resume without loss.
func TestStalledSessionOverflows(t *testing.T) {
	const queue, msgs = 64, 300
	f := newFixture(t, Options{QueueSize: queue})
	owner := f.user("owner")
	readers := f.users("reader", 10)
	_, general := f.guild(owner, readers...)
	stalled := f.open(owner)

	counts := make([]int, len(readers))
	var wg sync.WaitGroup
	for i, u := range readers {
		s := f.open(u)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for counts[i] < msgs {
				d := next(t, s)
				if d.SN != int64(counts[i]+1) {
					t.Errorf("reader %d: sn %d after %d", i, d.SN, counts[i])
					return
				}
				counts[i]++
			}
		}()
	}
	sendN(f, owner, general, 1, msgs)
	wg.Wait()
	for i, n := range counts {
		if n != msgs {
			t.Fatalf("reader %d got %d of %d", i, n, msgs)
		}
	}
	select {
	case <-stalled.Done():
	default:
		t.Fatal("stalled session not signalled")
	}
	if !errors.Is(stalled.Err(), ErrOverflow) {
		t.Fatalf("stalled: %v, want ErrOverflow", stalled.Err())
	}
	if st := f.hub.Stats(); st.Overflows != 1 {
		t.Fatalf("%d overflows, want 1", st.Overflows)
	}
	r, err := f.hub.Resume(owner, stalled.ID(), 0)
	if err != nil {
		t.Fatal(err)
	}
	f.settle()
	if n := len(drain(t, r, 0)); n != msgs {
		t.Fatalf("resume replayed %d, want %d", n, msgs)
	}
}
