package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/chatd/chatd/internal/chat"
)

func testAppendAndRead(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	c := f.group(alice)
	other := f.group(alice)

	first := f.message(c, alice, "first")
	first.Type = chat.TypeText
	first.Nonce = "client-nonce"
	first.Mentions = chat.Mentions{Users: []int64{bob.ID}, Roles: []int{3}, Channels: []int64{other.ID}, All: true, Here: true}
	m1, created, err := f.s.AppendMessage(f.ctx, first, nil)
	must(t, "AppendMessage", err)
	if !created {
		t.Errorf("AppendMessage created = false")
	}
	want1 := first
	want1.Seq = 1
	equalMessage(t, "AppendMessage result", m1, want1)

	second := f.message(c, bob, "**second**")
	second.QuoteID = m1.ID
	m2, _, err := f.s.AppendMessage(f.ctx, second, nil)
	must(t, "AppendMessage", err)
	m3 := f.send(c, alice, "third")
	o1 := f.send(other, bob, "elsewhere")
	equal(t, "seqs", []int64{m1.Seq, m2.Seq, m3.Seq, o1.Seq}, []int64{1, 2, 3, 1})

	for _, m := range []chat.Message{m1, m2, m3, o1} {
		got, err := f.s.Message(f.ctx, m.ID)
		must(t, "Message", err)
		equalMessage(t, "Message", got, m)
		got, err = f.s.MessageByUUID(f.ctx, m.UUID)
		must(t, "MessageByUUID", err)
		equalMessage(t, "MessageByUUID", got, m)
	}
	byID, err := f.s.MessagesByID(f.ctx, []int64{m1.ID, o1.ID, 987654321, m1.ID})
	must(t, "MessagesByID", err)
	if len(byID) != 2 {
		t.Errorf("MessagesByID returned %d messages, want 2", len(byID))
	}
	equalMessage(t, "MessagesByID[m1]", byID[m1.ID], m1)
	equalMessage(t, "MessagesByID[o1]", byID[o1.ID], o1)

	got := f.chat(c.ID)
	if got.LastSeq != 3 || !got.LastMsgAt.Equal(m3.CreatedAt) {
		t.Errorf("Chat LastSeq %d, LastMsgAt %v; want 3, %v", got.LastSeq, got.LastMsgAt, m3.CreatedAt)
	}
	equalMessages(t, "ListMessages(Latest)", f.list(chat.MessageQuery{ChatID: c.ID, Limit: 50}), []chat.Message{m1, m2, m3})
}

// A failed append stores nothing and uses up no seq.
func testAppendFailure(t *testing.T, f *fixture) {
	alice := f.user("alice")
	c := f.group(alice)
	m1 := f.send(c, alice, "one")

	dupUUID := f.message(c, alice, "same uuid")
	dupUUID.UUID = m1.UUID
	if _, _, err := f.s.AppendMessage(f.ctx, dupUUID, nil); !errors.Is(err, chat.ErrConflict) {
		t.Errorf("AppendMessage(taken uuid): err %v, want ErrConflict", err)
	}
	dupID := f.message(c, alice, "same id")
	dupID.ID = m1.ID
	if _, _, err := f.s.AppendMessage(f.ctx, dupID, nil); !errors.Is(err, chat.ErrConflict) {
		t.Errorf("AppendMessage(taken id): err %v, want ErrConflict", err)
	}
	missing := f.message(chat.Chat{ID: 12345}, alice, "nowhere")
	_, _, err := f.s.AppendMessage(f.ctx, missing, &chat.SendKey{Key: "k", Expires: 1 << 40})
	mustNotFound(t, "AppendMessage(missing chat)", err, chat.WhatChat)
	_, err = f.s.Message(f.ctx, missing.ID)
	mustNotFound(t, "Message(failed append)", err, chat.WhatMessage)

	m2 := f.send(c, alice, "two")
	if m2.Seq != 2 {
		t.Errorf("seq after failed appends = %d, want 2", m2.Seq)
	}
	if got := f.chat(c.ID).LastSeq; got != 2 {
		t.Errorf("LastSeq = %d, want 2", got)
	}
	equal(t, "stored seqs", seqs(f.list(chat.MessageQuery{ChatID: c.ID, Limit: 50})), []int64{1, 2})
}

