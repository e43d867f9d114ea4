package postgres

import (
	"context"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/postgres/pgtest"
)

const benchWriters = 64

// BenchmarkAppendMessage sends from 64 goroutines over 16 chats, the way
// concurrent HTTP handlers would, as SQLite's benchmark of the same name
// does; group commit is what it measures. It reports sends/s, the p99 of
// one send and how many sends shared a commit.
func BenchmarkAppendMessage(b *testing.B) {
	for _, bc := range []struct {
		name string
		key  bool
	}{{"plain", false}, {"nonce", true}} {
		b.Run(bc.name, func(b *testing.B) {
			s := openURL(b, pgtest.Schema(b))
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
			b.SetParallelism((benchWriters + procs - 1) / procs)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				w := worker.Add(1)
				c := chats[w%int64(len(chats))]
				var key *chat.SendKey
				var mine []time.Duration
				n := 0
				for pb.Next() {
					m := chat.Message{ID: ids.Next(), UUID: chat.NewUUID(), ChatID: c.ID, AuthorID: w, Type: chat.TypeKMarkdown,
						Content: "a benchmark message, about as long as a line of chat usually is", CreatedAt: time.Now()}
					if bc.key {
						n++
						key = &chat.SendKey{Key: "nonce-" + strconv.Itoa(n), Expires: 24 * time.Hour}
					}
					start := time.Now()
					if _, _, err := s.AppendMessage(ctx, m, key); err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(start))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			if len(lat) > 0 {
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			}
			if st := s.stats(); st.batches > 0 {
				b.ReportMetric(float64(st.ops)/float64(st.batches), "ops/commit")
			}
		})
	}
}
