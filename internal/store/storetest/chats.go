package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/chatd/chatd/internal/chat"
)

func testChats(t *testing.T, f *fixture) {
	owner := f.user("owner")
	g, general := f.guild(owner)
	newChannel := func(name string, level int, typ chat.ChannelType, parent int64) chat.Chat {
		c := chat.Chat{ID: f.ids.Next(), Kind: chat.ChatChannel, GuildID: g.ID, Name: name, Topic: "about " + name,
			Type: typ, ParentID: parent, Level: level, SlowMode: 5000, CreatorID: owner.ID, CreatedAt: f.tick()}
		must(t, "CreateChat", f.s.CreateChat(f.ctx, c, nil))
		return c
	}
	cat := newChannel("category", 2, chat.ChannelCategory, 0)
	voice := newChannel("voice", 1, chat.ChannelVoice, cat.ID)
	text := newChannel("text", 1, chat.ChannelText, cat.ID)
	group := f.group(owner)

	got := f.chat(voice.ID)
	equal(t, "Chat(voice)", normChat(got), normChat(voice))
	got = f.chat(group.ID)
	equal(t, "Chat(group)", normChat(got), normChat(group))

	chans, err := f.s.GuildChats(f.ctx, g.ID)
	must(t, "GuildChats", err)
	// general has level 0; voice and text share level 1 and go by id.
	equal(t, "GuildChats by level, then id", normAll(chans, normChat),
		normAll([]chat.Chat{general, voice, text, cat}, normChat))

	upd := text
	upd.Name, upd.Topic, upd.ParentID, upd.Level, upd.SlowMode = "renamed", "new topic", 0, 7, 60000
	upd.CreatorID, upd.Type = 424242, chat.ChannelVoice // not mutable: must not change
	must(t, "UpdateChat", f.s.UpdateChat(f.ctx, upd, nil))
	want := text
	want.Name, want.Topic, want.ParentID, want.Level, want.SlowMode = "renamed", "new topic", 0, 7, 60000
	equal(t, "Chat after UpdateChat", normChat(f.chat(text.ID)), normChat(want))

	// A new chat starts empty; messages move LastSeq and LastMsgAt.
	if c := f.chat(text.ID); c.LastSeq != 0 || !c.LastMsgAt.IsZero() {
		t.Errorf("new chat has LastSeq %d, LastMsgAt %v; want 0, zero", c.LastSeq, c.LastMsgAt)
	}
	f.send(text, owner, "one")
	last := f.send(text, owner, "two")
	c := f.chat(text.ID)
	if c.LastSeq != 2 || !c.LastMsgAt.Equal(last.CreatedAt) {
		t.Errorf("after two messages LastSeq %d, LastMsgAt %v; want 2, %v", c.LastSeq, c.LastMsgAt, last.CreatedAt)
	}

	must(t, "DeleteChat", f.s.DeleteChat(f.ctx, voice.ID, nil))
	_, err = f.s.Chat(f.ctx, voice.ID)
	mustNotFound(t, "Chat(deleted)", err, chat.WhatChat)
	mustNotFound(t, "DeleteChat(deleted)", f.s.DeleteChat(f.ctx, voice.ID, nil), chat.WhatChat)
	chans, err = f.s.GuildChats(f.ctx, g.ID)
	must(t, "GuildChats", err)
	if len(chans) != 3 {
		t.Errorf("GuildChats after delete has %d chats, want 3", len(chans))
	}
	mustNotFound(t, "UpdateChat(deleted)", f.s.UpdateChat(f.ctx, voice, nil), chat.WhatChat)

	// ids are unique.
	dup := group
	dup.Name = "dup"
	if err := f.s.CreateChat(f.ctx, dup, nil); !errors.Is(err, chat.ErrConflict) {
		t.Errorf("CreateChat(taken id): err %v, want ErrConflict", err)
	}
}

func testDirectChatOpen(t *testing.T, f *fixture) {
	alice, bob, carol, dave := f.user("alice"), f.user("bob"), f.user("carol"), f.user("dave")
	proposal := newDirect(f, alice, bob)
	ab, err := f.s.OpenDirectChat(f.ctx, proposal)
	must(t, "OpenDirectChat", err)
	equal(t, "first OpenDirectChat creates the proposal", normChat(ab), normChat(proposal))

	again, err := f.s.OpenDirectChat(f.ctx, newDirect(f, bob, alice))
	must(t, "OpenDirectChat again", err)
	equal(t, "second OpenDirectChat returns the first chat", normChat(again), normChat(ab))

	byCode, err := f.s.ChatByCode(f.ctx, ab.Code)
	must(t, "ChatByCode", err)
	equal(t, "ChatByCode", normChat(byCode), normChat(ab))
	_, err = f.s.ChatByCode(f.ctx, chat.NewUUID().Hex())
	mustNotFound(t, "ChatByCode(unknown)", err, chat.WhatChat)

	ac := f.directChat(alice, carol)
	if ac.ID == ab.ID {
		t.Errorf("alice-carol got alice-bob's chat")
	}

	// Concurrent first opens of one pair agree on one chat.
	const n = 20
	got := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		proposal := newDirect(f, carol, dave)
		wg.Go(func() {
			c, err := f.s.OpenDirectChat(f.ctx, proposal)
			if err != nil {
				t.Errorf("concurrent OpenDirectChat: %v", err)
				return
			}
			got[i] = c.ID
		})
	}
	wg.Wait()
	for i := 1; i < n; i++ {
		if got[i] != got[0] {
			t.Fatalf("concurrent OpenDirectChat returned chats %v, want one", got)
		}
	}
	cd := f.chat(got[0])
	if cd.Kind != chat.ChatDirect || cd.Members != [2]int64{min(carol.ID, dave.ID), max(carol.ID, dave.ID)} {
		t.Errorf("carol-dave chat = %+v", cd)
	}
	list, total, err := f.s.DirectChatsOf(f.ctx, dave.ID, chat.Page{Page: 1, Size: 50})
	must(t, "DirectChatsOf", err)
	if total != 1 || len(list) != 1 {
		t.Errorf("dave has %d direct chats (total %d), want 1", len(list), total)
	}
}

