package kook_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// pageSeqs is what a history page around reference message ref of a chat
// of total messages holds: before and after exclude the reference, around
// puts (n-1)/2 messages before it and the rest after, latest is the newest
// n. Pages are cut at the ends of the history, not refilled.
func pageSeqs(flag string, ref, n, total int) []int {
	var lo, hi int
	switch flag {
	case "", "before":
		lo, hi = ref-n, ref-1
	case "after":
		lo, hi = ref+1, ref+n
	case "around":
		lo, hi = ref-(n-1)/2, ref+n-1-(n-1)/2
	case "latest":
		lo, hi = total-n+1, total
	}
	seqs := []int{}
	for s := max(lo, 1); s <= min(hi, total); s++ {
		seqs = append(seqs, s)
	}
	return seqs
}

func TestMessageListPages(t *testing.T) {
	w := newMsgWorld(t)
	const total = 200
	ids := make([]string, total+1) // ids[seq]
	for seq := 1; seq <= total; seq++ {
		ids[seq] = w.send(t, w.owner.Token, map[string]any{"content": fmt.Sprintf("m%d", seq)}).MsgID
	}
	seqsOf := func(t *testing.T, query map[string]string) []int {
		t.Helper()
		out := []int{}
		for _, m := range w.list(t, w.member.Token, query) {
			seq, err := strconv.Atoi(strings.TrimPrefix(m.Content, "m"))
			if err != nil {
				t.Fatalf("unexpected message %q", m.Content)
			}
			out = append(out, seq)
		}
		return out
	}
	span := func(lo, hi int) []int {
		s := []int{}
		for i := lo; i <= hi; i++ {
			s = append(s, i)
		}
		return s
	}

	// Hand-checked pages pin down the rule pageSeqs states.
	t.Run("examples", func(t *testing.T) {
		examples := []struct {
			flag      string
			ref, size int
			want      []int
		}{
			{"around", 100, 10, span(96, 105)},
			{"around", 100, 1, []int{100}},
			{"around", 100, 2, []int{100, 101}},
			{"around", 1, 10, span(1, 6)},
			{"around", 200, 50, span(176, 200)},
			{"before", 1, 50, []int{}},
			{"before", 100, 10, span(90, 99)},
			{"after", 200, 10, []int{}},
			{"after", 100, 10, span(101, 110)},
			{"", 150, 10, span(140, 149)},
			{"latest", 0, 10, span(191, 200)},
		}
		for _, e := range examples {
			if got := pageSeqs(e.flag, e.ref, e.size, total); !slices.Equal(got, e.want) {
				t.Fatalf("pageSeqs(%q, %d, %d) = %v, want %v", e.flag, e.ref, e.size, got, e.want)
			}
		}
	})

	for _, flag := range []string{"before", "around", "after", ""} {
		for _, ref := range []int{1, 2, 100, 199, 200} {
			for _, size := range []int{1, 10, 50, 100} {
				t.Run(fmt.Sprintf("flag=%q/ref=%d/size=%d", flag, ref, size), func(t *testing.T) {
					q := map[string]string{"msg_id": ids[ref], "page_size": strconv.Itoa(size)}
					if flag != "" {
						q["flag"] = flag
					}
					if got, want := seqsOf(t, q), pageSeqs(flag, ref, size, total); !slices.Equal(got, want) {
						t.Errorf("got %v, want %v", got, want)
					}
				})
			}
		}
	}
	for _, size := range []string{"1", "10", "50", "100", ""} {
		for _, flag := range []string{"", "before", "around", "after"} {
			t.Run(fmt.Sprintf("no msg_id/flag=%q/size=%s", flag, size), func(t *testing.T) {
				n := 50
				q := map[string]string{}
				if size != "" {
					q["page_size"] = size
					n, _ = strconv.Atoi(size)
				}
				if flag != "" {
					q["flag"] = flag
				}
				if got, want := seqsOf(t, q), pageSeqs("latest", 0, n, total); !slices.Equal(got, want) {
					t.Errorf("got %v, want the newest %d: %v", got, n, want)
				}
			})
		}
	}

	// A deleted message keeps its place: pages skip it without shifting.
	msgOK(t, w.env.KOOK(w.owner.Token, "POST", "/message/delete", map[string]any{"msg_id": ids[105]}))
	// (Whether the page then holds 9 messages or is filled up to 10 is the
	// store's choice; chat.ListMessages allows both.)
	got := seqsOf(t, map[string]string{"msg_id": ids[100], "flag": "after", "page_size": "10"})
	want := []int{101, 102, 103, 104, 106, 107, 108, 109, 110}
	if len(got) == 10 {
		want = append(want, 111)
	}
	if !slices.Equal(got, want) {
		t.Errorf("after a delete: got %v, want %v", got, want)
	}
	got = seqsOf(t, map[string]string{"msg_id": ids[105], "flag": "around", "page_size": "3"})
	if want := []int{104, 106}; !slices.Equal(got, want) {
		t.Errorf("around a deleted message: got %v, want %v", got, want)
	}
}