// appendConcurrently has workers goroutines append perWorker messages each;
// worker w writes to chats[w%len(chats)]. It returns the seqs per chat.
func appendConcurrently(t *testing.T, f *fixture, chats []chat.Chat, workers, perWorker int) map[int64][]int64 {
	t.Helper()
	author := f.user("writer")
	var mu sync.Mutex
	got := map[int64][]int64{}
	var wg sync.WaitGroup
	for w := range workers {
		c := chats[w%len(chats)]
		wg.Go(func() {
			for range perWorker {
				m, created, err := f.s.AppendMessage(f.ctx, f.message(c, author, "x"), nil)
				if err != nil || !created {
					t.Errorf("AppendMessage: created %v, err %v", created, err)
					return
				}
				mu.Lock()
				got[c.ID] = append(got[c.ID], m.Seq)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return got
}

// checkGapless checks that chat c holds exactly seqs 1..n, that the seqs
// returned to the writers are those, and that LastSeq is n.
func checkGapless(t *testing.T, f *fixture, c chat.Chat, returned []int64, n int64) {
	t.Helper()
	slices.Sort(returned)
	equal(t, "seqs returned to concurrent appends", returned, span(1, n))
	if got := f.chat(c.ID).LastSeq; got != n {
		t.Errorf("LastSeq = %d, want %d", got, n)
	}
	var stored []int64
	for after := int64(0); ; {
		page := f.list(chat.MessageQuery{ChatID: c.ID, Direction: chat.After, AnchorSeq: after, Limit: 100})
		if len(page) == 0 {
			break
		}
		stored = append(stored, seqs(page)...)
		after = page[len(page)-1].Seq
	}
	equal(t, "stored seqs", stored, span(1, n))
}

func testSeqConcurrentOneChat(t *testing.T, f *fixture) {
	c := f.group(f.user("owner"))
	got := appendConcurrently(t, f, []chat.Chat{c}, 16, 100)
	checkGapless(t, f, c, got[c.ID], 1600)
}

func testSeqConcurrentManyChats(t *testing.T, f *fixture) {
	owner := f.user("owner")
	chats := []chat.Chat{f.group(owner), f.group(owner), f.group(owner), f.group(owner)}
	got := appendConcurrently(t, f, chats, 16, 100)
	for _, c := range chats {
		checkGapless(t, f, c, got[c.ID], 400)
	}
}

// Writes that fail among concurrent ones (which a store may batch into one
// transaction) undo only themselves.
func testBatchIsolation(t *testing.T, f *fixture) {
	alice := f.user("alice")
	c := f.group(alice)
	taken := f.send(c, alice, "taken uuid")
	const n = 60
	var wg sync.WaitGroup
	var mu sync.Mutex
	var good []int64
	for i := range n {
		wg.Go(func() {
			m := f.message(c, alice, "ok")
			switch i % 3 {
			case 1:
				m.ChatID = 12345 // no such chat
			case 2:
				m.UUID = taken.UUID
			}
			stored, _, err := f.s.AppendMessage(f.ctx, m, nil)
			switch {
			case i%3 == 0 && err != nil:
				t.Errorf("good append failed: %v", err)
			case i%3 == 1 && !errors.Is(err, chat.ErrNotFound):
				t.Errorf("append to missing chat: err %v, want ErrNotFound", err)
			case i%3 == 2 && !errors.Is(err, chat.ErrConflict):
				t.Errorf("append with taken uuid: err %v, want ErrConflict", err)
			case err == nil:
				mu.Lock()
				good = append(good, stored.Seq)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(good)
	equal(t, "seqs of the good appends", good, span(2, n/3+1))
	equal(t, "stored seqs", seqs(f.list(chat.MessageQuery{ChatID: c.ID, Limit: 100})), span(1, n/3+1))
}
