package yunhu_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
)

// A user of another app sees nothing of this app through Yunhu: not its
// group, not its users' direct chats, not its messages.
func TestOtherAppSeesNothing(t *testing.T) {
	w := newWorld(t)
	e := w.e
	status, resp := e.Admin("POST", "/apps", `{"name":"other"}`)
	if status != http.StatusCreated {
		t.Fatalf("create app: %d %s", status, resp)
	}
	var app struct {
		AppID string `json:"app_id"`
	}
	if err := json.Unmarshal(resp, &app); err != nil {
		t.Fatal(err)
	}
	status, resp = e.Admin("POST", "/users", `{"username":"stranger","app_id":"`+app.AppID+`"}`)
	if status != http.StatusCreated {
		t.Fatalf("create user in the other app: %d %s", status, resp)
	}
	var stranger struct{ ID, Token string }
	if err := json.Unmarshal(resp, &stranger); err != nil {
		t.Fatal(err)
	}
	id := w.send(t, w.owner.Token, yhpb.ChatType_group, w.groupID, "for the team only")

	cases := []struct {
		name     string
		chatType yhpb.ChatType
		chatID   string
	}{
		{"the group", yhpb.ChatType_group, w.groupID},
		{"a KOOK channel as a group", yhpb.ChatType_group, w.channelID},
		{"a direct chat with a user", yhpb.ChatType_user, w.owner.ID},
		{"a direct chat with a bot", yhpb.ChatType_bot, w.bot.ID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var list yhpb.ListMsgResponse
			st := call(t, e, "list-message", stranger.Token, &yhpb.ListMsgRequest{MsgCount: 10, ChatId: c.chatID,
				ChatType: c.chatType}, &list)
			wantCode(t, "list-message", st, -3)
			if len(list.Data) != 0 {
				t.Fatalf("another app's user read %d messages", len(list.Data))
			}
			st = call(t, e, "send-message", stranger.Token, &yhpb.SendMsgRequest{MsgId: msgID(), ChatId: c.chatID,
				ChatType: c.chatType, ContentType: yhpb.ContentType_text, Content: text("hello")}, nil)
			wantCode(t, "send-message", st, -3)
		})
	}
	// Nothing the stranger tried was stored: the group still ends with the
	// owner's message.
	if msgs := w.list(t, w.owner.Token, yhpb.ChatType_group, w.groupID, 5); len(msgs) == 0 || msgs[len(msgs)-1].MsgId != id {
		t.Fatalf("the group's newest message is not the owner's any more: %v", msgs)
	}
}
