package yunhu_test

import (
	"encoding/json"
	"testing"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
)

func TestEditKeepsEveryRevision(t *testing.T) {
	w := newWorld(t)
	id := w.send(t, w.member.Token, 2, w.groupID, "v1")
	edit := func(token string, ct yhpb.ContentType, s string) *yhpb.Status {
		return call(t, w.e, "edit-message", token, &yhpb.SendMsgRequest{MsgId: id, ChatId: w.groupID, ChatType: 2,
			ContentType: ct, Content: text(s)}, nil)
	}
	wantCode(t, "edit v2", edit(w.member.Token, 1, "v2"), 1)
	wantCode(t, "edit v3", edit(w.member.Token, 1, "v3"), 1)
	wantCode(t, "edit by another", edit(w.owner.Token, 1, "x"), -4)
	wantCode(t, "text to markdown", edit(w.member.Token, 3, "x"), -2)
	wantCode(t, "text to audio", call(t, w.e, "edit-message", w.member.Token, &yhpb.SendMsgRequest{MsgId: id, ChatId: w.groupID,
		ChatType: 2, ContentType: 11, Content: &yhpb.MsgContent{AudioUrl: "a.m4a", AudioTime: 3}}, nil), -2)
	wantCode(t, "empty text", edit(w.member.Token, 1, ""), -2)
	wantCode(t, "unknown message", call(t, w.e, "edit-message", w.member.Token, &yhpb.SendMsgRequest{MsgId: msgID(),
		ChatId: w.groupID, ChatType: 2, ContentType: 1, Content: text("x")}, nil), -3)

	l := w.list(t, w.owner.Token, 2, w.groupID, 1)
	if l[0].Content.Text != "v3" || l[0].EditTime == 0 {
		t.Errorf("after edits: %v", l[0])
	}
	env := callJSON(t, w.e, "list-message-edit-record", w.owner.Token, map[string]any{"msgId": id, "size": 1, "page": 1})
	var data struct {
		List []struct {
			ID          int64  `json:"id"`
			MsgID       string `json:"msgId"`
			ContentType int    `json:"contentType"`
			ContentOld  string `json:"contentOld"`
			CreateTime  int64  `json:"createTime"`
			MsgTime     int64  `json:"msgTime"`
		} `json:"list"`
		Total int `json:"total"`
	}
	if env.Code != 1 || json.Unmarshal(env.Data, &data) != nil {
		t.Fatalf("edit records: %+v", env)
	}
	var old struct{ Text string }
	if data.Total != 2 || len(data.List) != 1 || json.Unmarshal([]byte(data.List[0].ContentOld), &old) != nil ||
		old.Text != "v2" || data.List[0].MsgID != id || data.List[0].ContentType != 1 || data.List[0].MsgTime < data.List[0].CreateTime {
		t.Errorf("page 1: %+v", data)
	}
	env = callJSON(t, w.e, "list-message-edit-record", w.owner.Token, map[string]any{"msgId": id, "size": 1, "page": 2})
	if json.Unmarshal(env.Data, &data) != nil || len(data.List) != 1 || json.Unmarshal([]byte(data.List[0].ContentOld), &old) != nil ||
		old.Text != "v1" {
		t.Errorf("page 2: %+v", data)
	}
	if env := callJSON(t, w.e, "list-message-edit-record", w.outsider.Token, map[string]any{"msgId": id}); env.Code != -3 {
		t.Errorf("an outsider reads the edit records: %+v", env)
	}
}

func TestRecallKeepsTheSlot(t *testing.T) {
	w := newWorld(t)
	a := w.send(t, w.member.Token, 2, w.groupID, "a")
	b := w.send(t, w.member.Token, 2, w.groupID, "b")
	c := w.send(t, w.owner.Token, 2, w.groupID, "c")
	recall := func(token string, ids ...string) *yhpb.Status {
		path := "recall-msg"
		if len(ids) > 1 {
			path = "recall-msg-batch"
		}
		return call(t, w.e, path, token, &yhpb.RecallMsg{MsgId: ids, ChatId: w.groupID, ChatType: 2}, nil)
	}
	wantCode(t, "a member recalls the owner's", recall(w.member.Token, c), -4)
	wantCode(t, "batch with one forbidden", recall(w.member.Token, a, c), -4)
	wantCode(t, "recall-msg with two ids", call(t, w.e, "recall-msg", w.member.Token,
		&yhpb.RecallMsg{MsgId: []string{a, b}, ChatId: w.groupID, ChatType: 2}, nil), -2)
	if l := w.list(t, w.member.Token, 2, w.groupID, 10); l[0].RecallTime != 0 {
		t.Fatalf("a refused batch recalled something: %v", l)
	}
	wantCode(t, "own", recall(w.member.Token, a), 1)
	wantCode(t, "admin recalls others'", recall(w.admin.Token, b, c), 1)
	wantCode(t, "twice", recall(w.member.Token, a), -3)
	l := w.list(t, w.member.Token, 2, w.groupID, 10)
	if len(l) != 3 {
		t.Fatalf("recalled messages left their slots: %v", l)
	}
	for i, d := range l {
		if d.MsgId != []string{a, b, c}[i] || d.RecallTime == 0 || d.Content.Text != "" || d.MsgSeq != uint64(i+1) {
			t.Errorf("slot %d: %v", i, d)
		}
	}
}

