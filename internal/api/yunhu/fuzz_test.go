package yunhu_test

import (
	"testing"

	"github.com/chatd/chatd/internal/api/yunhu"
	"github.com/chatd/chatd/internal/api/yunhu/yhpb"

	"google.golang.org/protobuf/proto"
)

// requestTypes are the bodies of every protobuf endpoint.
var requestTypes = []func() proto.Message{
	func() proto.Message { return &yhpb.SendMsgRequest{} },
	func() proto.Message { return &yhpb.ListMsgBySeqRequest{} },
	func() proto.Message { return &yhpb.ListMsgRequest{} },
	func() proto.Message { return &yhpb.ListMsgByMidSeqRequest{} },
	func() proto.Message { return &yhpb.PicListMsgByMidSeqRequest{} },
	func() proto.Message { return &yhpb.RecallMsg{} },
	func() proto.Message { return &yhpb.ButtonReportRequest{} },
}

// FuzzDecode feeds arbitrary bytes to the request decoder of every
// protobuf endpoint: it never panics, and what it accepts survives a round
// trip. The seed corpus is in testdata/fuzz/FuzzDecode; scripts/test runs
// the fuzzer for a bounded time.
func FuzzDecode(f *testing.F) {
	seed, _ := proto.Marshal(&yhpb.SendMsgRequest{MsgId: "0123456789abcdef0123456789abcdef", ChatId: "1", ChatType: 2,
		ContentType: 1, Content: &yhpb.MsgContent{Text: "hi", MentionedId: []string{"2"}}, QuoteMsgId: "x"})
	f.Add(seed)
	recall, _ := proto.Marshal(&yhpb.RecallMsg{MsgId: []string{"a", "b"}, ChatId: "1", ChatType: 1})
	f.Add(recall)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, newReq := range requestTypes {
			m := newReq()
			if err := yunhu.Decode(body, m); err != nil {
				continue
			}
			again, err := proto.Marshal(m)
			if err != nil {
				t.Fatalf("%T: accepted but cannot be encoded: %v", m, err)
			}
			m2 := newReq()
			if err := yunhu.Decode(again, m2); err != nil {
				t.Fatalf("%T: the re-encoding of an accepted body is refused: %v", m, err)
			}
			if !proto.Equal(m, m2) {
				t.Fatalf("%T: round trip changed %v into %v", m, m, m2)
			}
		}
	})
}
