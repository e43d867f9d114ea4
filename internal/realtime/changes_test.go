package realtime

import (
	"slices"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// readN returns a session's next n deliveries, checking that sns continue
// from after.
func readN(t *testing.T, s *Session, after int64, n int) []string {
	t.Helper()
	var out []string
	for i := range n {
		d := next(t, s)
		if d.SN != after+int64(i)+1 {
			t.Fatalf("sn %d, want %d (got so far %v)", d.SN, after+int64(i)+1, out)
		}
		out = append(out, describe(d))
	}
	return out
}

// wantNothing fails when a session has a delivery waiting.
func wantNothing(t *testing.T, f *fixture, s *Session) {
	t.Helper()
	f.settle()
	if got := drain(t, s, 0); len(got) != 0 {
		t.Fatalf("unexpected deliveries %v", describeAll(got))
	}
}

// watched makes a guild channel with a message m that a reader's session
// s has already received.
func (f *fixture) watched() (owner chat.User, c chat.Chat, s *Session, m chat.Message) {
	f.t.Helper()
	owner, reader := f.user("owner"), f.user("reader")
	_, c = f.guild(owner, reader)
	s = f.open(reader)
	m = f.send(owner, c, "m")
	readUntil(f.t, s, 0, "m")
	return owner, c, s, m
}

func (f *fixture) react(u chat.User, m chat.Message, emoji string) {
	f.t.Helper()
	if err := f.svc.AddReaction(f.ctx, u, m.UUID, emoji); err != nil {
		f.t.Fatalf("add reaction: %v", err)
	}
}

// Changes whose events never come (their node died after the commit)
// reach sessions from the store's change log: once the chat is quiet (tail
// probe), in the order they were committed, and their own events,
// arriving late after all, are not delivered twice.
func TestChangesWithoutEventsAreDelivered(t *testing.T) {
	f := newFixture(t, Options{TailCheck: 50 * time.Millisecond})
	owner, c, s, m := f.watched()

	release := f.pub.holding()
	f.react(owner, m, "a")
	if _, err := f.svc.EditMessage(f.ctx, owner, chat.Edit{ID: m.UUID, Content: "m2"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.PinMessage(f.ctx, owner, c.ID, m.UUID); err != nil {
		t.Fatal(err)
	}
	got := readN(t, s, 1, 3)
	if want := []string{"react+:a", "edit:m2", "pin:m2"}; !slices.Equal(got, want) {
		t.Fatalf("from the change log: %v, want %v", got, want)
	}
	for _, e := range release() {
		f.hub.Publish(f.ctx, e)
	}
	f.react(owner, m, "b")
	if got := readN(t, s, 4, 1); got[0] != "react+:b" {
		t.Fatalf("after the late events: %v", got)
	}
	wantNothing(t, f, s)
}

// A change whose event is lost is found when the next change of its chat
// arrives, without waiting for a tail probe, and is delivered first.
func TestChangeGapIsRepaired(t *testing.T) {
	f := newFixture(t, Options{})
	owner, _, s, m := f.watched()

	release := f.pub.holding()
	f.react(owner, m, "lost")
	release() // dropped: never published
	f.react(owner, m, "next")
	if got, want := readN(t, s, 1, 2), []string{"react+:lost", "react+:next"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	wantNothing(t, f, s)
}

// Events of changes published in any order go out in the order the
// changes were committed, and a change goes out after the messages sent
// before it even when their events have not come yet.
func TestChangesInCommitOrder(t *testing.T) {
	f := newFixture(t, Options{})
	owner, c, s, m := f.watched()

	release := f.pub.holding()
	f.react(owner, m, "1")
	f.react(owner, m, "2")
	m2 := f.send(owner, c, "m2")
	f.react(owner, m2, "3")
	held := release()
	slices.Reverse(held)
	for _, e := range held {
		f.hub.Publish(f.ctx, e)
	}
	if got, want := readN(t, s, 1, 4), []string{"react+:1", "react+:2", "msg:m2", "react+:3"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	wantNothing(t, f, s)

	// Only the reaction's event comes: the message it follows is read
	// from the store first.
	release = f.pub.holding()
	m3 := f.send(owner, c, "m3")
	f.react(owner, m3, "4")
	held = release()
	for _, e := range held {
		if e.Kind == chat.EventReactionAdded {
			f.hub.Publish(f.ctx, e)
		}
	}
	if got, want := readN(t, s, 5, 2), []string{"msg:m3", "react+:4"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	wantNothing(t, f, s)
}

// A guild's membership changes are a stream of their own: a member who
// left, whose event was lost, is gone from the hub's audience once the
// change is repaired.
func TestGuildChangesAreRepaired(t *testing.T) {
	f := newFixture(t, Options{TailCheck: 50 * time.Millisecond})
	owner, reader, leaver := f.user("owner"), f.user("reader"), f.user("leaver")
	g, c := f.guild(owner, reader, leaver)
	s, sl := f.open(reader), f.open(leaver)
	release := f.pub.holding()
	if err := f.svc.RemoveMember(f.ctx, g.ID, leaver.ID); err != nil {
		t.Fatal(err)
	}
	release()
	want := []string{describe(Delivery{Event: &chat.Event{Kind: chat.EventMemberLeft, UserID: leaver.ID}})}
	if got := readN(t, s, 0, 1); !slices.Equal(got, want) {
		t.Fatalf("reader got %v, want %v", got, want)
	}
	if got := readN(t, sl, 0, 1); !slices.Equal(got, want) {
		t.Fatalf("the one who left got %v, want %v", got, want)
	}
	f.send(owner, c, "after")
	readUntil(t, s, 1, "after")
	wantNothing(t, f, sl)
}

// A chat whose every event so far was lost (its node died right after
// opening it) is found by CheckUnseen, which a node runs when another goes
// silent: the messages and changes made since then reach the sessions.
func TestUnseenChatIsProbed(t *testing.T) {
	f := newFixture(t, Options{})
	alice, bob := f.user("alice"), f.user("bob")
	s := f.open(bob)
	release := f.pub.holding()
	dm, err := f.svc.OpenDirectChat(f.ctx, alice, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	m := f.send(alice, dm, "first")
	f.react(alice, m, "x")
	if held := release(); len(held) != 2 {
		t.Fatalf("held %d events, want the message and the reaction", len(held))
	}
	wantNothing(t, f, s)

	f.hub.CheckUnseen(f.ctx, time.Now().Add(-time.Minute))
	if got, want := readN(t, s, 0, 2), []string{"msg:first", "react+:x"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	f.hub.CheckUnseen(f.ctx, time.Now().Add(-time.Minute)) // seen now: nothing twice
	f.hub.CheckTails(true)
	wantNothing(t, f, s)
}
