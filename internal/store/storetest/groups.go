package storetest

import (
	"testing"

	"github.com/chatd/chatd/internal/chat"
)

func testGroups(t *testing.T, f *fixture) {
	owner, admin, member, outsider := f.user("owner"), f.user("admin"), f.user("member"), f.user("outsider")
	now := f.tick()
	c := chat.Chat{ID: f.ids.Next(), Kind: chat.ChatGroup, Name: "team", CreatorID: owner.ID, CreatedAt: now}
	members := []chat.GroupMember{
		{ChatID: c.ID, UserID: owner.ID, Role: chat.GroupOwner, JoinedAt: now},
		{ChatID: c.ID, UserID: admin.ID, Role: chat.GroupAdmin, JoinedAt: now},
		{ChatID: c.ID, UserID: member.ID, Role: chat.GroupMemberRole, JoinedAt: f.tick()},
	}
	must(t, "CreateGroup", f.s.CreateGroup(f.ctx, c, members))
	equal(t, "Chat", normChat(f.chat(c.ID)), normChat(c))

	got, err := f.s.GroupMember(f.ctx, c.ID, admin.ID)
	must(t, "GroupMember", err)
	equal(t, "admin", normGroupMember(got), normGroupMember(members[1]))
	_, err = f.s.GroupMember(f.ctx, c.ID, outsider.ID)
	mustNotFound(t, "GroupMember of an outsider", err, chat.WhatMember)

	list, err := f.s.GroupMembers(f.ctx, c.ID)
	must(t, "GroupMembers", err)
	if len(list) != 3 || list[2].UserID != member.ID {
		t.Errorf("GroupMembers: %+v, want 3 in join order", list)
	}
	for _, m := range list {
		if m.UserID == owner.ID && m.Role != chat.GroupOwner {
			t.Errorf("owner's role: %d", m.Role)
		}
	}

	// A duplicate member fails the whole group: nothing of it is stored.
	c2 := chat.Chat{ID: f.ids.Next(), Kind: chat.ChatGroup, Name: "dup", CreatorID: owner.ID, CreatedAt: now}
	dup := []chat.GroupMember{{ChatID: c2.ID, UserID: owner.ID, JoinedAt: now}, {ChatID: c2.ID, UserID: owner.ID, JoinedAt: now}}
	if err := f.s.CreateGroup(f.ctx, c2, dup); err == nil {
		t.Errorf("CreateGroup with a duplicate member: no error")
	}
	_, err = f.s.Chat(f.ctx, c2.ID)
	mustNotFound(t, "the failed group", err, chat.WhatChat)

	// Messages of a group keep their seq like any chat's.
	m1 := f.send(c, member, "one")
	m2 := f.send(c, admin, "two")
	equal(t, "seqs", seqs(f.list(chat.MessageQuery{ChatID: c.ID, Direction: chat.Latest, Limit: 10})), []int64{m1.Seq, m2.Seq})
}

func normGroupMember(m chat.GroupMember) chat.GroupMember { m.JoinedAt = msTime(m.JoinedAt); return m }

func testExtra(t *testing.T, f *fixture) {
	u := f.user("u")
	c := f.group(u)
	m := f.message(c, u, "hello")
	m.Extra = chat.Extra{Buttons: `[[{"text":"ok","actionType":3,"value":"v"}]]`, CommandID: 7, FileSize: 12,
		ForwardOf: chat.NewUUID().Hex(), ForwardChatID: 42}
	stored, _, err := f.s.AppendMessage(f.ctx, m, nil)
	must(t, "AppendMessage", err)
	got, err := f.s.Message(f.ctx, stored.ID)
	must(t, "Message", err)
	equalMessage(t, "with extra", got, stored)
	plain := f.send(c, u, "plain")
	list := f.list(chat.MessageQuery{ChatID: c.ID, Direction: chat.Latest, Limit: 10})
	equalMessages(t, "list", list, []chat.Message{stored, plain})

	edited := stored
	edited.Content, edited.Extra.Buttons, edited.EditedAt = "hello 2", "", f.tick()
	must(t, "EditMessage", f.s.EditMessage(f.ctx, edited, u.ID, nil))
	got, err = f.s.Message(f.ctx, stored.ID)
	must(t, "Message", err)
	equalMessage(t, "edited", got, edited)
	revs, err := f.s.Revisions(f.ctx, stored.ID)
	must(t, "Revisions", err)
	if len(revs) != 1 || revs[0].Extra != m.Extra || revs[0].Content != "hello" {
		t.Errorf("revision: %+v, want the old content and extra", revs)
	}

	// Pins read extra too.
	_, err = f.s.Pin(f.ctx, chat.Pin{ChatID: c.ID, MessageID: stored.ID, PinnedBy: u.ID, PinnedAt: f.tick()}, nil)
	must(t, "Pin", err)
	pins, err := f.s.PinnedMessages(f.ctx, c.ID, 10)
	must(t, "PinnedMessages", err)
	if len(pins) != 1 || pins[0].Extra != edited.Extra {
		t.Errorf("pinned: %+v", pins)
	}
}

