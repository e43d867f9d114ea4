package postgres

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/postgres/pgtest"
	"github.com/chatd/chatd/internal/store/storetest"

	"github.com/jackc/pgx/v5"
)

func openURL(t testing.TB, u string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), u, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	pgtest.URL(t)
	storetest.Run(t, func(t *testing.T) chat.Store { return openURL(t, pgtest.Schema(t)) })
}

func TestMigrate(t *testing.T) {
	u := pgtest.Schema(t)
	ctx := context.Background()
	// Nodes starting at once: the advisory lock lets one migrate while the
	// others wait, then find the schema up to date.
	stores := make([]*Store, 4)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() {
			s, err := Open(ctx, u, WithWriters(1))
			if err != nil {
				t.Errorf("concurrent Open: %v", err)
				return
			}
			stores[i] = s
		})
	}
	wg.Wait()
	for _, s := range stores {
		if s != nil {
			defer s.Close()
		}
	}
	if t.Failed() {
		return
	}
	s := stores[0]
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	rows, err := s.pool.Query(ctx, "SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var want []int32
	for _, m := range ms {
		want = append(want, int32(m.Version))
	}
	if !slices.Equal(got, want) {
		t.Errorf("schema_migrations = %v, want %v (each once)", got, want)
	}
}

// TestTwoNodesOneChat runs two Stores (as two nodes would) on one schema
// and has both write to one chat at once.
func TestTwoNodesOneChat(t *testing.T) {
	u := pgtest.Schema(t)
	ctx := context.Background()
	a, b := openURL(t, u), openURL(t, u)
	defer a.Close()
	defer b.Close()
	nodes := []*Store{a, b}
	ids := chat.NewIDGen(3)
	now := time.UnixMilli(1_750_000_000_000)
	author := chat.User{ID: ids.Next(), Username: "author", CreatedAt: now}
	if err := a.CreateUser(ctx, author, chat.HashToken("t")); err != nil {
		t.Fatal(err)
	}
	c := chat.Chat{ID: ids.Next(), Kind: chat.ChatGroup, Name: "shared", CreatorID: author.ID, CreatedAt: now}
	if err := a.CreateChat(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	message := func() chat.Message {
		return chat.Message{ID: ids.Next(), UUID: chat.NewUUID(), ChatID: c.ID, AuthorID: author.ID,
			Type: chat.TypeText, Content: "x", CreatedAt: now}
	}

	t.Run("GaplessSeqs", func(t *testing.T) {
		const workers, each = 16, 100
		var mu sync.Mutex
		var got []int64
		var wg sync.WaitGroup
		for w := range workers {
			s := nodes[w%2]
			wg.Go(func() {
				for range each {
					m, _, err := s.AppendMessage(ctx, message(), nil)
					if err != nil {
						t.Errorf("AppendMessage: %v", err)
						return
					}
					mu.Lock()
					got = append(got, m.Seq)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		slices.Sort(got)
		for i, seq := range got {
			if seq != int64(i+1) {
				t.Fatalf("seqs returned to both nodes: %d at position %d, want 1..%d gapless", seq, i, workers*each)
			}
		}
		var stored, last int64
		if err := a.pool.QueryRow(ctx, `SELECT COUNT(*), MAX(seq) FROM messages WHERE chat_id = $1`, c.ID).Scan(&stored, &last); err != nil {
			t.Fatal(err)
		}
		if stored != workers*each || last != workers*each {
			t.Errorf("stored %d messages up to seq %d, want %d", stored, last, workers*each)
		}
		for _, s := range nodes {
			if ch, err := s.Chat(ctx, c.ID); err != nil || ch.LastSeq != workers*each {
				t.Errorf("Chat: LastSeq %d (err %v), want %d", ch.LastSeq, err, workers*each)
			}
		}
	})

	t.Run("OneMessagePerKey", func(t *testing.T) {
		before, _ := a.Chat(ctx, c.ID)
		key := &chat.SendKey{Key: "same nonce", Expires: time.Hour}
		const n = 40
		var created atomic.Int32
		got := make([]int64, n)
		var wg sync.WaitGroup
		for i := range n {
			s := nodes[i%2]
			wg.Go(func() {
				m, ok, err := s.AppendMessage(ctx, message(), key)
				if err != nil {
					t.Errorf("AppendMessage: %v", err)
					return
				}
				if ok {
					created.Add(1)
				}
				got[i] = m.ID
			})
		}
		wg.Wait()
		if created.Load() != 1 {
			t.Errorf("%d of %d sends of one key on two nodes were stored, want 1", created.Load(), n)
		}
		for _, id := range got {
			if id != got[0] {
				t.Fatalf("sends of one key returned messages %v, want one", got)
			}
		}
		if after, _ := b.Chat(ctx, c.ID); after.LastSeq != before.LastSeq+1 {
			t.Errorf("LastSeq went from %d to %d, want one more", before.LastSeq, after.LastSeq)
		}
	})

	t.Run("OneDirectChatPerPair", func(t *testing.T) {
		peer := chat.User{ID: ids.Next(), Username: "peer", CreatedAt: now}
		if err := b.CreateUser(ctx, peer, chat.HashToken("p")); err != nil {
			t.Fatal(err)
		}
		const n = 20
		got := make([]int64, n)
		var wg sync.WaitGroup
		for i := range n {
			s := nodes[i%2]
			proposal := chat.Chat{ID: ids.Next(), Kind: chat.ChatDirect, Code: chat.NewUUID().Hex(),
				Members: [2]int64{min(author.ID, peer.ID), max(author.ID, peer.ID)}, CreatorID: author.ID, CreatedAt: now}
			wg.Go(func() {
				c, err := s.OpenDirectChat(ctx, proposal)
				if err != nil {
					t.Errorf("OpenDirectChat: %v", err)
					return
				}
				got[i] = c.ID
			})
		}
		wg.Wait()
		for _, id := range got {
			if id != got[0] {
				t.Fatalf("OpenDirectChat on two nodes returned chats %v, want one", got)
			}
		}
	})

	t.Run("DistinctRoleIDs", func(t *testing.T) {
		g := chat.Guild{ID: ids.Next(), Name: "g", OwnerID: author.ID, CreatedAt: now}
		ch := chat.Chat{ID: ids.Next(), Kind: chat.ChatChannel, GuildID: g.ID, Name: "general", Type: chat.ChannelText, CreatedAt: now}
		g.DefaultChannelID = ch.ID
		if err := a.CreateGuild(ctx, g, chat.Role{GuildID: g.ID, Name: "@everyone"}, ch,
			chat.Member{GuildID: g.ID, UserID: author.ID, JoinedAt: now}, nil); err != nil {
			t.Fatal(err)
		}
		const n = 20
		got := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			s := nodes[i%2]
			wg.Go(func() {
				r, err := s.CreateRole(ctx, chat.Role{GuildID: g.ID, Name: fmt.Sprint("r", i)})
				if err != nil {
					t.Errorf("CreateRole: %v", err)
					return
				}
				got[i] = r.ID
			})
		}
		wg.Wait()
		slices.Sort(got)
		for i, id := range got {
			if id != i+1 {
				t.Fatalf("role ids from two nodes %v, want 1..%d", got, n)
			}
		}
	})

	// Both nodes log changes of the chat while both append to it: the
	// changes number 1..n without gaps, and since both take the chat's
	// lock, their AfterSeqs never go back as seq grows.
	t.Run("GaplessChanges", func(t *testing.T) {
		target, _, err := a.AppendMessage(ctx, message(), nil)
		if err != nil {
			t.Fatal(err)
		}
		const workers, each = 8, 25
		var wg sync.WaitGroup
		for w := range workers {
			s := nodes[w%2]
			wg.Go(func() {
				for i := range each {
					if w%4 == 0 {
						if _, _, err := s.AppendMessage(ctx, message(), nil); err != nil {
							t.Errorf("AppendMessage: %v", err)
							return
						}
						continue
					}
					emoji := fmt.Sprintf("e%d-%d", w, i)
					log := &chat.Change{Stream: c.ID, Kind: chat.EventReactionAdded, ChatID: c.ID, MessageID: target.ID,
						UserID: author.ID, ActorID: author.ID, Emoji: emoji, At: now}
					r := chat.Reaction{MessageID: target.ID, Emoji: emoji, UserID: author.ID, CreatedAt: now}
					if _, err := s.AddReaction(ctx, r, log); err != nil {
						t.Errorf("AddReaction: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		cs, err := b.ChangesAfter(ctx, c.ID, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if want := (workers - workers/4) * each; len(cs) != want {
			t.Fatalf("%d changes, want %d", len(cs), want)
		}
		after := target.Seq
		for i, ch := range cs {
			if ch.Seq != int64(i+1) {
				t.Fatalf("change %d has seq %d: not gapless", i, ch.Seq)
			}
			if ch.AfterSeq < after {
				t.Fatalf("change %d after message %d, but change %d after %d", ch.Seq, ch.AfterSeq, ch.Seq-1, after)
			}
			after = ch.AfterSeq
		}
		if last := target.Seq + workers/4*each; after > last {
			t.Errorf("newest change after message %d, but the chat has %d", after, last)
		}
	})
}

// TestCloseAnswersQueuedAppends checks that Close waits for the appends
// already queued and that later ones fail with ErrClosed.
func TestCloseAnswersQueuedAppends(t *testing.T) {
	s := openURL(t, pgtest.Schema(t))
	ctx := context.Background()
	ids := chat.NewIDGen(4)
	c := chat.Chat{ID: ids.Next(), Kind: chat.ChatGroup, Name: "c", CreatedAt: time.Now()}
	if err := s.CreateChat(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	const n = 200
	var wg sync.WaitGroup
	var acked atomic.Int64
	for range n {
		wg.Go(func() {
			_, _, err := s.AppendMessage(ctx, chat.Message{ID: ids.Next(), UUID: chat.NewUUID(), ChatID: c.ID, AuthorID: 1,
				Type: chat.TypeText, Content: "x", CreatedAt: time.Now()}, nil)
			if err == nil {
				acked.Add(1)
			} else if err != ErrClosed {
				t.Errorf("AppendMessage: %v", err)
			}
		})
	}
	time.Sleep(5 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	s2 := openURL(t, s.pool.Config().ConnString())
	defer s2.Close()
	got, err := s2.Chat(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.LastSeq != acked.Load() {
		t.Errorf("LastSeq %d after close, want the %d acknowledged appends", got.LastSeq, acked.Load())
	}
}
