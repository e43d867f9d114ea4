// Package storetest is the conformance suite of chat.Store: every backend
// runs it (against a real database, never a mock) and must pass all of it.
// It uses the port only, so it imports no backend.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// Run runs the suite. open must return a new, empty store each call; Run
// closes every store it opens when its subtest ends.
func Run(t *testing.T, open func(t *testing.T) chat.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"Users", testUsers},
		{"Guilds", testGuilds},
		{"Roles", testRoles},
		{"Members", testMembers},
		{"Chats", testChats},
		{"DirectChatOpen", testDirectChatOpen},
		{"DirectChatList", testDirectChatList},
		{"AppendAndRead", testAppendAndRead},
		{"AppendFailureKeepsSeqGapless", testAppendFailure},
		{"SeqConcurrentOneChat", testSeqConcurrentOneChat},
		{"SeqConcurrentManyChats", testSeqConcurrentManyChats},
		{"BatchedFailuresAreIsolated", testBatchIsolation},
		{"Paging", testPaging},
		{"IdempotencyKeys", testIdempotency},
		{"IdempotencyKeyConcurrent", testIdempotencyConcurrent},
		{"IdempotencyKeyExpiry", testIdempotencyExpiry},
		{"EditsKeepRevisions", testEdits},
		{"RecallAndUnread", testRecallAndUnread},
		{"Reactions", testReactions},
		{"Pins", testPins},
		{"ReadStates", testReadStates},
		{"NotFound", testNotFound},
		{"EmptyLookups", testEmptyLookups},
		{"CanceledContext", testCanceledContext},
		{"Webhooks", testWebhooks},
		{"WebhookOutbox", testWebhookOutbox},
		{"WebhookSNWrap", testWebhookSNWrap},
		{"WebhookFace", testWebhookFace},
		{"WebhookCaughtUp", testWebhookCaughtUp},
		{"Groups", testGroups},
		{"Extra", testExtra},
		{"HiddenAndTypes", testHiddenAndTypes},
		{"FileDownloads", testDownloads},
		{"Apps", testApps},
		{"AppWebhooks", testAppWebhooks},
		{"Devices", testDevices},
		{"GroupMembership", testGroupMembership},
		{"ChangesChat", testChangesChat},
		{"ChangesGuild", testChangesGuild},
		{"ChangesConcurrent", testChangesConcurrent},
		{"ChangesPrune", testChangesPrune},
		{"ActiveStreams", testActiveStreams},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, newFixture(t, s))
		})
	}
}

// fixture builds the objects a test needs through the port, failing the
// test on any error.
type fixture struct {
	t     *testing.T
	s     chat.Store
	ctx   context.Context
	ids   *chat.IDGen
	clock atomic.Int64 // ms since base, strictly increasing per tick
	names atomic.Int64
}

// base is the suite's clock zero: a fixed instant, so tests never depend
// on the machine's time.
var base = time.UnixMilli(1_750_000_000_000)

func newFixture(t *testing.T, s chat.Store) *fixture {
	return &fixture{t: t, s: s, ctx: context.Background(), ids: chat.NewIDGen(1)}
}

// tick returns a time one millisecond after the previous tick.
func (f *fixture) tick() time.Time { return base.Add(time.Duration(f.clock.Add(1)) * time.Millisecond) }

