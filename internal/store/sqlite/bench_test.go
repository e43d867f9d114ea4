package sqlite

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

const benchWriters = 64

// BenchmarkAppendMessage sends from 64 goroutines over 16 chats, the way
// concurrent HTTP handlers would; group commit is what it measures.
func BenchmarkAppendMessage(b *testing.B) {
	for _, bc := range []struct {
		name string
		key  bool
	}{{"plain", false}, {"nonce", true}} {
		b.Run(bc.name, func(b *testing.B) {
			s := openTemp(b)
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
			procs := runtime.GOMAXPROCS(0)
			b.SetParallelism((benchWriters + procs - 1) / procs)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				w := worker.Add(1)
				c := chats[w%int64(len(chats))]
				var key *chat.SendKey
				n := 0
				for pb.Next() {
					m := chat.Message{ID: ids.Next(), UUID: chat.NewUUID(), ChatID: c.ID, AuthorID: w, Type: chat.TypeKMarkdown,
						Content: "a benchmark message, about as long as a line of chat usually is", CreatedAt: time.Now()}
					if bc.key {
						n++
						key = &chat.SendKey{Key: "nonce-" + itoa(n), Expires: 24 * time.Hour}
					}
					if _, _, err := s.AppendMessage(ctx, m, key); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			st := s.w.stats()
			if st.batches > 0 {
				b.ReportMetric(float64(st.ops)/float64(st.batches), "ops/commit")
			}
		})
	}
}

func itoa(n int) string {
	var buf [20]byte
	i := len(buf)
	for n >= 10 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	i--
	buf[i] = byte('0' + n)
	return string(buf[i:])
}

func openBigChat(b *testing.B) *Store {
	path := bigChatDB(b)
	s, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkListMessagesLatest50 reads the newest page of a chat of a
// million messages.
func BenchmarkListMessagesLatest50(b *testing.B) {
	s := openBigChat(b)
	ctx := context.Background()
	q := chat.MessageQuery{ChatID: bigChatID, Direction: chat.Latest, Limit: 50}
	b.ReportAllocs()
	for b.Loop() {
		ms, err := s.ListMessages(ctx, q)
		if err != nil || len(ms) != 50 {
			b.Fatalf("ListMessages: %d messages, %v", len(ms), err)
		}
	}
}

// BenchmarkListMessagesBefore50 reads pages before random anchors all over
// a chat of a million messages (mostly cold pages of the index).
func BenchmarkListMessagesBefore50(b *testing.B) {
	s := openBigChat(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	for b.Loop() {
		anchor := 51 + rng.Int64N(bigChatMessages-50)
		ms, err := s.ListMessages(ctx, chat.MessageQuery{ChatID: bigChatID, Direction: chat.Before, AnchorSeq: anchor, Limit: 50})
		if err != nil || len(ms) != 50 || ms[49].Seq != anchor-1 {
			b.Fatalf("ListMessages before %d: %d messages, %v", anchor, len(ms), err)
		}
	}
}
