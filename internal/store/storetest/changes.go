package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/chatd/chatd/internal/chat"
)

// logOf is the Change a write logs, as the Service builds it.
func (f *fixture) logOf(kind chat.EventKind, c chat.Chat, messageID, userID, actorID int64, emoji string) *chat.Change {
	stream := c.ID
	if stream == 0 {
		stream = -c.GuildID
	}
	return &chat.Change{Stream: stream, Kind: kind, ChatID: c.ID, GuildID: c.GuildID, MessageID: messageID,
		UserID: userID, ActorID: actorID, Emoji: emoji, At: f.tick()}
}

func (f *fixture) changes(stream, after int64, limit int) []chat.Change {
	f.t.Helper()
	cs, err := f.s.ChangesAfter(f.ctx, stream, after, limit)
	if err != nil {
		f.t.Fatalf("ChangesAfter(%d, %d): %v", stream, after, err)
	}
	return cs
}

func normChange(c chat.Change) chat.Change { c.At = msTime(c.At); return c }

// wantLogged checks that a write reported changed, set log's Seq and
// AfterSeq, and that the store returns exactly log as that change.
func wantLogged(t *testing.T, f *fixture, what string, changed bool, log *chat.Change, seq, afterSeq int64) {
	t.Helper()
	if !changed {
		t.Fatalf("%s: changed = false", what)
	}
	if log.Seq != seq || log.AfterSeq != afterSeq {
		t.Errorf("%s: logged seq %d after %d, want %d after %d", what, log.Seq, log.AfterSeq, seq, afterSeq)
	}
	got := f.changes(log.Stream, seq-1, 1)
	if len(got) != 1 {
		t.Fatalf("%s: ChangesAfter(%d, %d) = %d changes", what, log.Stream, seq-1, len(got))
	}
	equal(t, what+": stored change", normChange(got[0]), normChange(*log))
}

// wantUnlogged checks that a write that changed nothing logged nothing.
func wantUnlogged(t *testing.T, f *fixture, what string, changed bool, log *chat.Change, newest int64) {
	t.Helper()
	if changed {
		t.Errorf("%s: changed = true", what)
	}
	if log.Seq != 0 {
		t.Errorf("%s: log.Seq = %d for no change", what, log.Seq)
	}
	if got := f.changes(log.Stream, newest, 10); len(got) != 0 {
		t.Errorf("%s: logged %+v", what, got)
	}
}

