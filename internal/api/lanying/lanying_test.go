package lanying_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/chatd/chatd/internal/testenv"
)

func s(id int64) string { return strconv.FormatInt(id, 10) }

func TestSendHistoryUnreadAndDevices(t *testing.T) {
	env := testenv.New(t)
	a := newApp(t, env, "acme")
	alice, ac := a.user(t, "alice", "")
	bob, b1 := a.user(t, "bob", "phone")
	b2 := a.login(t, bob, "laptop")
	if alice <= 1<<53 || bob <= 1<<53 {
		t.Fatalf("ids %d %d are not beyond 2^53", alice, bob)
	}
	var sent []int64
	for i := range 3 {
		r := ac.do("POST", "/message/send", map[string]any{"type": 1, "targets": []int64{bob}, "content_type": 0,
			"content": fmt.Sprint("hi ", i), "ext": `{"k":1}`, "config": `{"mentionAll":false}`, "attachment": `{"url":"u"}`})
		r.ok(t, "send", nil)
		sent = append(sent, ids(t, r.MsgIDs)...)
	}
	if len(sent) != 3 || sent[0] <= 1<<53 {
		t.Fatalf("msg_ids %v", sent)
	}
	for _, c := range []client{b1, b2} {
		if got := c.unread(t)[s(alice)]; got != 3 {
			t.Errorf("unread before ack: %d, want 3", got)
		}
	}
	// An ack on the phone advances bob's read state on every device.
	b1.do("GET", "/message/ack?conversation_id="+s(alice)+"&device_sn=1&msg_id="+s(sent[1]), nil).ok(t, "ack", nil)
	for _, c := range []client{b1, b2} {
		if got := c.unread(t)[s(alice)]; got != 1 {
			t.Errorf("unread after ack: %d, want 1", got)
		}
	}
	h := b2.history(t, alice, "&msg_id_start=0&limit=2")
	if h.IsLast || h.NextMsgID.String() != s(sent[0]) || len(h.Messages) != 2 {
		t.Fatalf("page 1: %+v", h)
	}
	m := h.Messages[0]
	if m.MsgID.String() != s(sent[2]) || m.Status != "UNREAD" || h.Messages[1].Status != "READ" || m.CType != "TEXT" ||
		m.Ext != `{"k":1}` || m.Config != `{"mentionAll":false}` || m.Attachment != `{"url":"u"}` ||
		m.FromXID.UID.String() != s(alice) || m.ToXID.UID.String() != s(bob) {
		t.Errorf("newest message: %+v", m)
	}
	h = b2.history(t, alice, "&msg_id_start="+h.NextMsgID.String()+"&limit=2")
	if !h.IsLast || len(h.Messages) != 1 || h.Messages[0].MsgID.String() != s(sent[0]) {
		t.Errorf("page 2: %+v", h)
	}
	// The sender sees its own messages DELIVERED until read, then READ.
	h = ac.history(t, bob, "&msg_id_start=0&limit=3")
	if h.Messages[0].Status != "DELIVERED" || h.Messages[1].Status != "READ" {
		t.Errorf("sender statuses: %s %s", h.Messages[0].Status, h.Messages[1].Status)
	}
	// Deleting the conversation removes it from bob's list only.
	b1.do("DELETE", "/message/conversation?conversation_id="+s(alice), nil).ok(t, "delete conversation", nil)
	if _, ok := b1.unread(t)[s(alice)]; ok {
		t.Errorf("deleted conversation still listed")
	}
	if _, ok := ac.unread(t)[s(bob)]; !ok {
		t.Errorf("the peer lost the conversation")
	}
	// Recall, and the control content types of a send.
	ac.do("POST", "/message/recall", map[string]any{"conversation_id": bob, "msg_id": sent[2]}).ok(t, "recall", nil)
	ac.do("PUT", "/message/send", map[string]any{"type": 1, "targets": []int64{bob}, "content_type": 12,
		"content": "replaced", "related_mid": sent[1]}).ok(t, "replace", nil)
	ac.do("PUT", "/message/send", map[string]any{"type": 1, "targets": []int64{bob}, "content_type": 11,
		"content": "+more", "related_mid": sent[1]}).ok(t, "append", nil)
	ac.do("PUT", "/message/send", map[string]any{"type": 1, "targets": []int64{bob}, "content_type": 10,
		"content": "", "related_mid": sent[0]}).ok(t, "recall by send", nil)
	h = b1.history(t, alice, "&msg_id_start=0&limit=10")
	if len(h.Messages) != 1 || h.Messages[0].Content != "replaced+more" {
		t.Errorf("after recall/replace/append: %+v", h.Messages)
	}
	b2.do("POST", "/message/send", map[string]any{"type": 1, "targets": []int64{alice}, "content_type": 9,
		"content": "", "related_mid": sent[1]}).ok(t, "read ack by send", nil)
	if got := b1.unread(t)[s(alice)]; got != 0 {
		t.Errorf("unread after READ_ACK: %d", got)
	}
	// Someone else's message cannot be recalled by bob.
	b1.do("POST", "/message/recall", map[string]any{"conversation_id": alice, "msg_id": sent[1]}).code(t, "recall others'", 10010)
}

func TestTransactionIDDedup(t *testing.T) {
	env := testenv.New(t)
	a := newApp(t, env, "acme")
	_, ac := a.user(t, "alice", "")
	bob, bc := a.user(t, "bob", "")
	body := map[string]any{"transaction_id": int64(1<<60 + 7), "type": 1, "targets": []int64{bob}, "content_type": 0, "content": "once"}
	var wg sync.WaitGroup
	got := make([][]int64, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := ac.do("POST", "/message/send", body)
			if r.Code == 200 {
				got[i] = ids(t, r.MsgIDs)
			}
		}()
	}
	wg.Wait()
	for i := range got {
		if len(got[i]) != 1 || got[i][0] != got[0][0] {
			t.Fatalf("send %d: %v, want %v", i, got[i], got[0])
		}
	}
	if h := bc.history(t, ac.self, ""); len(h.Messages) != 1 {
		t.Errorf("stored %d messages, want 1", len(h.Messages))
	}
}
