package realtime

import (
	"fmt"
	"testing"

	"github.com/chatd/chatd/internal/chat"
)

// Each session gets exactly the events of the chats its user may read.
func TestVisibility(t *testing.T) {
	f := newFixture(t, Options{})
	owner, member, outsider, friend := f.user("owner"), f.user("member"), f.user("outsider"), f.user("friend")
	g, general := f.guild(owner, member)
	doomed := f.channel(owner, g, "doomed")
	dm, err := f.svc.OpenDirectChat(f.ctx, member, friend.ID)
	if err != nil {
		t.Fatal(err)
	}

	sess := map[string]*Session{"owner": f.open(owner), "member": f.open(member), "outsider": f.open(outsider), "friend": f.open(friend)}

	first := f.send(owner, general, "channel")
	f.send(member, dm, "direct")
	if _, err := f.svc.SendMessage(f.ctx, owner, chat.Send{ChatID: general.ID, Content: "temp", TempTargetID: member.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.EditMessage(f.ctx, owner, chat.Edit{ID: first.UUID, Content: "temp edit", TempTargetID: member.ID}); err != nil {
		t.Fatal(err)
	}
	f.send(owner, doomed, "before delete")
	if err := f.svc.DeleteChannel(f.ctx, owner, doomed.ID); err != nil {
		t.Fatal(err)
	}
	// A late event of the deleted channel (published after its delete).
	f.hub.Publish(f.ctx, chat.Event{Kind: chat.EventMessageCreated, Chat: doomed,
		Message: chat.Message{ChatID: doomed.ID, Seq: 2, Content: "after delete", AuthorID: owner.ID}})
	// The outsider joins: it is told, and sees the guild's next events
	// (and none of those published before, even if still queued).
	if err := f.svc.AddMember(f.ctx, g.ID, outsider.ID, nil); err != nil {
		t.Fatal(err)
	}
	f.send(owner, general, "after join")
	// The member leaves: it is told, and sees nothing of the guild after,
	// but everything published before, even if still queued.
	if err := f.svc.LeaveGuild(f.ctx, member, g.ID); err != nil {
		t.Fatal(err)
	}
	f.send(owner, general, "after leave")

	f.settle()

	joined := fmt.Sprintf("joined:%d", outsider.ID)
	left := fmt.Sprintf("left:%d", member.ID)
	want := map[string][]string{
		"owner":    {"msg:channel", "msg:before delete", "channel-:doomed", joined, "msg:after join", left, "msg:after leave"},
		"member":   {"msg:channel", "msg:direct", "msg:temp", "edit:temp edit", "msg:before delete", "channel-:doomed", joined, "msg:after join", left},
		"outsider": {joined, "msg:after join", left, "msg:after leave"},
		"friend":   {"msg:direct"},
	}
	chatOf := map[string]int64{"msg:channel": general.ID, "msg:direct": dm.ID, "msg:temp": general.ID, "edit:temp edit": general.ID,
		"msg:before delete": doomed.ID, "channel-:doomed": doomed.ID, joined: 0, "msg:after join": general.ID,
		left: 0, "msg:after leave": general.ID}
	for name, s := range sess {
		// Chats are delivered independently: compare each chat's sequence.
		got, exp := map[int64][]string{}, map[int64][]string{}
		for _, d := range drain(t, s, 0) {
			got[d.Event.Chat.ID] = append(got[d.Event.Chat.ID], describe(d))
		}
		for _, w := range want[name] {
			exp[chatOf[w]] = append(exp[chatOf[w]], w)
		}
		if fmt.Sprint(got) != fmt.Sprint(exp) {
			t.Errorf("%s got %v\nwant %v", name, got, exp)
		}
	}
}