// testChangesChat: every logging write of a chat's stream logs its change
// when it changes something and only then, numbered 1, 2, ... with the
// chat's last message seq.
func testChangesChat(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	c := f.group(alice)
	m1 := f.send(c, alice, "1")
	f.send(c, alice, "2")
	var seq int64
	next := func() int64 { seq++; return seq }

	log := f.logOf(chat.EventReactionAdded, c, m1.ID, bob.ID, bob.ID, "👍")
	added, err := f.s.AddReaction(f.ctx, chat.Reaction{MessageID: m1.ID, Emoji: "👍", UserID: bob.ID, CreatedAt: log.At}, log)
	must(t, "AddReaction", err)
	wantLogged(t, f, "AddReaction", added, log, next(), 2)
	log = f.logOf(chat.EventReactionAdded, c, m1.ID, bob.ID, bob.ID, "👍")
	added, err = f.s.AddReaction(f.ctx, chat.Reaction{MessageID: m1.ID, Emoji: "👍", UserID: bob.ID, CreatedAt: log.At}, log)
	must(t, "AddReaction again", err)
	wantUnlogged(t, f, "AddReaction again", added, log, seq)

	log = f.logOf(chat.EventReactionRemoved, c, m1.ID, bob.ID, alice.ID, "👍")
	removed, err := f.s.RemoveReaction(f.ctx, m1.ID, "👍", bob.ID, log)
	must(t, "RemoveReaction", err)
	wantLogged(t, f, "RemoveReaction", removed, log, next(), 2)
	log = f.logOf(chat.EventReactionRemoved, c, m1.ID, bob.ID, alice.ID, "👍")
	removed, err = f.s.RemoveReaction(f.ctx, m1.ID, "👍", bob.ID, log)
	must(t, "RemoveReaction again", err)
	wantUnlogged(t, f, "RemoveReaction again", removed, log, seq)

	log = f.logOf(chat.EventMessagePinned, c, m1.ID, 0, alice.ID, "")
	pinned, err := f.s.Pin(f.ctx, chat.Pin{ChatID: c.ID, MessageID: m1.ID, PinnedBy: alice.ID, PinnedAt: log.At}, log)
	must(t, "Pin", err)
	wantLogged(t, f, "Pin", pinned, log, next(), 2)
	log = f.logOf(chat.EventMessagePinned, c, m1.ID, 0, alice.ID, "")
	pinned, err = f.s.Pin(f.ctx, chat.Pin{ChatID: c.ID, MessageID: m1.ID, PinnedBy: alice.ID, PinnedAt: log.At}, log)
	must(t, "Pin again", err)
	wantUnlogged(t, f, "Pin again", pinned, log, seq)

	log = f.logOf(chat.EventMessageUnpinned, c, m1.ID, 0, alice.ID, "")
	unpinned, err := f.s.Unpin(f.ctx, c.ID, m1.ID, log)
	must(t, "Unpin", err)
	wantLogged(t, f, "Unpin", unpinned, log, next(), 2)
	log = f.logOf(chat.EventMessageUnpinned, c, m1.ID, 0, alice.ID, "")
	unpinned, err = f.s.Unpin(f.ctx, c.ID, m1.ID, log)
	must(t, "Unpin again", err)
	wantUnlogged(t, f, "Unpin again", unpinned, log, seq)

	m3 := f.send(c, alice, "3")
	edited := m3
	edited.Content, edited.EditedAt = "3'", f.tick()
	log = f.logOf(chat.EventMessageUpdated, c, m3.ID, 0, alice.ID, "")
	must(t, "EditMessage", f.s.EditMessage(f.ctx, edited, alice.ID, log))
	wantLogged(t, f, "EditMessage", true, log, next(), 3)

	// A write that fails logs nothing and takes no seq.
	missing := f.message(c, alice, "never stored")
	log = f.logOf(chat.EventMessageUpdated, c, missing.ID, 0, alice.ID, "")
	mustNotFound(t, "EditMessage(missing)", f.s.EditMessage(f.ctx, missing, alice.ID, log), chat.WhatMessage)
	wantUnlogged(t, f, "EditMessage(missing)", false, log, seq)

	log = f.logOf(chat.EventMessageDeleted, c, m3.ID, 0, alice.ID, "")
	must(t, "RecallMessage", f.s.RecallMessage(f.ctx, m3.ID, log.At, log))
	wantLogged(t, f, "RecallMessage", true, log, next(), 3)

	log = f.logOf(chat.EventGroupMemberJoined, c, 0, bob.ID, alice.ID, "")
	joined, err := f.s.AddGroupMember(f.ctx, chat.GroupMember{ChatID: c.ID, UserID: bob.ID, JoinedAt: log.At}, log)
	must(t, "AddGroupMember", err)
	wantLogged(t, f, "AddGroupMember", joined, log, next(), 3)
	log = f.logOf(chat.EventGroupMemberJoined, c, 0, bob.ID, alice.ID, "")
	joined, err = f.s.AddGroupMember(f.ctx, chat.GroupMember{ChatID: c.ID, UserID: bob.ID, JoinedAt: log.At}, log)
	must(t, "AddGroupMember again", err)
	wantUnlogged(t, f, "AddGroupMember again", joined, log, seq)

	log = f.logOf(chat.EventGroupMemberLeft, c, 0, bob.ID, bob.ID, "")
	left, err := f.s.RemoveGroupMember(f.ctx, c.ID, bob.ID, log)
	must(t, "RemoveGroupMember", err)
	wantLogged(t, f, "RemoveGroupMember", left, log, next(), 3)
	log = f.logOf(chat.EventGroupMemberLeft, c, 0, bob.ID, bob.ID, "")
	left, err = f.s.RemoveGroupMember(f.ctx, c.ID, bob.ID, log)
	must(t, "RemoveGroupMember again", err)
	wantUnlogged(t, f, "RemoveGroupMember again", left, log, seq)

	// Paging, and a write without a log logs nothing.
	added, err = f.s.AddReaction(f.ctx, chat.Reaction{MessageID: m1.ID, Emoji: "x", UserID: alice.ID, CreatedAt: f.tick()}, nil)
	must(t, "AddReaction without a log", err)
	if !added {
		t.Errorf("AddReaction without a log: added = false")
	}
	all := f.changes(c.ID, 0, 100)
	if len(all) != int(seq) {
		t.Fatalf("ChangesAfter(0) = %d changes, want %d", len(all), seq)
	}
	for i, ch := range all {
		if ch.Seq != int64(i+1) || ch.Stream != c.ID {
			t.Errorf("change %d: stream %d seq %d", i, ch.Stream, ch.Seq)
		}
	}
	last, err := f.s.LastChangeBefore(f.ctx, c.ID, all[4].At)
	must(t, "LastChangeBefore", err)
	equal(t, "LastChangeBefore(the 5th change's time)", last, 4)
	last, err = f.s.LastChangeBefore(f.ctx, c.ID, f.tick())
	must(t, "LastChangeBefore", err)
	equal(t, "LastChangeBefore(now)", last, seq)
	last, err = f.s.LastChangeBefore(f.ctx, c.ID, all[0].At)
	must(t, "LastChangeBefore", err)
	equal(t, "LastChangeBefore(the first change's time)", last, 0)
	last, err = f.s.LastChangeBefore(f.ctx, c.ID+1, f.tick())
	must(t, "LastChangeBefore", err)
	equal(t, "LastChangeBefore(a stream without changes)", last, 0)
	page := f.changes(c.ID, 2, 3)
	if len(page) != 3 || page[0].Seq != 3 || page[2].Seq != 5 {
		t.Errorf("ChangesAfter(2, limit 3) = %+v, want seqs 3..5", page)
	}
	if got := f.changes(c.ID, seq, 10); len(got) != 0 {
		t.Errorf("ChangesAfter(newest) = %+v", got)
	}
	if got := f.changes(c.ID+1, 0, 10); len(got) != 0 {
		t.Errorf("ChangesAfter(another stream) = %+v", got)
	}
}

