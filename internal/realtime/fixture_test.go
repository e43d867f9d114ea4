package realtime

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/sqlite"
)

// fixture is a hub bound to a core over a fresh SQLite store.
type fixture struct {
	t   testing.TB
	ctx context.Context
	hub *Hub
	svc *chat.Service
	pub *gate
	db  *sqlite.Store
}

// gate sits between the core and the hub so a test can hold events back
// and publish them later, in any order.
type gate struct {
	hub  *Hub
	mu   sync.Mutex
	hold bool
	held []chat.Event
}

func (g *gate) Publish(ctx context.Context, e chat.Event) {
	g.mu.Lock()
	if g.hold {
		g.held = append(g.held, e)
		g.mu.Unlock()
		return
	}
	g.mu.Unlock()
	g.hub.Publish(ctx, e)
}

// holding starts holding events back and returns a function that stops
// and returns them.
func (g *gate) holding() func() []chat.Event {
	g.mu.Lock()
	g.hold = true
	g.mu.Unlock()
	return func() []chat.Event {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.hold = false
		held := g.held
		g.held = nil
		return held
	}
}

func newFixture(t testing.TB, opts Options) *fixture {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "chatd.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	hub := NewHub(opts)
	g := &gate{hub: hub}
	svc := chat.NewService(db, chat.WithPublisher(g))
	hub.Bind(svc)
	t.Cleanup(func() {
		hub.Close()
		if err := db.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return &fixture{t: t, ctx: context.Background(), hub: hub, svc: svc, pub: g, db: db}
}

var userSeq atomic.Int64

func (f *fixture) user(name string) chat.User {
	f.t.Helper()
	u, _, err := f.svc.CreateUser(f.ctx, chat.NewUser{Username: fmt.Sprintf("%s-%d", name, userSeq.Add(1))})
	if err != nil {
		f.t.Fatalf("create user: %v", err)
	}
	return u
}

// users creates n users concurrently (the store commits them in batches).
func (f *fixture) users(name string, n int) []chat.User {
	f.t.Helper()
	out := make([]chat.User, n)
	var wg sync.WaitGroup
	var fail atomic.Value
	sem := make(chan struct{}, 32)
	for i := range out {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			u, _, err := f.svc.CreateUser(f.ctx, chat.NewUser{Username: fmt.Sprintf("%s-%d", name, userSeq.Add(1))})
			if err != nil {
				fail.Store(err)
			}
			out[i] = u
		}()
	}
	wg.Wait()
	if err := fail.Load(); err != nil {
		f.t.Fatalf("create users: %v", err)
	}
	return out
}

func (f *fixture) guild(owner chat.User, members ...chat.User) (chat.Guild, chat.Chat) {
	f.t.Helper()
	g, general, err := f.svc.CreateGuild(f.ctx, "guild", owner.ID)
	if err != nil {
		f.t.Fatalf("create guild: %v", err)
	}
	var wg sync.WaitGroup
	var fail atomic.Value
	sem := make(chan struct{}, 32)
	for _, m := range members {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := f.svc.AddMember(f.ctx, g.ID, m.ID, nil); err != nil {
				fail.Store(err)
			}
		}()
	}
	wg.Wait()
	if err := fail.Load(); err != nil {
		f.t.Fatalf("add members: %v", err)
	}
	// The joins are published asynchronously: let them reach whoever is
	// online now, so sessions opened next start after them.
	f.settle()
	return g, general
}

func (f *fixture) channel(owner chat.User, g chat.Guild, name string) chat.Chat {
	f.t.Helper()
	c, err := f.svc.CreateChannel(f.ctx, owner, chat.NewChannel{GuildID: g.ID, Name: name})
	if err != nil {
		f.t.Fatalf("create channel: %v", err)
	}
	f.settle() // as in guild: sessions opened next start after the creation
	return c
}

func (f *fixture) send(from chat.User, c chat.Chat, content string) chat.Message {
	f.t.Helper()
	m, err := f.svc.SendMessage(f.ctx, from, chat.Send{ChatID: c.ID, Type: chat.TypeText, Content: content})
	if err != nil {
		f.t.Fatalf("send: %v", err)
	}
	return m
}

func (f *fixture) open(u chat.User) *Session {
	f.t.Helper()
	s, err := f.hub.Open(f.ctx, u)
	if err != nil {
		f.t.Fatalf("open session: %v", err)
	}
	return s
}

// next waits (bounded) for a session's next delivery.
func next(t testing.TB, s *Session) Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := s.Next(ctx)
	if err != nil {
		t.Fatalf("session %s: next: %v", s.ID(), err)
	}
	return d
}

// readUntil returns a session's deliveries up to and including the first
// message whose content is end, checking that sns continue from after.
func readUntil(t testing.TB, s *Session, after int64, end string) []Delivery {
	t.Helper()
	var out []Delivery
	for {
		d := next(t, s)
		if d.SN != after+int64(len(out))+1 {
			t.Fatalf("sn %d after %d deliveries following sn %d", d.SN, len(out), after)
		}
		out = append(out, d)
		if d.Event.Kind == chat.EventMessageCreated && d.Event.Message.Content == end {
			return out
		}
	}
}

// describe names a delivery's event for comparisons.
func describe(d Delivery) string {
	e := d.Event
	switch e.Kind {
	case chat.EventMessageCreated:
		return "msg:" + e.Message.Content
	case chat.EventMessageUpdated:
		return "edit:" + e.Message.Content
	case chat.EventChannelCreated:
		return "channel+:" + e.Chat.Name
	case chat.EventChannelDeleted:
		return "channel-:" + e.Chat.Name
	case chat.EventMemberJoined:
		return fmt.Sprintf("joined:%d", e.UserID)
	case chat.EventMemberLeft:
		return fmt.Sprintf("left:%d", e.UserID)
	case chat.EventReactionAdded:
		return "react+:" + e.Reaction.Emoji
	case chat.EventReactionRemoved:
		return "react-:" + e.Reaction.Emoji
	case chat.EventMessagePinned:
		return "pin:" + e.Message.Content
	case chat.EventMessageDeleted:
		return "recall:" + e.Message.Content
	}
	return fmt.Sprintf("kind%d", e.Kind)
}

func describeAll(ds []Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = describe(d)
	}
	return out
}

// settle waits until every published event has been delivered.
func (f *fixture) settle() {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		busy := false
		f.hub.chats.Range(func(_, v any) bool {
			cs := v.(*chatState)
			cs.mu.Lock()
			busy = cs.running || len(cs.inbox) > 0
			cs.mu.Unlock()
			return !busy
		})
		if !busy {
			return
		}
		time.Sleep(time.Millisecond)
	}
	f.t.Fatal("hub did not settle")
}

// drain takes every delivery waiting, checking sns continue from after.
func drain(t testing.TB, s *Session, after int64) []Delivery {
	t.Helper()
	got, err := s.Take(nil, 1<<20)
	if err != nil {
		t.Fatalf("take: %v", err)
	}
	for i, d := range got {
		if d.SN != after+int64(i)+1 {
			t.Fatalf("delivery %d has sn %d, want %d", i, d.SN, after+int64(i)+1)
		}
	}
	return got
}
