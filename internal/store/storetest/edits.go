package storetest

import (
	"testing"

	"github.com/chatd/chatd/internal/chat"
)

func testEdits(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	c := f.group(alice)
	quoted := f.send(c, bob, "quoted")
	orig := f.message(c, alice, "v1")
	orig.Mentions = chat.Mentions{Users: []int64{bob.ID}}
	orig.QuoteID = quoted.ID
	m, _, err := f.s.AppendMessage(f.ctx, orig, nil)
	must(t, "AppendMessage", err)
	other := f.send(c, alice, "untouched")

	revs, err := f.s.Revisions(f.ctx, m.ID)
	must(t, "Revisions", err)
	if len(revs) != 0 {
		t.Errorf("an unedited message has revisions %v", revs)
	}

	edit1 := m
	edit1.Content, edit1.Mentions, edit1.QuoteID, edit1.EditedAt = "v2", chat.Mentions{All: true}, 0, f.tick()
	must(t, "EditMessage", f.s.EditMessage(f.ctx, edit1, alice.ID, nil))
	edit2 := edit1
	edit2.Content, edit2.Mentions, edit2.QuoteID, edit2.EditedAt = "v3", chat.Mentions{Roles: []int{1, 2}}, other.ID, f.tick()
	must(t, "EditMessage", f.s.EditMessage(f.ctx, edit2, bob.ID, nil))

	got, err := f.s.Message(f.ctx, m.ID)
	must(t, "Message", err)
	equalMessage(t, "edited message", got, edit2)
	if got.Seq != m.Seq {
		t.Errorf("edit moved seq %d to %d", m.Seq, got.Seq)
	}

	revs, err = f.s.Revisions(f.ctx, m.ID)
	must(t, "Revisions", err)
	equal(t, "revisions, oldest first", normAll(revs, normRevision), normAll([]chat.Revision{
		{MessageID: m.ID, Rev: 1, Content: "v1", Mentions: orig.Mentions, QuoteID: quoted.ID, EditorID: alice.ID, EditedAt: edit1.EditedAt},
		{MessageID: m.ID, Rev: 2, Content: "v2", Mentions: chat.Mentions{All: true}, QuoteID: 0, EditorID: bob.ID, EditedAt: edit2.EditedAt},
	}, normRevision))

	got, err = f.s.Message(f.ctx, other.ID)
	must(t, "Message", err)
	equalMessage(t, "other message", got, other)
	missing := edit2
	missing.ID = 12345
	mustNotFound(t, "EditMessage(missing)", f.s.EditMessage(f.ctx, missing, alice.ID, nil), chat.WhatMessage)
}

func testRecallAndUnread(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	c := f.directChat(alice, bob)
	var ms []chat.Message
	for i := range 6 {
		author := alice
		if i%2 == 1 {
			author = bob
		}
		ms = append(ms, f.send(c, author, "m")) // seqs 1..6: alice, bob, alice, bob, ...
	}
	at := f.tick()
	must(t, "RecallMessage", f.s.RecallMessage(f.ctx, ms[2].ID, at, nil))
	m, err := f.s.Message(f.ctx, ms[2].ID)
	must(t, "Message", err)
	if !m.RecalledAt.Equal(at) || m.Seq != 3 || m.Content != "m" {
		t.Errorf("recalled message = %+v, want RecalledAt %v, seq 3, content kept", m, at)
	}
	// Recalling again keeps the first recall.
	must(t, "RecallMessage again", f.s.RecallMessage(f.ctx, ms[2].ID, f.tick(), nil))
	m, err = f.s.Message(f.ctx, ms[2].ID)
	must(t, "Message", err)
	if !m.RecalledAt.Equal(at) {
		t.Errorf("second recall moved RecalledAt to %v, want %v", m.RecalledAt, at)
	}
	if got := f.chat(c.ID).LastSeq; got != 6 {
		t.Errorf("LastSeq after recall = %d, want 6", got)
	}
	for _, tc := range []struct {
		user  chat.User
		after int64
		want  int
	}{
		{bob, 0, 2},   // alice's 1 and 5; 3 is recalled
		{bob, 1, 1},   // 5
		{bob, 5, 0},   //
		{alice, 0, 3}, // bob's 2, 4, 6
		{alice, 4, 1}, // 6
		{alice, 6, 0},
	} {
		n, err := f.s.CountUnread(f.ctx, c.ID, tc.user.ID, tc.after)
		must(t, "CountUnread", err)
		if n != tc.want {
			t.Errorf("CountUnread(%s, after %d) = %d, want %d", tc.user.Username, tc.after, n, tc.want)
		}
	}
	mustNotFound(t, "RecallMessage(missing)", f.s.RecallMessage(f.ctx, 12345, at, nil), chat.WhatMessage)
}