func testDirectChatList(t *testing.T, f *fixture) {
	alice, bob, carol, dave := f.user("alice"), f.user("bob"), f.user("carol"), f.user("dave")
	ab := f.directChat(alice, bob)
	ac := f.directChat(alice, carol)
	ad := f.directChat(alice, dave)
	f.directChat(bob, carol) // not alice's

	list := func(u chat.User, p chat.Page) ([]int64, int) {
		t.Helper()
		sums, total, err := f.s.DirectChatsOf(f.ctx, u.ID, p)
		must(t, "DirectChatsOf", err)
		ids := []int64{}
		for _, s := range sums {
			ids = append(ids, s.Chat.ID)
		}
		return ids, total
	}
	all := chat.Page{Page: 1, Size: 50}
	check := func(what string, u chat.User, want []int64) {
		t.Helper()
		got, total := list(u, all)
		equal(t, what, got, want)
		if total != len(want) {
			t.Errorf("%s: total %d, want %d", what, total, len(want))
		}
	}
	// No messages yet: newest creation first.
	check("by creation", alice, []int64{ad.ID, ac.ID, ab.ID})
	f.send(ab, bob, "hi")
	check("a message puts ab first", alice, []int64{ab.ID, ad.ID, ac.ID})
	f.send(ac, alice, "hello")
	check("then ac", alice, []int64{ac.ID, ab.ID, ad.ID})

	got, total := list(alice, chat.Page{Page: 2, Size: 2})
	equal(t, "page 2 of size 2", got, []int64{ad.ID})
	if total != 3 {
		t.Errorf("paged total %d, want 3", total)
	}

	// Hiding removes a chat for that user only, until a newer message.
	must(t, "HideDirectChat", f.s.HideDirectChat(f.ctx, alice.ID, ab.ID))
	check("ab hidden", alice, []int64{ac.ID, ad.ID})
	got, _ = list(bob, all)
	if len(got) != 2 || got[0] != ab.ID {
		t.Errorf("bob's list %v, want ab first of 2 (hiding is per user)", got)
	}
	f.send(ac, carol, "more")
	check("other chats' messages keep ab hidden", alice, []int64{ac.ID, ad.ID})
	f.send(ab, bob, "are you there?")
	check("a new message brings ab back", alice, []int64{ab.ID, ac.ID, ad.ID})

	// Hiding an empty chat: hidden until its first message.
	must(t, "HideDirectChat", f.s.HideDirectChat(f.ctx, alice.ID, ad.ID))
	check("empty ad hidden", alice, []int64{ab.ID, ac.ID})
	must(t, "HideDirectChat twice", f.s.HideDirectChat(f.ctx, alice.ID, ad.ID))
	f.send(ad, alice, "first")
	check("ad back", alice, []int64{ad.ID, ab.ID, ac.ID})

	// Summaries carry alice's newest read state over her devices.
	readAt := f.tick()
	must(t, "MarkRead", f.s.MarkRead(f.ctx, chat.ReadState{UserID: alice.ID, ChatID: ab.ID, Device: "", Seq: 1, ReadAt: f.tick()}))
	must(t, "MarkRead", f.s.MarkRead(f.ctx, chat.ReadState{UserID: alice.ID, ChatID: ab.ID, Device: "phone", Seq: 2, ReadAt: readAt}))
	must(t, "MarkRead", f.s.MarkRead(f.ctx, chat.ReadState{UserID: bob.ID, ChatID: ab.ID, Device: "", Seq: 2, ReadAt: f.tick()}))
	sums, _, err := f.s.DirectChatsOf(f.ctx, alice.ID, all)
	must(t, "DirectChatsOf", err)
	for _, s := range sums {
		switch s.Chat.ID {
		case ab.ID:
			if s.ReadSeq != 2 || !s.LastReadAt.Equal(readAt) {
				t.Errorf("ab summary ReadSeq %d, LastReadAt %v; want 2, %v", s.ReadSeq, s.LastReadAt, readAt)
			}
			equal(t, "ab summary chat", normChat(s.Chat), normChat(f.chat(ab.ID)))
		default:
			if s.ReadSeq != 0 || !s.LastReadAt.IsZero() {
				t.Errorf("unread chat summary ReadSeq %d, LastReadAt %v; want 0, zero", s.ReadSeq, s.LastReadAt)
			}
		}
	}
	mustNotFound(t, "HideDirectChat(missing chat)", f.s.HideDirectChat(f.ctx, alice.ID, 12345), chat.WhatChat)
}
