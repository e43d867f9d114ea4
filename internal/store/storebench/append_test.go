package storebench

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/postgres"
	"github.com/chatd/chatd/internal/store/postgres/pgtest"
	"github.com/chatd/chatd/internal/store/sqlite"
)

// senders is the concurrency of the comparison.
const senders = 64

var backends = []struct {
	name string
	open func(b *testing.B) chat.Store
}{
	{"sqlite", func(b *testing.B) chat.Store {
		s, err := sqlite.Open(filepath.Join(b.TempDir(), "chatd.db"))
		if err != nil {
			b.Fatal(err)
		}
		return s
	}},
	{"postgres", func(b *testing.B) chat.Store {
		s, err := postgres.Open(context.Background(), pgtest.Schema(b))
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Migrate(context.Background()); err != nil {
			b.Fatal(err)
		}
		return s
	}},
}

// BenchmarkAppend64 persists messages from 64 goroutines over 16 chats on
// each backend, reporting sends/s and the p99 of one send.
func BenchmarkAppend64(b *testing.B) {
	ids := chat.NewIDGen(9)
	parallel64(b, "sends/s", func(s chat.Store, c chat.Chat, _, w int64, _ int) error {
		m := chat.Message{ID: ids.Next(), UUID: chat.NewUUID(), ChatID: c.ID, AuthorID: w, Type: chat.TypeKMarkdown,
			Content: "a benchmark message, about as long as a line of chat usually is", CreatedAt: time.Now()}
		_, _, err := s.AppendMessage(context.Background(), m, nil)
		return err
	})
}

// BenchmarkReact64 adds reactions from 64 goroutines over 16 chats, each
// logged in the change log as the Service logs it, reporting changes/s and
// the p99 of one.
func BenchmarkReact64(b *testing.B) {
	parallel64(b, "changes/s", func(s chat.Store, c chat.Chat, msgID, w int64, i int) error {
		r := chat.Reaction{MessageID: msgID, Emoji: fmt.Sprintf("e%d-%d", w, i), UserID: w, CreatedAt: time.Now()}
		log := &chat.Change{Stream: c.ID, Kind: chat.EventReactionAdded, ChatID: c.ID, MessageID: r.MessageID,
			UserID: w, ActorID: w, Emoji: r.Emoji, At: r.CreatedAt}
		_, err := s.AddReaction(context.Background(), r, log)
		return err
	})
}

// parallel64 runs op b.N times from 64 goroutines, each on one of 16 chats
// that holds one message (msgID), on every backend.
func parallel64(b *testing.B, unit string, op func(s chat.Store, c chat.Chat, msgID, worker int64, i int) error) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			defer s.Close()
			ctx := context.Background()
			ids := chat.NewIDGen(10)
			chats := make([]chat.Chat, 16)
			msgs := make([]int64, len(chats))
			for i := range chats {
				chats[i] = chat.Chat{ID: ids.Next(), Kind: chat.ChatGroup, Name: "bench", CreatedAt: time.Now()}
				if err := s.CreateChat(ctx, chats[i], nil); err != nil {
					b.Fatal(err)
				}
				m, _, err := s.AppendMessage(ctx, chat.Message{ID: ids.Next(), UUID: chat.NewUUID(), ChatID: chats[i].ID,
					Type: chat.TypeText, Content: "reacted to", CreatedAt: time.Now()}, nil)
				if err != nil {
					b.Fatal(err)
				}
				msgs[i] = m.ID
			}
			var worker atomic.Int64
			var mu sync.Mutex
			var lat []time.Duration
			procs := runtime.GOMAXPROCS(0)
			b.SetParallelism((senders + procs - 1) / procs)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				w := worker.Add(1)
				k := w % int64(len(chats))
				var mine []time.Duration
				for i := 0; pb.Next(); i++ {
					t0 := time.Now()
					if err := op(s, chats[k], msgs[k], w, i); err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit)
			if len(lat) > 0 {
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			}
		})
	}
}
