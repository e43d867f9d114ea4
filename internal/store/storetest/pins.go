package storetest

import (
	"testing"

	"github.com/chatd/chatd/internal/chat"
)

func testPins(t *testing.T, f *fixture) {
	alice := f.user("alice")
	c, other := f.group(alice), f.group(alice)
	m1, m2, m3, m4 := f.send(c, alice, "1"), f.send(c, alice, "2"), f.send(c, alice, "3"), f.send(c, alice, "4")
	o1 := f.send(other, alice, "o")
	pin := func(chatID int64, m chat.Message, want bool) {
		t.Helper()
		added, err := f.s.Pin(f.ctx, chat.Pin{ChatID: chatID, MessageID: m.ID, PinnedBy: alice.ID, PinnedAt: f.tick()}, nil)
		must(t, "Pin", err)
		if added != want {
			t.Errorf("Pin(%s) added = %v, want %v", m.Content, added, want)
		}
	}
	pinned := func(chatID int64, limit int) []chat.Message {
		t.Helper()
		ms, err := f.s.PinnedMessages(f.ctx, chatID, limit)
		must(t, "PinnedMessages", err)
		return ms
	}
	// Pin order, not message order, decides.
	pin(c.ID, m3, true)
	pin(c.ID, m1, true)
	pin(c.ID, m4, true)
	pin(c.ID, m2, true)
	pin(c.ID, m1, false)
	pin(other.ID, o1, true)

	equalMessages(t, "all pins, most recently pinned last", pinned(c.ID, 10), []chat.Message{m3, m1, m4, m2})
	equalMessages(t, "the 2 newest pins", pinned(c.ID, 2), []chat.Message{m4, m2})
	equalMessages(t, "other chat's pins", pinned(other.ID, 10), []chat.Message{o1})

	removed, err := f.s.Unpin(f.ctx, c.ID, m4.ID, nil)
	must(t, "Unpin", err)
	if !removed {
		t.Errorf("Unpin: removed = false")
	}
	removed, err = f.s.Unpin(f.ctx, c.ID, m4.ID, nil)
	must(t, "Unpin", err)
	if removed {
		t.Errorf("Unpin twice: removed = true")
	}
	removed, err = f.s.Unpin(f.ctx, other.ID, m1.ID, nil)
	must(t, "Unpin", err)
	if removed {
		t.Errorf("Unpin in the wrong chat: removed = true")
	}
	// Re-pinning makes it the newest pin. A recalled pinned message is
	// still listed (the Service decides what to show).
	pin(c.ID, m4, true)
	at := f.tick()
	must(t, "RecallMessage", f.s.RecallMessage(f.ctx, m1.ID, at, nil))
	m1.RecalledAt = at
	equalMessages(t, "pins after unpin, re-pin, recall", pinned(c.ID, 10), []chat.Message{m3, m1, m2, m4})

	_, err = f.s.Pin(f.ctx, chat.Pin{ChatID: c.ID, MessageID: 12345, PinnedBy: alice.ID, PinnedAt: f.tick()}, nil)
	mustNotFound(t, "Pin(missing message)", err, chat.WhatMessage)
	if ms := pinned(f.group(alice).ID, 10); len(ms) != 0 {
		t.Errorf("pins of an unpinned chat = %v", ms)
	}
}
