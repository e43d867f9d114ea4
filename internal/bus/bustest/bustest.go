// Package bustest is the behaviour every bus backend must show: what one
// node publishes reaches every other node's subscription once, with its
// content intact and in the order it was published, never the publisher's
// own; events survive a subscriber's brief loss of its connection; and a
// node that vanishes is reported lost. Backends run it from their tests:
//
//	bustest.Run(t, func(t *testing.T) bustest.Fabric { ... })
package bustest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/realtime"
)

// Fabric is one test's bus: the nodes made by one Fabric hear each other.
type Fabric struct {
	// Node joins the fabric as name.
	Node func(t *testing.T, name string) realtime.Bus
	// Kill makes node name vanish abruptly, as its process dying would.
	Kill func(t *testing.T, name string)
	// Cut, when set, breaks node name's connection to the bus until the
	// returned function is called (backends without connections leave it
	// nil and the reconnect test is skipped).
	Cut func(t *testing.T, name string) (restore func())
}

// Run runs the suite; newFabric is called once per subtest.
func Run(t *testing.T, newFabric func(t *testing.T) Fabric) {
	tests := []struct {
		name string
		fn   func(*testing.T, Fabric)
	}{
		{"RoundTrip", testRoundTrip},
		{"NoEcho", testNoEcho},
		{"OrderPerPublisher", testOrder},
		{"ConcurrentPublishers", testConcurrent},
		{"Reconnect", testReconnect},
		{"PeerLost", testPeerLost},
		{"Unsubscribe", testUnsubscribe},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newFabric(t)) })
	}
}

// wait is how long an event may take to arrive.
const wait = 15 * time.Second

// recorder collects what a subscription receives.
type recorder struct {
	mu     sync.Mutex
	events []chat.Event
	lost   []string
	grew   chan struct{}
}

func subscribe(t *testing.T, b realtime.Bus) *recorder {
	t.Helper()
	r := &recorder{grew: make(chan struct{}, 1)}
	stop, err := b.Subscribe(context.Background(), realtime.BusHandler{
		Event: func(e chat.Event) {
			r.mu.Lock()
			r.events = append(r.events, e)
			r.mu.Unlock()
			r.kick()
		},
		PeerLost: func(node string) {
			r.mu.Lock()
			r.lost = append(r.lost, node)
			r.mu.Unlock()
			r.kick()
		},
	})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	t.Cleanup(stop)
	return r
}

func (r *recorder) kick() {
	select {
	case r.grew <- struct{}{}:
	default:
	}
}

