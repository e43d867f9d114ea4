package realtime

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// fanoutRig is one channel with n online members, each with a session
// drained by its own goroutine (as a gateway's writer would).
type fanoutRig struct {
	f        *fixture
	general  chat.Chat
	received atomic.Int64
	lat      [][]time.Duration // per sampled reader
	stop     context.CancelFunc
	wg       sync.WaitGroup
	seq      int64
}

func newFanoutRig(b *testing.B, n int) *fanoutRig {
	f := newFixture(b, Options{QueueSize: 1 << 20})
	owner := f.user("owner")
	members := f.users("member", n-1)
	_, general := f.guild(owner, members...)
	ctx, cancel := context.WithCancel(context.Background())
	r := &fanoutRig{f: f, general: general, stop: cancel, lat: make([][]time.Duration, 0, n/50+1)}
	for i, u := range append([]chat.User{owner}, members...) {
		s := f.open(u)
		var lat *[]time.Duration
		if i%50 == 0 {
			r.lat = append(r.lat, make([]time.Duration, 0, 1024))
			lat = &r.lat[len(r.lat)-1]
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			buf := make([]Delivery, 0, 256)
			for {
				var err error
				if buf, err = s.Take(buf[:0], 256); err != nil {
					return
				}
				if len(buf) == 0 {
					select {
					case <-s.Ready():
						continue
					case <-ctx.Done():
						return
					}
				}
				if lat != nil {
					now := time.Now()
					for _, d := range buf {
						*lat = append(*lat, now.Sub(d.Event.Message.CreatedAt))
					}
				}
				r.received.Add(int64(len(buf)))
			}
		}()
	}
	return r
}

func (r *fanoutRig) publish() {
	r.seq++
	r.f.hub.Publish(context.Background(), chat.Event{Kind: chat.EventMessageCreated, Chat: r.general,
		Message: chat.Message{ID: r.seq, ChatID: r.general.ID, Seq: r.seq, Content: "hello", CreatedAt: time.Now()}})
}

func (r *fanoutRig) close() {
	r.stop()
	r.wg.Wait()
}

func (r *fanoutRig) p99() time.Duration {
	var all []time.Duration
	for _, l := range r.lat {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return 0
	}
	slices.Sort(all)
	return all[len(all)*99/100]
}

// BenchmarkFanout publishes as fast as it can to one channel read by n
// sessions; an op is one event, delivered n times.
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1000, 2000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			r := newFanoutRig(b, n)
			defer r.close()
			want := int64(b.N) * int64(n)
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				r.publish()
			}
			for r.received.Load() < want {
				time.Sleep(100 * time.Microsecond)
			}
			el := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(want)/el.Seconds(), "deliveries/s")
			b.ReportMetric(float64(r.p99().Microseconds())/1000, "p99-ms")
		})
	}
}

// BenchmarkFanoutPaced publishes 250 events/s to 2,000 sessions (the
// target's 500,000 deliveries/s) and reports publish-to-take latency.
func BenchmarkFanoutPaced(b *testing.B) {
	const n, rate = 2000, 250
	r := newFanoutRig(b, n)
	defer r.close()
	b.ResetTimer()
	t := time.NewTicker(time.Second / rate)
	defer t.Stop()
	start := time.Now()
	for range b.N {
		<-t.C
		r.publish()
	}
	for r.received.Load() < int64(b.N)*n {
		time.Sleep(100 * time.Microsecond)
	}
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(int64(b.N)*n)/el.Seconds(), "deliveries/s")
	b.ReportMetric(float64(r.p99().Microseconds())/1000, "p99-ms")
}

// BenchmarkIdleSessionMemory opens 10,000 sessions of distinct users of one
// guild and reports the heap they hold.
func BenchmarkIdleSessionMemory(b *testing.B) {
	const n = 10000
	f := newFixture(b, Options{})
	owner := f.user("owner")
	members := f.users("member", n-1)
	f.guild(owner, members...)
	users := append([]chat.User{owner}, members...)
	var perSession float64
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		sessions := make([]*Session, n)
		for i, u := range users {
			sessions[i] = f.open(u)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perSession = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(sessions)
		for _, s := range sessions {
			s.Close()
		}
	}
	b.ReportMetric(perSession, "bytes/session")
}

// BenchmarkQuietChatMemory has one message event published in each of
// 50,000 chats and reports the heap the hub holds per chat while they are
// recent, and once they have been quiet long enough to be dropped.
func BenchmarkQuietChatMemory(b *testing.B) {
	const n = 50000
	var recent, quiet float64
	for range b.N {
		f := newFixture(b, Options{Retention: 200 * time.Millisecond})
		var base, held, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&base)
		for i := range n {
			id := int64(1_000_000 + i)
			f.hub.Publish(f.ctx, chat.Event{Kind: chat.EventMessageCreated, Chat: chat.Chat{ID: id, Kind: chat.ChatGroup},
				Message: chat.Message{ID: id, ChatID: id, Seq: 1, Content: "a line of chat, as long as one usually is"}})
		}
		f.settle()
		runtime.GC()
		runtime.ReadMemStats(&held)
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			left := 0
			f.hub.chats.Range(func(_, _ any) bool { left++; return left < 10 })
			if left == 0 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("quiet chats were not dropped")
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		recent = float64(int64(held.HeapAlloc)-int64(base.HeapAlloc)) / n
		quiet = float64(int64(after.HeapAlloc)-int64(base.HeapAlloc)) / n
	}
	b.ReportMetric(recent, "bytes/recent-chat")
	b.ReportMetric(quiet, "bytes/quiet-chat")
}