func TestDeleteIsForTheCallerOnly(t *testing.T) {
	w := newWorld(t)
	a := w.send(t, w.member.Token, 2, w.groupID, "a")
	b := w.send(t, w.owner.Token, 2, w.groupID, "b")
	env := callJSON(t, w.e, "delete", w.member.Token, map[string]any{"chatId": w.groupID, "msgId": b, "chatType": 2})
	if env.Code != 1 || env.Msg != "success" {
		t.Fatalf("delete: %+v", env)
	}
	if l := w.list(t, w.member.Token, 2, w.groupID, 10); len(l) != 1 || l[0].MsgId != a {
		t.Errorf("the caller still sees it: %v", l)
	}
	if l := w.list(t, w.owner.Token, 2, w.groupID, 10); len(l) != 2 {
		t.Errorf("another member lost it: %v", l)
	}
	var resp yhpb.ListMsgResponse
	call(t, w.e, "list-message-by-seq", w.member.Token, &yhpb.ListMsgBySeqRequest{ChatId: w.groupID, ChatType: 2}, &resp)
	if len(resp.Data) != 1 {
		t.Errorf("by-seq shows a deleted message: %v", resp.Data)
	}
	if env := callJSON(t, w.e, "delete", w.outsider.Token, map[string]any{"chatId": w.groupID, "msgId": a, "chatType": 2}); env.Code != -3 {
		t.Errorf("an outsider deletes: %+v", env)
	}
	if env := callJSON(t, w.e, "delete", w.member.Token, map[string]any{"chatId": w.owner.ID, "msgId": a, "chatType": 1}); env.Code != -3 {
		t.Errorf("delete through another chat: %+v", env)
	}
}

func TestForwardAndDownloadRecord(t *testing.T) {
	w := newWorld(t)
	file := msgID()
	wantCode(t, "file", call(t, w.e, "send-message", w.member.Token, &yhpb.SendMsgRequest{MsgId: file, ChatId: w.groupID,
		ChatType: 2, ContentType: 4, Content: &yhpb.MsgContent{FileUrl: "https://f/a.bin", FileName: "a.bin", FileSize: 3}}, nil), 1)
	env := callJSON(t, w.e, "msg-forward", w.owner.Token, map[string]any{"msgId": file, "chatType": 2,
		"receive": []map[string]any{{"chatId": w.member.ID, "chatType": 1}, {"chatId": w.channelID, "chatType": 2}}})
	if env.Code != 1 {
		t.Fatalf("forward: %+v", env)
	}
	for _, target := range []struct {
		typ yhpb.ChatType
		id  string
	}{{1, w.member.ID}, {2, w.channelID}} {
		l := w.list(t, w.owner.Token, target.typ, target.id, 5)
		if len(l) != 1 || l[0].Content.FileUrl != "https://f/a.bin" || l[0].Content.FileName != "a.bin" || l[0].Sender.ChatId != w.owner.ID {
			t.Errorf("copy in %s: %v", target.id, l)
		}
		u, _ := parseHex(l[0].MsgId)
		v, err := w.e.Service.Message(t.Context(), userOf(t, w.e, w.owner), u)
		if err != nil || v.Message.Extra.ForwardOf != file {
			t.Errorf("the copy does not note its origin: %+v %v", v.Message.Extra, err)
		}
	}
	if env := callJSON(t, w.e, "msg-forward", w.outsider.Token, map[string]any{"msgId": file, "chatType": 2,
		"receive": []map[string]any{{"chatId": w.outsider.ID, "chatType": 1}}}); env.Code != -3 {
		t.Errorf("an outsider forwards: %+v", env)
	}

	env = callJSON(t, w.e, "file-download-record", w.owner.Token, map[string]any{"msgId": file, "downloadPath": "/sd/a.bin"})
	if env.Code != 1 {
		t.Fatalf("download record: %+v", env)
	}
	u, _ := parseHex(file)
	ds, err := w.e.Service.FileDownloads(t.Context(), userOf(t, w.e, w.member), u)
	if err != nil || len(ds) != 1 || ds[0].Path != "/sd/a.bin" {
		t.Errorf("the uploader sees %+v, %v", ds, err)
	}
	if _, err := w.e.Service.FileDownloads(t.Context(), userOf(t, w.e, w.owner), u); err == nil {
		t.Errorf("someone else sees the downloads")
	}
	text := w.send(t, w.member.Token, 2, w.groupID, "x")
	if env := callJSON(t, w.e, "file-download-record", w.owner.Token, map[string]any{"msgId": text}); env.Code != -2 {
		t.Errorf("a text message's download: %+v", env)
	}
}
