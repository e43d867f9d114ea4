package yunhu_test

import (
	"fmt"
	"testing"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
)

// Any depth of history pages: no "only the last 30" fallback.
func TestPagingAnyDepth(t *testing.T) {
	w := newWorld(t)
	const n = 130
	ids := make([]string, n)
	for i := range n {
		ids[i] = w.send(t, w.member.Token, 2, w.groupID, fmt.Sprint(i))
	}
	tok, g := w.owner.Token, w.groupID

	// list-message, backwards from the newest by msg_id.
	var got []string
	anchor := ""
	for {
		var resp yhpb.ListMsgResponse
		wantCode(t, "list-message", call(t, w.e, "list-message", tok,
			&yhpb.ListMsgRequest{MsgCount: 25, MsgId: anchor, ChatId: g, ChatType: 2}, &resp), 1)
		if len(resp.Data) == 0 {
			break
		}
		if int(resp.Total) != len(resp.Data) {
			t.Fatalf("total %d for %d messages", resp.Total, len(resp.Data))
		}
		page := []string{}
		for _, d := range resp.Data {
			page = append(page, d.MsgId)
		}
		got = append(page, got...)
		anchor = resp.Data[0].MsgId
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Fatalf("list-message paged %d messages, want all %d in order", len(got), n)
	}

	// list-message-by-seq, forwards from seq 0 (the anchor seq excluded).
	got = nil
	for start := uint64(0); ; {
		var resp yhpb.ListMsgResponse
		wantCode(t, "by-seq", call(t, w.e, "list-message-by-seq", tok,
			&yhpb.ListMsgBySeqRequest{MsgStart: start, ChatId: g, ChatType: 2}, &resp), 1)
		if len(resp.Data) == 0 {
			break
		}
		for _, d := range resp.Data {
			if d.MsgSeq <= start {
				t.Fatalf("by-seq from %d returned seq %d", start, d.MsgSeq)
			}
			got = append(got, d.MsgId)
		}
		start = resp.Data[len(resp.Data)-1].MsgSeq
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Fatalf("by-seq paged %d messages, want %d", len(got), n)
	}

	// list-message-by-mid-seq: N+1, the anchor included, deep in history.
	var resp yhpb.ListMsgResponse
	wantCode(t, "mid-seq", call(t, w.e, "list-message-by-mid-seq", tok,
		&yhpb.ListMsgByMidSeqRequest{MsgId: ids[10], MsgCount: 5, ChatId: g, ChatType: 2}, &resp), 1)
	if len(resp.Data) != 6 || resp.Data[5].MsgId != ids[10] || resp.Data[0].MsgId != ids[5] || resp.Total != 6 {
		t.Errorf("mid-seq by msg_id: %d messages, last %v", len(resp.Data), resp.Data)
	}
	resp.Reset()
	wantCode(t, "mid-seq by seq", call(t, w.e, "list-message-by-mid-seq", tok,
		&yhpb.ListMsgByMidSeqRequest{MsgSeq: 3, MsgCount: 5, ChatId: g, ChatType: 2}, &resp), 1)
	if len(resp.Data) != 3 || resp.Data[2].MsgSeq != 3 {
		t.Errorf("mid-seq by seq 3: %v", resp.Data)
	}
	wantCode(t, "mid-seq, count too big", call(t, w.e, "list-message-by-mid-seq", tok,
		&yhpb.ListMsgByMidSeqRequest{MsgSeq: 3, MsgCount: 500, ChatId: g, ChatType: 2}, &yhpb.ListMsgResponse{}), -2)
	wantCode(t, "list-message, unknown anchor", call(t, w.e, "list-message", tok,
		&yhpb.ListMsgRequest{MsgId: msgID(), ChatId: g, ChatType: 2}, &yhpb.ListMsgResponse{}), -2)
}

func TestPicList(t *testing.T) {
	w := newWorld(t)
	var images []string
	for i := range 5 {
		w.send(t, w.member.Token, 2, w.groupID, "text")
		id := msgID()
		wantCode(t, "image", call(t, w.e, "send-message", w.member.Token, &yhpb.SendMsgRequest{MsgId: id, ChatId: w.groupID,
			ChatType: 2, ContentType: 2, Content: &yhpb.MsgContent{ImageUrl: fmt.Sprintf("https://i/%d.png", i)}}, nil), 1)
		images = append(images, id)
	}
	// image_id is the numeric message id, which the core gives every message.
	u, err := parseHex(images[2])
	if err != nil {
		t.Fatal(err)
	}
	m, err := w.e.Service.Message(t.Context(), userOf(t, w.e, w.member), u)
	if err != nil {
		t.Fatal(err)
	}
	var resp yhpb.ListMsgResponse
	wantCode(t, "pic-list", call(t, w.e, "pic-list-message-by-mid-seq", w.member.Token, &yhpb.PicListMsgByMidSeqRequest{
		ImageId: uint64(m.Message.ID), ChatId: w.groupID, ChatType: 2, EarlierQuantities: 1, LatestQuantities: 5}, &resp), 1)
	var got []string
	for _, d := range resp.Data {
		got = append(got, d.MsgId)
		if d.ContentType != yhpb.ContentType_image {
			t.Errorf("a non-image in the picture list: %v", d)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(images[1:]) {
		t.Errorf("pic-list %v, want %v", got, images[1:])
	}
	resp.Reset()
	wantCode(t, "pic-list alone", call(t, w.e, "pic-list-message-by-mid-seq", w.member.Token, &yhpb.PicListMsgByMidSeqRequest{
		ImageId: uint64(m.Message.ID), ChatId: w.groupID, ChatType: 2}, &resp), 1)
	if len(resp.Data) != 1 || resp.Data[0].MsgId != images[2] {
		t.Errorf("pic-list with no neighbours: %v", resp.Data)
	}
	wantCode(t, "pic-list without image_id", call(t, w.e, "pic-list-message-by-mid-seq", w.member.Token,
		&yhpb.PicListMsgByMidSeqRequest{ChatId: w.groupID, ChatType: 2}, &yhpb.ListMsgResponse{}), -2)
}
