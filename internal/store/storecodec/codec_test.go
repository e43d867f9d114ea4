package storecodec

import (
	"reflect"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

func TestRoundTrips(t *testing.T) {
	if MS(time.Time{}) != 0 || !FromMS(0).IsZero() {
		t.Error("the zero time is not kept as 0")
	}
	at := time.UnixMilli(1_795_000_000_123)
	if got := FromMS(MS(at)); !got.Equal(at) {
		t.Errorf("time %v came back as %v", at, got)
	}
	for _, m := range []chat.Mentions{{}, {Users: []int64{1 << 60}, Roles: []int{3}, Channels: []int64{7}, All: true, Here: true}} {
		s, err := EncodeMentions(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeMentions(s)
		if err != nil || !reflect.DeepEqual(got, m) {
			t.Errorf("mentions %+v came back as %+v (%v) through %q", m, got, err, s)
		}
	}
	if s, _ := EncodeMentions(chat.Mentions{}); s != NoMentions {
		t.Errorf("no mentions kept as %q", s)
	}
	for _, e := range []chat.Extra{{}, {Buttons: `[[{"text":"a"}]]`, CommandID: 9, ForwardChatID: 1 << 60}} {
		s, err := EncodeExtra(e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeExtra(s)
		if err != nil || got != e {
			t.Errorf("extra %+v came back as %+v (%v) through %q", e, got, err, s)
		}
	}
	if _, err := DecodeMentions("{"); err == nil {
		t.Error("malformed mentions decoded")
	}
	if limit, offset := PageBounds(chat.Page{Page: 3, Size: 20}); limit != 20 || offset != 40 {
		t.Errorf("page 3 of 20: limit %d offset %d", limit, offset)
	}
	if limit, offset := PageBounds(chat.Page{}); limit != 50 || offset != 0 {
		t.Errorf("default page: limit %d offset %d", limit, offset)
	}
}
