package realtime

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/sqlite"
	"sync"
)

// The last messages of a chat whose events never come (their node died
// after the commit) still reach sessions: the tail probe reads them once
// the chat is quiet.
func TestTailWithoutEventsIsDelivered(t *testing.T) {
	f := newFixture(t, Options{TailCheck: 50 * time.Millisecond})
	owner, reader := f.user("owner"), f.user("reader")
	_, c := f.guild(owner, reader)
	s := f.open(reader)
	f.send(owner, c, "seen")
	readUntil(t, s, 0, "seen")
	release := f.pub.holding()
	f.send(owner, c, "lost 1")
	f.send(owner, c, "lost 2")
	got := readUntil(t, s, 1, "lost 2")
	if want := []string{"msg:lost 1", "msg:lost 2"}; len(got) != 2 || describe(got[0]) != want[0] || describe(got[1]) != want[1] {
		t.Fatalf("got %v, want %v", describeAll(got), want)
	}
	// The events, arriving late after all, are not delivered twice.
	for _, e := range release() {
		f.hub.Publish(f.ctx, e)
	}
	f.send(owner, c, "after")
	if got := readUntil(t, s, 3, "after"); len(got) != 1 {
		t.Fatalf("after the late events: %v", describeAll(got))
	}
}

// node is a hub and a core sharing one store with other nodes, joined by
// a bus.
type node struct {
	hub   *Hub
	svc   *chat.Service
	relay *Relay
}

// wire is a synchronous bus for these tests (internal/bus/local imports
// this package; bustest covers the real ones).
type wire struct {
	mu   sync.Mutex
	subs map[int][]func(chat.Event)
}

type wireEnd struct {
	w *wire
	n int
}

func (e wireEnd) Publish(_ context.Context, ev chat.Event) error {
	e.w.mu.Lock()
	var hs []func(chat.Event)
	for n, s := range e.w.subs {
		if n != e.n {
			hs = append(hs, s...)
		}
	}
	e.w.mu.Unlock()
	for _, h := range hs {
		h(ev)
	}
	return nil
}

func (e wireEnd) Subscribe(_ context.Context, h BusHandler) (func(), error) {
	e.w.mu.Lock()
	defer e.w.mu.Unlock()
	e.w.subs[e.n] = append(e.w.subs[e.n], h.Event)
	return func() {}, nil
}

func newNode(t *testing.T, db chat.Store, net *wire, n int) *node {
	t.Helper()
	b := wireEnd{net, n}
	nd := &node{hub: NewHub(Options{TailCheck: 100 * time.Millisecond})}
	nd.relay = NewRelay(nd.hub, b, func(e chat.Event) { nd.svc.ForgetChanged(e) })
	nd.svc = chat.NewService(db, chat.WithNode(n), chat.WithPublisher(nd.relay))
	nd.hub.Bind(nd.svc)
	if err := nd.relay.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nd.relay.Close(); nd.hub.Close() })
	return nd
}

// Sessions on either node get the messages sent through both, once each,
// in seq order, and a membership change on one node is seen by the
// other's access checks.
func TestRelayAcrossNodes(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "chatd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	net := &wire{subs: map[int][]func(chat.Event){}}
	a, b := newNode(t, db, net, 0), newNode(t, db, net, 1)
	ctx := context.Background()
	mk := func(name string) chat.User {
		u, _, err := a.svc.CreateUser(ctx, chat.NewUser{Username: name, Bot: true})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	owner, reader, late := mk("owner"), mk("reader"), mk("late")
	g, c, err := a.svc.CreateGuild(ctx, "g", owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.svc.AddMember(ctx, g.ID, reader.ID, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	sa, err := a.hub.Open(ctx, reader)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.hub.Open(ctx, reader)
	if err != nil {
		t.Fatal(err)
	}
	send := func(n *node, content string) {
		if _, err := n.svc.SendMessage(ctx, owner, chat.Send{ChatID: c.ID, Type: chat.TypeText, Content: content}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 20 {
		send([]*node{a, b}[i%2], string(rune('A'+i)))
	}
	for _, s := range []*Session{sa, sb} {
		got := readUntil(t, s, 0, "T")
		var seqs []int64
		for _, d := range got {
			if d.Event.Kind == chat.EventMessageCreated {
				seqs = append(seqs, d.Event.Message.Seq)
			}
		}
		for i, q := range seqs {
			if q != int64(i+1) {
				t.Fatalf("seqs %v, want 1..20", seqs)
			}
		}
		if len(seqs) != 20 {
			t.Fatalf("seqs %v, want 1..20", seqs)
		}
	}
	// b caches late's membership; a ends it; b must not answer from its
	// cache for longer than the event takes.
	if err := a.svc.AddMember(ctx, g.ID, late.ID, nil); err != nil {
		t.Fatal(err)
	}
	list := func() error {
		_, err := b.svc.ListMessages(ctx, late, chat.ListQuery{ChatID: c.ID, Mode: chat.ListLatest})
		return err
	}
	if err := list(); err != nil {
		t.Fatalf("a member cannot read the channel on node b: %v", err)
	}
	if err := a.svc.RemoveMember(ctx, g.ID, late.ID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for list() == nil {
		if time.Now().After(deadline) {
			t.Fatal("node b still lets a removed member read the channel")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
