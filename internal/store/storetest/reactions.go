package storetest

import (
	"testing"

	"github.com/chatd/chatd/internal/chat"
)

func testReactions(t *testing.T, f *fixture) {
	alice, bob, carol := f.user("alice"), f.user("bob"), f.user("carol")
	c := f.group(alice)
	m1, m2, m3 := f.send(c, alice, "1"), f.send(c, alice, "2"), f.send(c, alice, "3")
	add := func(m chat.Message, emoji string, u chat.User) chat.Reaction {
		t.Helper()
		r := chat.Reaction{MessageID: m.ID, Emoji: emoji, UserID: u.ID, CreatedAt: f.tick()}
		added, err := f.s.AddReaction(f.ctx, r, nil)
		must(t, "AddReaction", err)
		if !added {
			t.Errorf("AddReaction(%s by %s) added = false", emoji, u.Username)
		}
		return r
	}
	thumbAlice := add(m1, "👍", alice)
	add(m1, "❤", bob)
	thumbBob := add(m1, "👍", bob)
	add(m1, "[#128226;]", carol)
	add(m2, "😀", bob)

	added, err := f.s.AddReaction(f.ctx, chat.Reaction{MessageID: m1.ID, Emoji: "👍", UserID: alice.ID, CreatedAt: f.tick()}, nil)
	must(t, "AddReaction", err)
	if added {
		t.Errorf("AddReaction twice: added = true")
	}

	counts, err := f.s.ReactionCounts(f.ctx, []int64{m1.ID, m2.ID, m3.ID}, alice.ID)
	must(t, "ReactionCounts", err)
	equal(t, "ReactionCounts as alice", counts, map[int64][]chat.ReactionCount{
		m1.ID: {{Emoji: "👍", Count: 2, Me: true}, {Emoji: "❤", Count: 1}, {Emoji: "[#128226;]", Count: 1}},
		m2.ID: {{Emoji: "😀", Count: 1}},
	})
	counts, err = f.s.ReactionCounts(f.ctx, []int64{m1.ID}, bob.ID)
	must(t, "ReactionCounts", err)
	equal(t, "ReactionCounts as bob", counts, map[int64][]chat.ReactionCount{
		m1.ID: {{Emoji: "👍", Count: 2, Me: true}, {Emoji: "❤", Count: 1, Me: true}, {Emoji: "[#128226;]", Count: 1}},
	})

	rs, err := f.s.Reactions(f.ctx, m1.ID, "👍")
	must(t, "Reactions", err)
	equal(t, "Reactions, earliest first", normAll(rs, normReaction), normAll([]chat.Reaction{thumbAlice, thumbBob}, normReaction))
	rs, err = f.s.Reactions(f.ctx, m3.ID, "👍")
	must(t, "Reactions", err)
	if len(rs) != 0 {
		t.Errorf("Reactions of an unreacted message = %v", rs)
	}

	removed, err := f.s.RemoveReaction(f.ctx, m1.ID, "👍", alice.ID, nil)
	must(t, "RemoveReaction", err)
	if !removed {
		t.Errorf("RemoveReaction: removed = false")
	}
	removed, err = f.s.RemoveReaction(f.ctx, m1.ID, "👍", alice.ID, nil)
	must(t, "RemoveReaction", err)
	if removed {
		t.Errorf("RemoveReaction twice: removed = true")
	}
	removed, err = f.s.RemoveReaction(f.ctx, m2.ID, "😀", alice.ID, nil)
	must(t, "RemoveReaction", err)
	if removed {
		t.Errorf("RemoveReaction of someone else's: removed = true")
	}
	removed, err = f.s.RemoveReaction(f.ctx, m2.ID, "😀", bob.ID, nil)
	must(t, "RemoveReaction", err)
	if !removed {
		t.Errorf("RemoveReaction(m2): removed = false")
	}
	counts, err = f.s.ReactionCounts(f.ctx, []int64{m1.ID, m2.ID}, alice.ID)
	must(t, "ReactionCounts", err)
	if len(counts[m2.ID]) != 0 {
		t.Errorf("m2 counts after removing its only reaction = %v", counts[m2.ID])
	}
	for _, rc := range counts[m1.ID] {
		if rc.Emoji == "👍" && (rc.Count != 1 || rc.Me) {
			t.Errorf("👍 after alice removed hers = %+v, want count 1, not me", rc)
		}
	}
	rs, err = f.s.Reactions(f.ctx, m1.ID, "👍")
	must(t, "Reactions", err)
	equal(t, "Reactions after removal", normAll(rs, normReaction), normAll([]chat.Reaction{thumbBob}, normReaction))

	// Reactions in one millisecond keep the order they were added in.
	at := f.tick()
	for _, e := range []string{"b", "a", "c"} {
		_, err := f.s.AddReaction(f.ctx, chat.Reaction{MessageID: m3.ID, Emoji: e, UserID: carol.ID, CreatedAt: at}, nil)
		must(t, "AddReaction", err)
	}
	counts, err = f.s.ReactionCounts(f.ctx, []int64{m3.ID}, alice.ID)
	must(t, "ReactionCounts", err)
	equal(t, "same-millisecond emojis in order of use", counts[m3.ID],
		[]chat.ReactionCount{{Emoji: "b", Count: 1}, {Emoji: "a", Count: 1}, {Emoji: "c", Count: 1}})

	_, err = f.s.AddReaction(f.ctx, chat.Reaction{MessageID: 12345, Emoji: "👍", UserID: alice.ID, CreatedAt: f.tick()}, nil)
	mustNotFound(t, "AddReaction(missing message)", err, chat.WhatMessage)
}
