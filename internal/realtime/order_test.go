package realtime

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// Concurrent sends to a chat commit together and publish in any order; every
// session still gets every message once, in seq order, with gapless sns.
func TestConcurrentSendsArriveInSeqOrder(t *testing.T) {
	const senders, perSender, channels, sessions = 50, 200, 5, 20
	f := newFixture(t, Options{})
	owner := f.user("owner")
	people := f.users("sender", senders)
	readers := f.users("reader", sessions)
	g, _ := f.guild(owner, append(people, readers...)...)
	chans := make([]chat.Chat, channels)
	for i := range chans {
		chans[i] = f.channel(owner, g, fmt.Sprintf("room%d", i))
	}

	type result struct {
		got []Delivery
		err error
	}
	results := make([]result, sessions)
	var readersDone sync.WaitGroup
	for i, u := range readers {
		s := f.open(u)
		readersDone.Add(1)
		go func() {
			defer readersDone.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var buf []Delivery
			for len(results[i].got) < senders*perSender {
				var err error
				if buf, err = s.Take(buf[:0], 256); err != nil {
					results[i].err = err
					return
				}
				results[i].got = append(results[i].got, buf...)
				if len(buf) == 0 {
					select {
					case <-s.Ready():
					case <-ctx.Done():
						results[i].err = ctx.Err()
						return
					}
				}
			}
		}()
	}

	var sendersDone sync.WaitGroup
	for i, u := range people {
		sendersDone.Add(1)
		go func() {
			defer sendersDone.Done()
			for j := range perSender {
				c := chans[(i+j)%channels]
				if _, err := f.svc.SendMessage(f.ctx, u, chat.Send{ChatID: c.ID, Content: fmt.Sprintf("%d/%d", i, j)}); err != nil {
					t.Errorf("send: %v", err)
					return
				}
			}
		}()
	}
	sendersDone.Wait()
	readersDone.Wait()

	for i, r := range results {
		if r.err != nil {
			t.Fatalf("session %d: %v after %d deliveries", i, r.err, len(r.got))
		}
		if len(r.got) != senders*perSender {
			t.Fatalf("session %d: %d deliveries, want %d", i, len(r.got), senders*perSender)
		}
		last := map[int64]int64{}
		for k, d := range r.got {
			if d.SN != int64(k+1) {
				t.Fatalf("session %d: delivery %d has sn %d", i, k, d.SN)
			}
			if d.Event.Kind != chat.EventMessageCreated {
				t.Fatalf("session %d: unexpected event kind %d", i, d.Event.Kind)
			}
			id, seq := d.Event.Chat.ID, d.Event.Message.Seq
			if seq != last[id]+1 {
				t.Fatalf("session %d: chat %d: seq %d after %d", i, id, seq, last[id])
			}
			last[id] = seq
		}
		for _, c := range chans {
			if last[c.ID] != senders*perSender/channels {
				t.Fatalf("session %d: chat %d ends at seq %d", i, c.ID, last[c.ID])
			}
		}
	}
	st := f.hub.Stats()
	t.Logf("stats: %+v", st)
}

// An event ahead of the next seq has the missing ones read from the store;
// their own late events are then dropped.
func TestGapRepairedFromStore(t *testing.T) {
	f := newFixture(t, Options{})
	owner := f.user("owner")
	g, _ := f.guild(owner)
	c := f.channel(owner, g, "room")
	s := f.open(owner)

	f.send(owner, c, "one")
	release := f.pub.holding()
	f.send(owner, c, "two")
	f.send(owner, c, "three")
	held := release()
	if len(held) != 2 {
		t.Fatalf("held %d events, want 2", len(held))
	}
	f.hub.Publish(f.ctx, held[1]) // seq 3 first: seq 2 comes from the store
	got := readUntil(t, s, 0, "three")
	if st := f.hub.Stats(); st.Repaired != 1 {
		t.Fatalf("repaired %d, want 1", st.Repaired)
	}
	f.hub.Publish(f.ctx, held[0]) // late seq 2: already delivered
	f.send(owner, c, "four")
	got = append(got, readUntil(t, s, 3, "four")...)
	want := []string{"msg:one", "msg:two", "msg:three", "msg:four"}
	if fmt.Sprint(describeAll(got)) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", describeAll(got), want)
	}
	for i, d := range got {
		if d.Event.Message.Seq != int64(i+1) {
			t.Fatalf("delivery %d has seq %d", i, d.Event.Message.Seq)
		}
	}
	if st := f.hub.Stats(); st.Dropped != 1 {
		t.Fatalf("dropped %d, want 1", st.Dropped)
	}
}