// testChangesGuild: a guild's stream (-guild id) logs its memberships; its
// channels' own streams log their creation, updates and deletion.
func testChangesGuild(t *testing.T, f *fixture) {
	owner, bob := f.user("owner"), f.user("bob")
	now := f.tick()
	g := chat.Guild{ID: f.ids.Next(), Name: "g", OwnerID: owner.ID, CreatedAt: now}
	general := chat.Chat{ID: f.ids.Next(), Kind: chat.ChatChannel, GuildID: g.ID, Name: "general", Type: chat.ChannelText,
		CreatorID: owner.ID, CreatedAt: now}
	g.DefaultChannelID = general.ID
	level := chat.Chat{Kind: chat.ChatChannel, GuildID: g.ID}
	everyone := chat.Role{GuildID: g.ID, ID: chat.EveryoneRoleID, Name: "@everyone", Permissions: chat.DefaultEveryonePermissions}
	log := f.logOf(chat.EventMemberJoined, level, 0, owner.ID, owner.ID, "")
	must(t, "CreateGuild", f.s.CreateGuild(f.ctx, g, everyone, general, chat.Member{GuildID: g.ID, UserID: owner.ID, JoinedAt: now}, log))
	wantLogged(t, f, "CreateGuild", true, log, 1, 0)
	if log.Stream != -g.ID {
		t.Fatalf("guild stream = %d, want %d", log.Stream, -g.ID)
	}

	log = f.logOf(chat.EventMemberUpdated, level, 0, bob.ID, 0, "")
	added, err := f.s.PutMember(f.ctx, chat.Member{GuildID: g.ID, UserID: bob.ID, JoinedAt: log.At}, log)
	must(t, "PutMember(new)", err)
	if log.Kind != chat.EventMemberJoined {
		t.Errorf("PutMember(new) logged kind %d, want EventMemberJoined", log.Kind)
	}
	wantLogged(t, f, "PutMember(new)", added, log, 2, 0)
	log = f.logOf(chat.EventMemberUpdated, level, 0, bob.ID, 0, "")
	added, err = f.s.PutMember(f.ctx, chat.Member{GuildID: g.ID, UserID: bob.ID, Nickname: "b", JoinedAt: log.At}, log)
	must(t, "PutMember(existing)", err)
	if added || log.Kind != chat.EventMemberUpdated {
		t.Errorf("PutMember(existing): added %v, kind %d", added, log.Kind)
	}
	wantLogged(t, f, "PutMember(existing)", true, log, 3, 0)

	log = f.logOf(chat.EventMemberLeft, level, 0, bob.ID, owner.ID, "")
	removed, err := f.s.RemoveMember(f.ctx, g.ID, bob.ID, log)
	must(t, "RemoveMember", err)
	wantLogged(t, f, "RemoveMember", removed, log, 4, 0)
	log = f.logOf(chat.EventMemberLeft, level, 0, bob.ID, owner.ID, "")
	removed, err = f.s.RemoveMember(f.ctx, g.ID, bob.ID, log)
	must(t, "RemoveMember again", err)
	wantUnlogged(t, f, "RemoveMember again", removed, log, 4)

	ch := chat.Chat{ID: f.ids.Next(), Kind: chat.ChatChannel, GuildID: g.ID, Name: "news", Type: chat.ChannelText,
		CreatorID: owner.ID, CreatedAt: f.tick()}
	log = f.logOf(chat.EventChannelCreated, ch, 0, 0, owner.ID, "")
	must(t, "CreateChat", f.s.CreateChat(f.ctx, ch, log))
	wantLogged(t, f, "CreateChat", true, log, 1, 0)
	f.send(ch, owner, "hello")
	ch.Topic = "topic"
	log = f.logOf(chat.EventChannelUpdated, ch, 0, 0, owner.ID, "")
	must(t, "UpdateChat", f.s.UpdateChat(f.ctx, ch, log))
	wantLogged(t, f, "UpdateChat", true, log, 2, 1)
	log = f.logOf(chat.EventChannelDeleted, ch, 0, 0, owner.ID, "")
	must(t, "DeleteChat", f.s.DeleteChat(f.ctx, ch.ID, log))
	wantLogged(t, f, "DeleteChat (read after the chat is gone)", true, log, 3, 1)
	log = f.logOf(chat.EventChannelDeleted, ch, 0, 0, owner.ID, "")
	mustNotFound(t, "DeleteChat again", f.s.DeleteChat(f.ctx, ch.ID, log), chat.WhatChat)
	wantUnlogged(t, f, "DeleteChat again", false, log, 3)
}