func testHiddenAndTypes(t *testing.T, f *fixture) {
	a, b := f.user("a"), f.user("b")
	c := f.directChat(a, b)
	var all []chat.Message
	for i := range 6 {
		m := f.message(c, a, "m")
		if i%2 == 1 {
			m.Type = chat.TypeImage
		}
		stored, _, err := f.s.AppendMessage(f.ctx, m, nil)
		must(t, "AppendMessage", err)
		all = append(all, stored)
	}
	must(t, "HideMessage", f.s.HideMessage(f.ctx, a.ID, all[2], f.tick()))
	must(t, "HideMessage twice", f.s.HideMessage(f.ctx, a.ID, all[2], f.tick()))
	must(t, "HideMessage", f.s.HideMessage(f.ctx, a.ID, all[5], f.tick()))

	forA := chat.MessageQuery{ChatID: c.ID, Direction: chat.Latest, Limit: 10, HiddenFor: a.ID}
	equal(t, "a's listing", seqs(f.list(forA)), []int64{1, 2, 4, 5})
	forA.Direction, forA.AnchorSeq, forA.Limit = chat.Before, 6, 2
	equal(t, "a's page before 6", seqs(f.list(forA)), []int64{4, 5})
	forA.Direction, forA.AnchorSeq = chat.After, 1
	equal(t, "a's page after 1", seqs(f.list(forA)), []int64{2, 4})
	forB := chat.MessageQuery{ChatID: c.ID, Direction: chat.Latest, Limit: 10, HiddenFor: b.ID}
	equal(t, "b's listing", seqs(f.list(forB)), span(1, 6))
	equal(t, "no one's", seqs(f.list(chat.MessageQuery{ChatID: c.ID, Direction: chat.Latest, Limit: 10})), span(1, 6))

	images := chat.MessageQuery{ChatID: c.ID, Direction: chat.Latest, Limit: 10, Type: chat.TypeImage}
	equal(t, "images", seqs(f.list(images)), []int64{2, 4, 6})
	images.HiddenFor = a.ID
	equal(t, "a's images", seqs(f.list(images)), []int64{2, 4})
	images.Direction, images.AnchorSeq, images.Limit = chat.Before, 4, 5
	equal(t, "images before 4", seqs(f.list(images)), []int64{2})
}

func testDownloads(t *testing.T, f *fixture) {
	a, b := f.user("a"), f.user("b")
	c := f.directChat(a, b)
	m := f.send(c, a, "https://files/x.bin")
	none, err := f.s.FileDownloads(f.ctx, m.ID)
	must(t, "FileDownloads", err)
	if len(none) != 0 {
		t.Errorf("downloads before any: %+v", none)
	}
	d1 := chat.FileDownload{MessageID: m.ID, UserID: b.ID, Path: "/sdcard/x.bin", At: f.tick()}
	d2 := chat.FileDownload{MessageID: m.ID, UserID: b.ID, Path: "/sdcard/x(1).bin", At: f.tick()}
	must(t, "RecordDownload", f.s.RecordDownload(f.ctx, d1))
	must(t, "RecordDownload", f.s.RecordDownload(f.ctx, d2))
	got, err := f.s.FileDownloads(f.ctx, m.ID)
	must(t, "FileDownloads", err)
	norm := func(d chat.FileDownload) chat.FileDownload { d.At = msTime(d.At); return d }
	equal(t, "downloads", normAll(got, norm), normAll([]chat.FileDownload{d1, d2}, norm))
}
