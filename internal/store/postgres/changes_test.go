package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/postgres/pgtest"
)

// TestTwoNodesChanges has two nodes log changes of one chat while both
// append to it: the changes must number 1..n without gaps, and since both
// take the chat's lock, their AfterSeqs must never go back as seq grows.
func TestTwoNodesChanges(t *testing.T) {
	u := pgtest.Schema(t)
	ctx := context.Background()
	a, b := openURL(t, u), openURL(t, u)
	defer a.Close()
	defer b.Close()
	nodes := []*Store{a, b}
	ids := chat.NewIDGen(5)
	now := time.UnixMilli(1_750_000_000_000)
	author := chat.User{ID: ids.Next(), Username: "author", CreatedAt: now}
	if err := a.CreateUser(ctx, author, chat.HashToken("t")); err != nil {
		t.Fatal(err)
	}
	c := chat.Chat{ID: ids.Next(), Kind: chat.ChatGroup, Name: "shared", CreatorID: author.ID, CreatedAt: now}
	if err := a.CreateChat(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	m, _, err := a.AppendMessage(ctx, chat.Message{ID: ids.Next(), UUID: chat.NewUUID(), ChatID: c.ID, AuthorID: author.ID,
		Type: chat.TypeText, Content: "m", CreatedAt: now}, nil)
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
					_, _, err := s.AppendMessage(ctx, chat.Message{ID: ids.Next(), UUID: chat.NewUUID(), ChatID: c.ID,
						AuthorID: author.ID, Type: chat.TypeText, Content: "x", CreatedAt: now}, nil)
					if err != nil {
						t.Errorf("AppendMessage: %v", err)
						return
					}
					continue
				}
				emoji := fmt.Sprintf("e%d-%d", w, i)
				log := &chat.Change{Stream: c.ID, Kind: chat.EventReactionAdded, ChatID: c.ID, MessageID: m.ID,
					UserID: author.ID, ActorID: author.ID, Emoji: emoji, At: now}
				r := chat.Reaction{MessageID: m.ID, Emoji: emoji, UserID: author.ID, CreatedAt: now}
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
	var after int64
	for i, ch := range cs {
		if ch.Seq != int64(i+1) {
			t.Fatalf("change %d has seq %d: not gapless", i, ch.Seq)
		}
		if ch.AfterSeq < after {
			t.Fatalf("change %d after message %d, but change %d after %d", ch.Seq, ch.AfterSeq, ch.Seq-1, after)
		}
		after = ch.AfterSeq
	}
	if last := int64(1 + workers/4*each); after > last {
		t.Errorf("newest change after message %d, but the chat has %d", after, last)
	}
}