// testChangesConcurrent: concurrent writers to one stream get distinct,
// gapless seqs.
func testChangesConcurrent(t *testing.T, f *fixture) {
	alice := f.user("alice")
	c := f.group(alice)
	m := f.send(c, alice, "m")
	const workers, each = 8, 20
	var wg sync.WaitGroup
	seqs := make(chan int64, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				log := f.logOf(chat.EventReactionAdded, c, m.ID, alice.ID, alice.ID, fmt.Sprintf("e%d-%d", w, i))
				r := chat.Reaction{MessageID: m.ID, Emoji: log.Emoji, UserID: alice.ID, CreatedAt: log.At}
				if _, err := f.s.AddReaction(f.ctx, r, log); err != nil {
					t.Errorf("AddReaction: %v", err)
					return
				}
				seqs <- log.Seq
			}
		})
	}
	wg.Wait()
	close(seqs)
	seen := map[int64]bool{}
	for s := range seqs {
		if seen[s] || s < 1 || s > workers*each {
			t.Errorf("seq %d returned twice or out of 1..%d", s, workers*each)
		}
		seen[s] = true
	}
	stored := f.changes(c.ID, 0, 1000)
	if len(stored) != workers*each {
		t.Fatalf("stored %d changes, want %d", len(stored), workers*each)
	}
	for i, ch := range stored {
		if ch.Seq != int64(i+1) {
			t.Fatalf("stored change %d has seq %d: not gapless", i, ch.Seq)
		}
	}
}