// Missing seqs published in the same batch after the one ahead are put in
// order without reading the store.
func TestGapFilledFromBatch(t *testing.T) {
	f := newFixture(t, Options{})
	owner := f.user("owner")
	g, _ := f.guild(owner)
	c := f.channel(owner, g, "room")
	s := f.open(owner)

	release := f.pub.holding()
	for _, w := range []string{"one", "two", "three"} {
		f.send(owner, c, w)
	}
	held := release()
	v, _ := f.hub.chats.Load(c.ID)
	cs := v.(*chatState)
	cs.mu.Lock() // keep the worker from starting before the batch is complete
	for _, i := range []int{2, 0, 1} {
		cs.inbox = append(cs.inbox, queued{e: &held[i], stamp: f.hub.stamp.Add(1)})
	}
	cs.running = true
	cs.mu.Unlock()
	go f.hub.work(cs)

	got := readUntil(t, s, 0, "three")
	if want := "[msg:one msg:two msg:three]"; fmt.Sprint(describeAll(got)) != want {
		t.Fatalf("got %v, want %s", describeAll(got), want)
	}
	if st := f.hub.Stats(); st.Repaired != 0 {
		t.Fatalf("repaired %d from the store, want 0", st.Repaired)
	}
}

// A chat with history from before the hub starts after that history, and a
// first event that arrives ahead of its batch-mates loses none of them.
func TestChatFirstSeenStartsAfterItsHistory(t *testing.T) {
	f := newFixture(t, Options{})
	owner := f.user("owner")
	g, _ := f.guild(owner)
	release := f.pub.holding()
	c := f.channel(owner, g, "old") // the hub never hears of it
	for i := range 5 {
		f.send(owner, c, fmt.Sprintf("old%d", i))
	}
	release()
	time.Sleep(2 * time.Millisecond) // message times have millisecond precision

	// A new hub (a restart) over the same store.
	hub := NewHub(Options{})
	defer hub.Close()
	gt := &gate{hub: hub}
	svc := chat.NewService(f.db, chat.WithPublisher(gt))
	hub.Bind(svc)
	s, err := hub.Open(f.ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	release = gt.holding()
	for _, w := range []string{"new1", "new2"} {
		if _, err := svc.SendMessage(f.ctx, owner, chat.Send{ChatID: c.ID, Content: w}); err != nil {
			t.Fatal(err)
		}
	}
	held := release()
	hub.Publish(f.ctx, held[1]) // first sight of the chat, ahead of seq 6
	hub.Publish(f.ctx, held[0])
	if _, err := svc.SendMessage(f.ctx, owner, chat.Send{ChatID: c.ID, Content: "new3"}); err != nil {
		t.Fatal(err)
	}
	got := readUntil(t, s, 0, "new3")
	if want := "[msg:new1 msg:new2 msg:new3]"; fmt.Sprint(describeAll(got)) != want {
		t.Fatalf("got %v, want %s", describeAll(got), want)
	}
}

// A session gets what is published after it opens, even when events
// published before are still waiting for their chat's worker.
func TestSessionStartsAfterItsOpen(t *testing.T) {
	f := newFixture(t, Options{})
	owner := f.user("owner")
	g, _ := f.guild(owner)
	c := f.channel(owner, g, "room")
	early := f.open(owner)

	v, _ := f.hub.chats.Load(c.ID)
	cs := v.(*chatState)
	cs.mu.Lock()
	cs.running = true // hold the worker back: "one" stays queued
	cs.mu.Unlock()
	f.send(owner, c, "one")
	late := f.open(owner)
	f.send(owner, c, "two")
	go f.hub.work(cs)

	if got := describeAll(readUntil(t, early, 0, "two")); fmt.Sprint(got) != "[msg:one msg:two]" {
		t.Errorf("the session opened first got %v, want both", got)
	}
	got := readUntil(t, late, 0, "two")
	if fmt.Sprint(describeAll(got)) != "[msg:two]" || got[0].SN != 1 {
		t.Errorf("the session opened in between got %v, want only msg:two as sn 1", describeAll(got))
	}
}
