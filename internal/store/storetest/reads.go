package storetest

import (
	"testing"

	"github.com/chatd/chatd/internal/chat"
)

func testReadStates(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	c := f.directChat(alice, bob)
	for range 10 {
		f.send(c, bob, "m")
	}
	states := func(u chat.User) []chat.ReadState {
		t.Helper()
		rs, err := f.s.ReadStates(f.ctx, u.ID, c.ID)
		must(t, "ReadStates", err)
		return normAll(rs, normRead)
	}
	mark := func(device string, seq int64) chat.ReadState {
		t.Helper()
		r := chat.ReadState{UserID: alice.ID, ChatID: c.ID, Device: device, Seq: seq, ReadAt: f.tick()}
		must(t, "MarkRead", f.s.MarkRead(f.ctx, r))
		return normRead(r)
	}
	if rs := states(alice); len(rs) != 0 {
		t.Errorf("read states before any read = %v", rs)
	}
	at5 := mark("", 5)
	equal(t, "after reading to 5", states(alice), []chat.ReadState{at5})
	mark("", 3)
	equal(t, "reading back to 3 changes nothing", states(alice), []chat.ReadState{at5})
	mark("", 5)
	equal(t, "reading to 5 again changes nothing", states(alice), []chat.ReadState{at5})
	at7 := mark("", 7)
	phone := mark("phone", 2)
	equal(t, "per device, device-less first", states(alice), []chat.ReadState{at7, phone})
	phone9 := mark("phone", 9)
	equal(t, "phone moved on", states(alice), []chat.ReadState{at7, phone9})
	if rs := states(bob); len(rs) != 0 {
		t.Errorf("bob's read states = %v, want none", rs)
	}
}