func (f *fixture) user(name string) chat.User {
	f.t.Helper()
	u := chat.User{ID: f.ids.Next(), Username: name, Nickname: "nick " + name, Avatar: "https://a/" + name,
		CreatedAt: f.tick()}
	if err := f.s.CreateUser(f.ctx, u, chat.HashToken("token-"+name)); err != nil {
		f.t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u
}

func (f *fixture) guild(owner chat.User) (chat.Guild, chat.Chat) {
	f.t.Helper()
	now := f.tick()
	g := chat.Guild{ID: f.ids.Next(), Name: fmt.Sprintf("guild %d", f.names.Add(1)), Topic: "topic", Icon: "icon",
		OwnerID: owner.ID, CreatedAt: now}
	ch := chat.Chat{ID: f.ids.Next(), Kind: chat.ChatChannel, GuildID: g.ID, Name: "general", Type: chat.ChannelText,
		CreatorID: owner.ID, CreatedAt: now}
	g.DefaultChannelID = ch.ID
	everyone := chat.Role{GuildID: g.ID, ID: chat.EveryoneRoleID, Name: "@everyone", Permissions: chat.DefaultEveryonePermissions}
	if err := f.s.CreateGuild(f.ctx, g, everyone, ch, chat.Member{GuildID: g.ID, UserID: owner.ID, JoinedAt: now}, nil); err != nil {
		f.t.Fatalf("CreateGuild: %v", err)
	}
	return g, ch
}

// group creates a guild-less chat.
func (f *fixture) group(creator chat.User) chat.Chat {
	f.t.Helper()
	c := chat.Chat{ID: f.ids.Next(), Kind: chat.ChatGroup, Name: fmt.Sprintf("group %d", f.names.Add(1)),
		CreatorID: creator.ID, CreatedAt: f.tick()}
	if err := f.s.CreateChat(f.ctx, c, nil); err != nil {
		f.t.Fatalf("CreateChat: %v", err)
	}
	return c
}

func (f *fixture) directChat(a, b chat.User) chat.Chat {
	f.t.Helper()
	c, err := f.s.OpenDirectChat(f.ctx, newDirect(f, a, b))
	if err != nil {
		f.t.Fatalf("OpenDirectChat: %v", err)
	}
	return c
}

func newDirect(f *fixture, a, b chat.User) chat.Chat {
	return chat.Chat{ID: f.ids.Next(), Kind: chat.ChatDirect, Code: chat.NewUUID().Hex(),
		Members: [2]int64{min(a.ID, b.ID), max(a.ID, b.ID)}, CreatorID: a.ID, CreatedAt: f.tick()}
}

// message is a new message, not yet stored.
func (f *fixture) message(c chat.Chat, author chat.User, content string) chat.Message {
	return chat.Message{ID: f.ids.Next(), UUID: chat.NewUUID(), ChatID: c.ID, AuthorID: author.ID,
		Type: chat.TypeKMarkdown, Content: content, CreatedAt: f.tick()}
}

func (f *fixture) send(c chat.Chat, author chat.User, content string) chat.Message {
	f.t.Helper()
	m, created, err := f.s.AppendMessage(f.ctx, f.message(c, author, content), nil)
	if err != nil || !created {
		f.t.Fatalf("AppendMessage: created %v, err %v", created, err)
	}
	return m
}

func (f *fixture) chat(id int64) chat.Chat {
	f.t.Helper()
	c, err := f.s.Chat(f.ctx, id)
	if err != nil {
		f.t.Fatalf("Chat(%d): %v", id, err)
	}
	return c
}

func (f *fixture) list(q chat.MessageQuery) []chat.Message {
	f.t.Helper()
	ms, err := f.s.ListMessages(f.ctx, q)
	if err != nil {
		f.t.Fatalf("ListMessages(%+v): %v", q, err)
	}
	return ms
}

// The helpers below compare stored objects with what was written. Stores
// keep times to the millisecond and need not keep a time.Location, so
// times are compared as instants.

func msTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}

func normMessage(m chat.Message) chat.Message {
	m.CreatedAt, m.EditedAt, m.RecalledAt = msTime(m.CreatedAt), msTime(m.EditedAt), msTime(m.RecalledAt)
	return m
}

func normChat(c chat.Chat) chat.Chat {
	c.LastMsgAt, c.CreatedAt = msTime(c.LastMsgAt), msTime(c.CreatedAt)
	c.AppID = defaultApp(c.AppID)
	return c
}

func normUser(u chat.User) chat.User {
	u.CreatedAt, u.AppID = msTime(u.CreatedAt), defaultApp(u.AppID)
	return u
}

// defaultApp is how stores keep a zero app id: as the default app.
func defaultApp(id int64) int64 {
	if id == 0 {
		return chat.DefaultAppID
	}
	return id
}

func normGuild(g chat.Guild) chat.Guild { g.CreatedAt = msTime(g.CreatedAt); return g }

func normMember(m chat.Member) chat.Member {
	m.JoinedAt = msTime(m.JoinedAt)
	if len(m.Roles) == 0 {
		m.Roles = nil
	}
	return m
}

func normRevision(r chat.Revision) chat.Revision { r.EditedAt = msTime(r.EditedAt); return r }

func normReaction(r chat.Reaction) chat.Reaction { r.CreatedAt = msTime(r.CreatedAt); return r }

func normRead(r chat.ReadState) chat.ReadState { r.ReadAt = msTime(r.ReadAt); return r }

func normAll[T any](xs []T, norm func(T) T) []T {
	out := make([]T, len(xs))
	for i, x := range xs {
		out[i] = norm(x)
	}
	return out
}

func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func equalMessage(t *testing.T, what string, got, want chat.Message) {
	t.Helper()
	equal(t, what, normMessage(got), normMessage(want))
}

func equalMessages(t *testing.T, what string, got, want []chat.Message) {
	t.Helper()
	equal(t, what, normAll(got, normMessage), normAll(want, normMessage))
}

// seqs lists the seqs of ms, in order.
func seqs(ms []chat.Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.Seq
	}
	return out
}

// span is lo..hi inclusive.
func span(lo, hi int64) []int64 {
	out := []int64{}
	for i := lo; i <= hi; i++ {
		out = append(out, i)
	}
	return out
}

func mustNotFound(t *testing.T, what string, err error, kind string) {
	t.Helper()
	if !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("%s: err %v, want ErrNotFound", what, err)
		return
	}
	var nf *chat.NotFoundError
	if kind != "" && (!errors.As(err, &nf) || nf.What != kind) {
		t.Errorf("%s: err %v, want a NotFound of %q", what, err, kind)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
