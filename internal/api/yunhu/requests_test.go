package yunhu_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

var protoEndpoints = []string{"send-message", "edit-message", "list-message-by-seq", "list-message",
	"list-message-by-mid-seq", "pic-list-message-by-mid-seq", "recall-msg", "recall-msg-batch", "button-report"}

var jsonEndpoints = []string{"list-message-edit-record", "delete", "msg-forward", "file-download-record"}

func TestTokenRequired(t *testing.T) {
	w := newWorld(t)
	for _, path := range append(append([]string{}, protoEndpoints...), jsonEndpoints...) {
		t.Run(path, func(t *testing.T) {
			// No token: JSON, as Yunhu answers it.
			if env := callJSON(t, w.e, path, "", "{}"); env.Code != -101 || env.Msg != "未登录" {
				t.Errorf("no token: %+v", env)
			}
			if strings.Contains(path, "-") && !contains(jsonEndpoints, path) {
				wantCode(t, "bad token", callRaw(t, w.e, path, "nope", nil, nil), -101)
			} else if env := callJSON(t, w.e, path, "nope", "{}"); env.Code != -101 {
				t.Errorf("bad token: %+v", env)
			}
			// POST only: another method is a 404, as Yunhu's backend answers.
			req, _ := http.NewRequest("GET", w.e.URL+"/v1/msg/"+path, nil)
			req.Header.Set("token", w.member.Token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("GET: status %d", res.StatusCode)
			}
		})
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// Malformed protobuf bodies and wrong wire types get a clear Status and
// change nothing.
func TestMalformedProtobuf(t *testing.T) {
	w := newWorld(t)
	good := w.send(t, w.member.Token, 2, w.groupID, "keep")
	chatIDAsVarint := protowire.AppendVarint(protowire.AppendTag(nil, 3, protowire.VarintType), 7)
	msgIDAsVarint := protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), 7)
	// content (field 5) holding text (field 1) as a varint: nested wire types are checked too.
	nested := protowire.AppendBytes(protowire.AppendTag(nil, 5, protowire.BytesType),
		protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 1))
	bodies := map[string][]byte{
		"garbage":           []byte("\xff\xff\xff\xff"),
		"truncated":         {0x12, 0x20, 'a'},
		"JSON":              []byte(`{"msg_id":"x"}`),
		"chat_id as varint": chatIDAsVarint,
		"msg_id as varint":  msgIDAsVarint,
		"nested wire type":  nested,
	}
	for _, path := range protoEndpoints {
		for name, body := range bodies {
			t.Run(path+"/"+name, func(t *testing.T) {
				st := callRaw(t, w.e, path, w.member.Token, body, nil)
				if st.Code != -2 && !(name == "nested wire type" && !strings.Contains(path, "message")) {
					// Endpoints without a field 5 message see field 5 as a
					// string (chat_id) or unknown; any failure code will do.
					if st.Code >= 0 {
						t.Errorf("code %d (%s), want a failure", st.Code, st.Msg)
					}
				}
				if st.Code == 1 {
					t.Errorf("a malformed body succeeded")
				}
			})
		}
	}
	list := w.list(t, w.member.Token, 2, w.groupID, 10)
	if len(list) != 1 || list[0].MsgId != good || list[0].RecallTime != 0 || list[0].EditTime != 0 {
		t.Errorf("malformed requests changed the chat: %v", list)
	}
	// An empty body is a valid, empty message: it fails on missing fields.
	wantCode(t, "empty send", callRaw(t, w.e, "send-message", w.member.Token, nil, nil), -2)
}

func TestMalformedJSON(t *testing.T) {
	w := newWorld(t)
	for _, path := range jsonEndpoints {
		for name, body := range map[string]string{"garbage": "{", "array": "[1]", "wrong type": `{"msgId":1}`, "empty": "{}"} {
			t.Run(path+"/"+name, func(t *testing.T) {
				env := callJSON(t, w.e, path, w.member.Token, body)
				if env.Code != -2 || env.Msg == "" {
					t.Errorf("%+v, want code -2", env)
				}
			})
		}
	}
}

func TestUnknownChatChangesNothing(t *testing.T) {
	w := newWorld(t)
	id := w.send(t, w.member.Token, 2, w.groupID, "x")
	for _, tc := range []struct {
		path string
		req  proto.Message
	}{
		{"recall-msg", &yhpb.RecallMsg{MsgId: []string{id}, ChatId: "99", ChatType: 2}},
		{"edit-message", &yhpb.SendMsgRequest{MsgId: id, ChatId: "99", ChatType: 2, ContentType: 1, Content: text("y")}},
		{"list-message-by-seq", &yhpb.ListMsgBySeqRequest{ChatId: "99", ChatType: 2}},
		{"button-report", &yhpb.ButtonReportRequest{MsgId: id, ChatId: "99", ChatType: 2, ButtonValue: "v"}},
		// The message exists, but not in the chat named.
		{"recall-msg", &yhpb.RecallMsg{MsgId: []string{id}, ChatId: w.owner.ID, ChatType: 1}},
	} {
		wantCode(t, tc.path, call(t, w.e, tc.path, w.member.Token, tc.req, nil), -3)
	}
	list := w.list(t, w.member.Token, 2, w.groupID, 10)
	if len(list) != 1 || list[0].Content.Text != "x" || list[0].RecallTime != 0 {
		t.Errorf("changed: %v", list)
	}
}
