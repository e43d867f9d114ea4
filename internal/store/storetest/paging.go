package storetest

import (
	"testing"

	"github.com/chatd/chatd/internal/chat"
)

func testPaging(t *testing.T, f *fixture) {
	alice := f.user("alice")
	c := f.group(alice)
	empty := f.group(alice)
	var all []chat.Message
	for range 10 {
		all = append(all, f.send(c, alice, "m"))
	}
	recalledAt := f.tick()
	for _, seq := range []int64{4, 7} {
		must(t, "RecallMessage", f.s.RecallMessage(f.ctx, all[seq-1].ID, recalledAt, nil))
		all[seq-1].RecalledAt = recalledAt
	}
	q := func(d chat.Direction, anchor int64, limit int) chat.MessageQuery {
		return chat.MessageQuery{ChatID: c.ID, Direction: d, AnchorSeq: anchor, Limit: limit}
	}
	withRecalled := func(q chat.MessageQuery) chat.MessageQuery { q.WithRecalled = true; return q }
	for _, tc := range []struct {
		name string
		q    chat.MessageQuery
		want []int64
	}{
		{"latest 3", q(chat.Latest, 0, 3), []int64{8, 9, 10}},
		{"latest ignores the anchor", q(chat.Latest, 5, 3), []int64{8, 9, 10}},
		{"latest 4 skips recalled 7", q(chat.Latest, 0, 4), []int64{6, 8, 9, 10}},
		{"latest more than the chat", q(chat.Latest, 0, 100), []int64{1, 2, 3, 5, 6, 8, 9, 10}},
		{"latest with recalled", withRecalled(q(chat.Latest, 0, 100)), span(1, 10)},
		{"latest limit 1", q(chat.Latest, 0, 1), []int64{10}},
		{"before the first", q(chat.Before, 1, 5), []int64{}},
		{"before the second", q(chat.Before, 2, 5), []int64{1}},
		{"before the last", q(chat.Before, 10, 3), []int64{6, 8, 9}},
		{"before past the end", q(chat.Before, 11, 2), []int64{9, 10}},
		{"before a recalled anchor", q(chat.Before, 7, 2), []int64{5, 6}},
		{"before, more than there are", q(chat.Before, 6, 100), []int64{1, 2, 3, 5}},
		{"before with recalled", withRecalled(q(chat.Before, 8, 3)), []int64{5, 6, 7}},
		{"after the last", q(chat.After, 10, 5), []int64{}},
		{"after nothing", q(chat.After, 0, 3), []int64{1, 2, 3}},
		{"after 3 skips recalled 4", q(chat.After, 3, 2), []int64{5, 6}},
		{"after the one before last", q(chat.After, 9, 5), []int64{10}},
		{"after, more than there are", q(chat.After, 5, 100), []int64{6, 8, 9, 10}},
		{"after with recalled", withRecalled(q(chat.After, 3, 2)), []int64{4, 5}},
		{"limit 0", q(chat.Latest, 0, 0), []int64{}},
		{"empty chat", chat.MessageQuery{ChatID: empty.ID, Limit: 10}, []int64{}},
		{"empty chat before", chat.MessageQuery{ChatID: empty.ID, Direction: chat.Before, AnchorSeq: 5, Limit: 10}, []int64{}},
		{"missing chat", chat.MessageQuery{ChatID: 12345, Limit: 10}, []int64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := f.list(tc.q)
			equal(t, "seqs", seqs(got), tc.want)
			want := make([]chat.Message, 0, len(tc.want))
			for _, seq := range tc.want {
				want = append(want, all[seq-1])
			}
			equalMessages(t, "messages", got, want)
		})
	}
	m, err := f.s.Message(f.ctx, all[3].ID)
	must(t, "Message(recalled)", err)
	if m.Seq != 4 || !m.Recalled() || !m.RecalledAt.Equal(recalledAt) {
		t.Errorf("recalled message: seq %d, RecalledAt %v; want 4, %v", m.Seq, m.RecalledAt, recalledAt)
	}
}