// until waits for cond over what was received, or fails the test.
func (r *recorder) until(t *testing.T, what string, cond func(events []chat.Event, lost []string) bool) []chat.Event {
	t.Helper()
	deadline := time.After(wait)
	for {
		r.mu.Lock()
		ok := cond(r.events, r.lost)
		events := append([]chat.Event(nil), r.events...)
		r.mu.Unlock()
		if ok {
			return events
		}
		select {
		case <-r.grew:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("waited %v for %s; have %d events", wait, what, len(events))
		}
	}
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

func atLeast(n int) func([]chat.Event, []string) bool {
	return func(e []chat.Event, _ []string) bool { return len(e) >= n }
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// message is a message-created event: chat id, seq, and a payload.
func message(chatID, seq int64) chat.Event {
	at := t0.Add(time.Duration(seq) * time.Millisecond)
	return chat.Event{Kind: chat.EventMessageCreated, ActorID: 7, At: at,
		Chat: chat.Chat{ID: chatID, Kind: chat.ChatChannel, GuildID: 3, Name: "general", LastSeq: seq, LastMsgAt: at, CreatedAt: t0},
		Message: chat.Message{ID: chatID<<20 | seq, UUID: chat.NewUUID(), ChatID: chatID, Seq: seq, AuthorID: 7,
			Type: chat.TypeKMarkdown, Content: fmt.Sprintf("message %d of chat %d", seq, chatID), CreatedAt: at}}
}

// samples are events of every shape the core publishes.
func samples() []chat.Event {
	m := message(11, 1)
	m.Message.Mentions = chat.Mentions{Users: []int64{1, 2}, Roles: []int{4}, All: true}
	m.Message.QuoteID, m.Message.Nonce, m.Message.EditedAt = 99, "nonce-1", t0.Add(time.Second)
	temp := message(11, 0)
	temp.Message.TempTargetID = 8
	direct := message(12, 5)
	direct.Chat = chat.Chat{ID: 12, Kind: chat.ChatDirect, Members: [2]int64{7, 8}, CreatedAt: t0}
	recalled := message(11, 1)
	recalled.Kind, recalled.Message.RecalledAt = chat.EventMessageDeleted, t0.Add(2*time.Second)
	return []chat.Event{
		m, temp, direct, recalled,
		{Kind: chat.EventReactionAdded, Chat: m.Chat, Message: m.Message, ActorID: 8, At: t0,
			Reaction: chat.Reaction{MessageID: m.Message.ID, Emoji: "👍", UserID: 8, CreatedAt: t0}},
		{Kind: chat.EventChannelUpdated, Chat: chat.Chat{ID: 11, Kind: chat.ChatChannel, GuildID: 3, Name: "renamed",
			Topic: "t", Type: chat.ChannelText, ParentID: 10, Level: 2, SlowMode: 5000, CreatorID: 7, CreatedAt: t0}, ActorID: 7, At: t0},
		{Kind: chat.EventMemberJoined, Chat: chat.Chat{Kind: chat.ChatChannel, GuildID: 3}, UserID: 9, At: t0},
		{Kind: chat.EventMemberLeft, Chat: chat.Chat{Kind: chat.ChatChannel, GuildID: 3}, UserID: 9, ActorID: 7, At: t0},
	}
}

// same compares events as values, times by instant.
func same(a, b chat.Event) bool {
	norm := func(e chat.Event) chat.Event {
		for _, p := range []*time.Time{&e.At, &e.Chat.LastMsgAt, &e.Chat.CreatedAt, &e.Message.CreatedAt,
			&e.Message.EditedAt, &e.Message.RecalledAt, &e.Reaction.CreatedAt} {
			*p = p.UTC()
		}
		return e
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func publish(t *testing.T, b realtime.Bus, e chat.Event) {
	t.Helper()
	if err := b.Publish(context.Background(), e); err != nil {
		t.Fatalf("Publish: %v", err)
	}
}

func testRoundTrip(t *testing.T, f Fabric) {
	a, b := f.Node(t, "a"), f.Node(t, "b")
	rb := subscribe(t, b)
	want := samples()
	for _, e := range want {
		publish(t, a, e)
	}
	got := rb.until(t, "every sample", atLeast(len(want)))
	if len(got) != len(want) {
		t.Fatalf("received %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if !same(got[i], want[i]) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func testNoEcho(t *testing.T, f Fabric) {
	a, b := f.Node(t, "a"), f.Node(t, "b")
	ra, rb := subscribe(t, a), subscribe(t, b)
	publish(t, a, message(1, 1))
	publish(t, b, message(2, 1))
	rb.until(t, "a's event at b", atLeast(1))
	ra.until(t, "b's event at a", atLeast(1))
	time.Sleep(200 * time.Millisecond) // an echo would arrive meanwhile
	for name, r := range map[string]*recorder{"a": ra, "b": rb} {
		r.mu.Lock()
		for _, e := range r.events {
			if (name == "a") == (e.Chat.ID == 1) {
				t.Errorf("node %s received its own event (chat %d)", name, e.Chat.ID)
			}
		}
		r.mu.Unlock()
	}
}

// checkOrder checks that each chat's seqs arrived as 1..n, once each.
func checkOrder(t *testing.T, events []chat.Event, chats map[int64]int64) {
	t.Helper()
	next := map[int64]int64{}
	for _, e := range events {
		c := e.Chat.ID
		if e.Message.Seq != next[c]+1 {
			t.Fatalf("chat %d: seq %d arrived after %d", c, e.Message.Seq, next[c])
		}
		next[c] = e.Message.Seq
	}
	for c, n := range chats {
		if next[c] != n {
			t.Errorf("chat %d: received up to seq %d, want %d", c, next[c], n)
		}
	}
}

func testOrder(t *testing.T, f Fabric) {
	a, b := f.Node(t, "a"), f.Node(t, "b")
	rb := subscribe(t, b)
	const chats, per = 10, 300
	want := map[int64]int64{}
	for s := int64(1); s <= per; s++ {
		for c := int64(1); c <= chats; c++ {
			publish(t, a, message(c, s))
			want[c] = s
		}
	}
	checkOrder(t, rb.until(t, "every event", atLeast(chats*per)), want)
}

func testConcurrent(t *testing.T, f Fabric) {
	names := []string{"a", "b", "c"}
	nodes := make([]realtime.Bus, len(names))
	recs := make([]*recorder, len(names))
	for i, n := range names {
		nodes[i] = f.Node(t, n)
		recs[i] = subscribe(t, nodes[i])
	}
	const chats, per = 5, 200
	var wg sync.WaitGroup
	for i, nd := range nodes {
		// Each node writes chats of its own, as each chat's seq belongs
		// to one committer at a time; the nodes run at once.
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := int64(1); s <= per; s++ {
				for c := int64(1); c <= chats; c++ {
					if err := nd.Publish(context.Background(), message(int64(i*100)+c, s)); err != nil {
						t.Errorf("Publish: %v", err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	for i, r := range recs {
		want := map[int64]int64{}
		for j := range nodes {
			if j != i {
				for c := int64(1); c <= chats; c++ {
					want[int64(j*100)+c] = per
				}
			}
		}
		got := r.until(t, "every other node's events at "+names[i], atLeast(2*chats*per))
		time.Sleep(100 * time.Millisecond) // a duplicate would arrive meanwhile
		if n := r.count(); n != 2*chats*per {
			t.Errorf("node %s received %d events, want %d", names[i], n, 2*chats*per)
		}
		checkOrder(t, got, want)
	}
}

func testReconnect(t *testing.T, f Fabric) {
	if f.Cut == nil {
		t.Skip("this bus has no connection to lose")
	}
	a, b := f.Node(t, "a"), f.Node(t, "b")
	rb := subscribe(t, b)
	publish(t, a, message(1, 1))
	rb.until(t, "the first event", atLeast(1))
	restore := f.Cut(t, "b")
	for s := int64(2); s <= 50; s++ {
		publish(t, a, message(1, s))
	}
	time.Sleep(500 * time.Millisecond)
	restore()
	for s := int64(51); s <= 60; s++ {
		publish(t, a, message(1, s))
	}
	got := rb.until(t, "the events published while b was cut off", atLeast(60))
	time.Sleep(200 * time.Millisecond)
	if n := rb.count(); n != 60 {
		t.Errorf("received %d events, want 60 (duplicates?)", n)
	}
	checkOrder(t, got, map[int64]int64{1: 60})
}

func testPeerLost(t *testing.T, f Fabric) {
	_, b := f.Node(t, "a"), f.Node(t, "b")
	rb := subscribe(t, b)
	// Let the nodes hear each other before one dies.
	time.Sleep(300 * time.Millisecond)
	f.Kill(t, "a")
	rb.until(t, "a reported lost", func(_ []chat.Event, lost []string) bool {
		for _, n := range lost {
			if n == "a" {
				return true
			}
		}
		return false
	})
}

func testUnsubscribe(t *testing.T, f Fabric) {
	a, b := f.Node(t, "a"), f.Node(t, "b")
	r := &recorder{grew: make(chan struct{}, 1)}
	stop, err := b.Subscribe(context.Background(), realtime.BusHandler{Event: func(e chat.Event) {
		r.mu.Lock()
		r.events = append(r.events, e)
		r.mu.Unlock()
		r.kick()
	}})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	publish(t, a, message(1, 1))
	r.until(t, "the first event", atLeast(1))
	stop()
	publish(t, a, message(1, 2))
	other := subscribe(t, b)
	publish(t, a, message(1, 3))
	other.until(t, "an event after the first subscription stopped", atLeast(1))
	time.Sleep(100 * time.Millisecond)
	if n := r.count(); n != 1 {
		t.Errorf("a stopped subscription received %d events, want 1", n)
	}
}