// testChangesPrune: pruning keeps each stream's newest change, so
// numbering continues after it.
func testChangesPrune(t *testing.T, f *fixture) {
	alice := f.user("alice")
	c, d := f.group(alice), f.group(alice)
	m, n := f.send(c, alice, "m"), f.send(d, alice, "n")
	react := func(c chat.Chat, m chat.Message, emoji string) *chat.Change {
		t.Helper()
		log := f.logOf(chat.EventReactionAdded, c, m.ID, alice.ID, alice.ID, emoji)
		_, err := f.s.AddReaction(f.ctx, chat.Reaction{MessageID: m.ID, Emoji: emoji, UserID: alice.ID, CreatedAt: log.At}, log)
		must(t, "AddReaction", err)
		return log
	}
	react(c, m, "1")
	react(c, m, "2")
	react(d, n, "1")
	cut := f.tick()
	late := react(c, m, "3")
	must(t, "PruneChanges", f.s.PruneChanges(f.ctx, cut))
	if got := f.changes(c.ID, 0, 10); len(got) != 1 || got[0].Seq != late.Seq {
		t.Errorf("after pruning, %d's changes = %+v, want only seq %d", c.ID, got, late.Seq)
	}
	if got := f.changes(d.ID, 0, 10); len(got) != 1 || got[0].Seq != 1 {
		t.Errorf("after pruning, a stream's newest change must stay: %+v", got)
	}
	must(t, "PruneChanges", f.s.PruneChanges(f.ctx, f.tick()))
	if next := react(d, n, "2"); next.Seq != 2 {
		t.Errorf("after pruning, the next change got seq %d, want 2", next.Seq)
	}
}

// testActiveStreams: what a node reads after another node's death to find
// chats it never saw an event of.
func testActiveStreams(t *testing.T, f *fixture) {
	alice := f.user("alice")
	c1, c2, c3 := f.group(alice), f.group(alice), f.group(alice)
	f.send(c1, alice, "1")
	m2 := f.send(c2, alice, "2")
	f.send(c3, alice, "3")
	f.send(c2, alice, "4")
	got, err := f.s.ChatsWithMessagesFrom(f.ctx, m2.ID)
	must(t, "ChatsWithMessagesFrom", err)
	equal(t, "ChatsWithMessagesFrom(the 2nd message)", got, []int64{min(c2.ID, c3.ID), max(c2.ID, c3.ID)})
	got, err = f.s.ChatsWithMessagesFrom(f.ctx, f.ids.Next())
	must(t, "ChatsWithMessagesFrom", err)
	equal(t, "ChatsWithMessagesFrom(a newer id)", got, []int64{})

	react := func(c chat.Chat, m chat.Message) *chat.Change {
		t.Helper()
		log := f.logOf(chat.EventReactionAdded, c, m.ID, alice.ID, alice.ID, "x")
		_, err := f.s.AddReaction(f.ctx, chat.Reaction{MessageID: m.ID, Emoji: "x", UserID: alice.ID, CreatedAt: log.At}, log)
		must(t, "AddReaction", err)
		return log
	}
	m1 := f.send(c1, alice, "5")
	react(c1, m1)
	later := react(c2, m2)
	streams, err := f.s.StreamsChangedSince(f.ctx, later.At)
	must(t, "StreamsChangedSince", err)
	equal(t, "StreamsChangedSince(the 2nd change)", streams, []int64{c2.ID})
	streams, err = f.s.StreamsChangedSince(f.ctx, f.tick())
	must(t, "StreamsChangedSince", err)
	equal(t, "StreamsChangedSince(later)", streams, []int64{})
}
