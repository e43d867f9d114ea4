package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// changeFixture is a group with one message, for logging reactions to it.
func changeFixture(t *testing.T, s *Store) (chat.Chat, chat.Message, func(emoji string) (*chat.Change, chat.Reaction)) {
	t.Helper()
	ctx := context.Background()
	ids := chat.NewIDGen(5)
	alice := chat.User{ID: ids.Next(), Username: "alice", CreatedAt: time.Now()}
	if err := s.CreateUser(ctx, alice, []byte("alice")); err != nil {
		t.Fatal(err)
	}
	c := chat.Chat{ID: ids.Next(), Kind: chat.ChatGroup, Name: "g", CreatorID: alice.ID, CreatedAt: time.Now()}
	if err := s.CreateGroup(ctx, c, []chat.GroupMember{{ChatID: c.ID, UserID: alice.ID, Role: chat.GroupOwner, JoinedAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	m, _, err := s.AppendMessage(ctx, chat.Message{ID: ids.Next(), UUID: chat.NewUUID(), ChatID: c.ID, AuthorID: alice.ID,
		Type: chat.TypeText, Content: "m", CreatedAt: time.Now()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	react := func(emoji string) (*chat.Change, chat.Reaction) {
		at := time.Now()
		return &chat.Change{Stream: c.ID, Kind: chat.EventReactionAdded, ChatID: c.ID, MessageID: m.ID, UserID: alice.ID,
				ActorID: alice.ID, Emoji: emoji, At: at},
			chat.Reaction{MessageID: m.ID, Emoji: emoji, UserID: alice.ID, CreatedAt: at}
	}
	return c, m, react
}

// A change's AfterSeq counts the messages appended earlier in its batch,
// which chats.last_seq only shows once the batch ends.
func TestChangeAfterSeqSeesItsBatch(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	c, m, react := changeFixture(t, s)
	log, r := react("x")
	var errs [2]error
	queueInOrder(t, s,
		func() {
			_, _, errs[0] = s.AppendMessage(ctx, chat.Message{ID: m.ID + 1000, UUID: chat.NewUUID(), ChatID: c.ID,
				AuthorID: m.AuthorID, Type: chat.TypeText, Content: "two", CreatedAt: time.Now()}, nil)
		},
		func() { _, errs[1] = s.AddReaction(ctx, r, log) },
	)
	if err := errors.Join(errs[:]...); err != nil {
		t.Fatal(err)
	}
	if log.Seq != 1 || log.AfterSeq != 2 {
		t.Errorf("logged seq %d after %d, want 1 after 2", log.Seq, log.AfterSeq)
	}
}

// A change whose batch rolled back after it ran is not logged, and its
// caller's log keeps Seq 0; the stream's numbering does not move.
func TestChangeOfAbortedBatch(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	c, _, react := changeFixture(t, s)
	log, r := react("x")
	var errs [2]error
	queueInOrder(t, s,
		func() { _, errs[0] = s.AddReaction(ctx, r, log) },
		func() {
			errs[1] = s.writeSingle(ctx, func(w *writer) error { return afterWrite(errors.New("boom")) })
		},
	)
	if errs[0] == nil || errs[1] == nil {
		t.Fatalf("errors %v: want the whole batch to fail", errs)
	}
	if log.Seq != 0 || log.AfterSeq != 0 {
		t.Errorf("log of a rolled back write: seq %d after %d", log.Seq, log.AfterSeq)
	}
	if got, err := s.ChangesAfter(ctx, c.ID, 0, 10); err != nil || len(got) != 0 {
		t.Errorf("ChangesAfter = %+v, %v; want none", got, err)
	}
	log, r = react("x")
	if _, err := s.AddReaction(ctx, r, log); err != nil {
		t.Fatal(err)
	}
	if log.Seq != 1 {
		t.Errorf("next change got seq %d, want 1", log.Seq)
	}
}
