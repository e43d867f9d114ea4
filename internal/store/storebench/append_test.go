package storebench

import (
	"context"
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

// BenchmarkAppend64 persists messages from 64 goroutines over 16 chats on
// each backend, reporting sends/s and the p99 of one send.
func BenchmarkAppend64(b *testing.B) {
	backends := []struct {
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
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			defer s.Close()
			ctx := context.Background()
			ids := chat.NewIDGen(9)
			chats := make([]chat.Chat, 16)
			for i := range chats {
				chats[i] = chat.Chat{ID: ids.Next(), Kind: chat.ChatGroup, Name: "bench", CreatedAt: time.Now()}
				if err := s.CreateChat(ctx, chats[i], nil); err != nil {
					b.Fatal(err)
				}
			}
			var worker atomic.Int64
			var mu sync.Mutex
			var lat []time.Duration
			procs := runtime.GOMAXPROCS(0)
			b.SetParallelism((senders + procs - 1) / procs)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				w := worker.Add(1)
				c := chats[w%int64(len(chats))]
				var mine []time.Duration
				for pb.Next() {
					m := chat.Message{ID: ids.Next(), UUID: chat.NewUUID(), ChatID: c.ID, AuthorID: w, Type: chat.TypeKMarkdown,
						Content: "a benchmark message, about as long as a line of chat usually is", CreatedAt: time.Now()}
					t0 := time.Now()
					if _, _, err := s.AppendMessage(ctx, m, nil); err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
			if len(lat) > 0 {
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			}
		})
	}
}
