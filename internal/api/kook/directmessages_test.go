package kook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/testenv"
)

// dmWorld is two users with a direct chat, and a third who is in neither
// it nor any guild.
type dmWorld struct {
	*msgWorld
	a, b, c testenv.User
	code    string // chat_code of a and b's chat
	chatID  int64
}

func newDMWorld(t *testing.T) *dmWorld {
	t.Helper()
	w := &dmWorld{msgWorld: newMsgWorld(t)}
	w.a, w.b, w.c = w.env.CreateUser("alice", true), w.env.CreateUser("bob", false), w.env.CreateUser("carol", true)
	c := w.openChat(t, w.a, w.b)
	w.code, w.chatID = c.Code, c.ID
	return w
}

func (w *dmWorld) coreUser(t *testing.T, u testenv.User) chat.User {
	t.Helper()
	cu, err := w.env.Service.Authenticate(context.Background(), u.Token)
	if err != nil {
		t.Fatalf("authenticate %s: %v", u.Username, err)
	}
	return cu
}

func (w *dmWorld) openChat(t *testing.T, from, to testenv.User) chat.Chat {
	t.Helper()
	peer, _ := strconv.ParseInt(to.ID, 10, 64)
	c, err := w.env.Service.OpenDirectChat(context.Background(), w.coreUser(t, from), peer)
	if err != nil {
		t.Fatalf("open direct chat: %v", err)
	}
	return c
}

func (w *dmWorld) dmSend(t *testing.T, from testenv.User, params map[string]any) msgSent {
	t.Helper()
	if params["target_id"] == nil && params["chat_code"] == nil {
		params["chat_code"] = w.code
	}
	raw := msgOK(t, w.env.KOOK(from.Token, "POST", "/direct-message/create", params))
	msgKeys(t, "direct-message/create data", raw, "msg_id", "msg_timestamp", "nonce")
	return msgDecode[msgSent](t, raw)
}

func (w *dmWorld) dmList(t *testing.T, as testenv.User, query map[string]string) []msgJSON {
	t.Helper()
	if query["target_id"] == "" && query["chat_code"] == "" {
		query["chat_code"] = w.code
	}
	raw := msgOK(t, w.env.KOOK(as.Token, "GET", "/direct-message/list", query))
	msgKeys(t, "direct-message/list data", raw, "items")
	items := msgDecode[struct{ Items []json.RawMessage }](t, raw).Items
	out := make([]msgJSON, len(items))
	for i, it := range items {
		msgKeys(t, "direct message", it, directMessageKeys...)
		out[i] = msgDecode[msgJSON](t, it)
	}
	return out
}

func (w *dmWorld) dmView(t *testing.T, as testenv.User, id string) msgJSON {
	t.Helper()
	raw := msgOK(t, w.env.KOOK(as.Token, "GET", "/direct-message/view", map[string]string{"msg_id": id, "chat_code": w.code}))
	msgKeys(t, "direct-message/view data", raw, directMessageKeys...)
	return msgDecode[msgJSON](t, raw)
}

func (w *dmWorld) unread(t *testing.T, as testenv.User) int {
	t.Helper()
	sums, _, err := w.env.Service.DirectChats(context.Background(), w.coreUser(t, as), chat.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sums {
		if s.Chat.ID == w.chatID {
			return s.UnreadCount
		}
	}
	t.Fatalf("%s's chat list lacks the chat", as.Username)
	return 0
}

// dmDone checks a direct-message action's answer: an empty object.
func dmDone(t *testing.T, r testenv.Reply) {
	t.Helper()
	if raw := msgOK(t, r); string(raw) != "{}" {
		t.Errorf("data %s, want {}", raw)
	}
}

func TestDirectMessageCreateListRead(t *testing.T) {
	w := newDMWorld(t)
	// target_id names the peer; the type defaults to text.
	first := w.dmSend(t, w.a, map[string]any{"target_id": w.b.ID, "content": "hello (met)" + w.b.ID + "(met)", "nonce": "dm-1"})
	if first.Nonce != "dm-1" {
		t.Errorf("nonce %q, want dm-1", first.Nonce)
	}
	if n := w.unread(t, w.b); n != 1 {
		t.Errorf("bob has %d unread, want 1", n)
	}
	if m := w.dmList(t, w.a, map[string]string{}); len(m) != 1 || m[0].ReadStatus {
		t.Fatalf("before bob reads, alice sees %+v, want her message unread", m)
	}

	got := w.dmList(t, w.b, map[string]string{"target_id": w.a.ID})
	if len(got) != 1 {
		t.Fatalf("bob lists %d messages, want 1", len(got))
	}
	m := got[0]
	if m.ID != first.MsgID || m.Type != 1 || m.Content != "hello (met)"+w.b.ID+"(met)" || m.AuthorID != w.a.ID ||
		m.Author.ID != w.a.ID || m.Author.Username != "alice" || m.CreateAt != first.MsgTimestamp || m.UpdatedAt != 0 {
		t.Errorf("bob lists %+v", m)
	}
	if m.ReadStatus {
		t.Error("read_status is true on the first read")
	}
	if len(m.Mention) != 1 || m.Mention[0] != w.b.ID || m.Quote != nil || m.Attachments != nil || len(m.Reactions) != 0 {
		t.Errorf("mention %v quote %v attachments %v reactions %v", m.Mention, m.Quote, m.Attachments, m.Reactions)
	}
	if n := w.unread(t, w.b); n != 0 {
		t.Errorf("after listing bob has %d unread, want 0", n)
	}
	if m := w.dmList(t, w.b, map[string]string{}); !m[0].ReadStatus {
		t.Error("read_status is false once bob has listed the message")
	}
	if m := w.dmList(t, w.a, map[string]string{}); !m[0].ReadStatus {
		t.Error("alice's message is not read_status true after bob read it")
	}

	// chat_code, type 9 and a quote.
	reply := w.dmSend(t, w.b, map[string]any{"type": 9, "content": "**hi**", "quote": first.MsgID, "nonce": "dm-2"})
	again := w.dmSend(t, w.b, map[string]any{"type": 9, "content": "**hi**", "quote": first.MsgID, "nonce": "dm-2"})
	if again != reply {
		t.Errorf("retry answered %+v, want %+v", again, reply)
	}
	if n := w.unread(t, w.a); n != 1 {
		t.Errorf("alice has %d unread, want 1 (the retry stored nothing)", n)
	}
	v := w.dmView(t, w.a, reply.MsgID)
	if v.Type != 9 || v.Content != "**hi**" || v.AuthorID != w.b.ID || v.Quote == nil || v.Quote.ID != first.MsgID ||
		v.Quote.Author.ID != w.a.ID {
		t.Errorf("view %+v (quote %+v)", v, v.Quote)
	}
	msgFail(t, w.env.KOOK(w.a.Token, "GET", "/direct-message/view", map[string]string{"msg_id": reply.MsgID,
		"chat_code": w.openChat(t, w.a, w.c).Code}), 40400, "message")

	// target_id opens a chat on first use, for listing and for sending.
	if got := w.dmList(t, w.c, map[string]string{"target_id": w.b.ID}); len(got) != 0 {
		t.Errorf("a new chat lists %q", msgContents(got))
	}
	toBob := w.dmSend(t, w.c, map[string]any{"target_id": w.b.ID, "content": "from carol"})
	if got := w.dmList(t, w.b, map[string]string{"target_id": w.c.ID}); len(got) != 1 || got[0].ID != toBob.MsgID {
		t.Errorf("bob's chat with carol lists %q", msgContents(got))
	}

	// Paging works as in channels.
	for i := 3; i <= 6; i++ {
		w.dmSend(t, w.a, map[string]any{"content": fmt.Sprintf("m%d", i)})
	}
	pages := []struct {
		query map[string]string
		want  string
	}{
		{map[string]string{"page_size": "2"}, "m5,m6"},
		{map[string]string{"msg_id": reply.MsgID, "flag": "after", "page_size": "2"}, "m3,m4"},
		{map[string]string{"msg_id": reply.MsgID, "flag": "around", "page_size": "3"}, "hello (met)" + w.b.ID + "(met),**hi**,m3"},
		{map[string]string{"msg_id": reply.MsgID}, "hello (met)" + w.b.ID + "(met)"},
		{map[string]string{"msg_id": reply.MsgID, "page": "2"}, "hello (met)" + w.b.ID + "(met)"},
	}
	for _, p := range pages {
		if got := strings.Join(msgContents(w.dmList(t, w.b, p.query)), ","); got != p.want {
			t.Errorf("list %v: %q, want %q", p.query, got, p.want)
		}
	}
}

func TestDirectMessageRejects(t *testing.T) {
	w := newDMWorld(t)
	w.dmSend(t, w.a, map[string]any{"content": "keep"})
	tests := []struct {
		name, method, path string
		params             any
		code               int
		field              string
	}{
		{"create without a chat", "POST", "/direct-message/create", map[string]any{"content": "x"}, 40000, "chat_code"},
		{"create to oneself", "POST", "/direct-message/create", map[string]any{"target_id": w.a.ID, "content": "x"}, 40000, "target_id"},
		{"create to an unknown user", "POST", "/direct-message/create", map[string]any{"target_id": "4242", "content": "x"}, 40000, "target_id"},
		{"create to an unknown chat", "POST", "/direct-message/create", map[string]any{"chat_code": strings.Repeat("ab", 16), "content": "x"}, 40400, "chat"},
		{"create without content", "POST", "/direct-message/create", map[string]any{"chat_code": w.code}, 40000, "content"},
		{"create with a wrong type", "POST", "/direct-message/create", map[string]any{"chat_code": w.code, "type": "x", "content": "x"}, 40000, "type"},
		{"create a bad card", "POST", "/direct-message/create", map[string]any{"chat_code": w.code, "type": 10, "content": "{"}, 40000, "content"},
		{"create with an unknown quote", "POST", "/direct-message/create", map[string]any{"chat_code": w.code, "content": "x", "quote": chat.NewUUID().String()}, 40000, "quote"},
		{"list without a chat", "GET", "/direct-message/list", map[string]string{}, 40000, "chat_code"},
		{"list with a bad flag", "GET", "/direct-message/list", map[string]string{"chat_code": w.code, "flag": "up"}, 40000, "flag"},
		{"list with a bad page", "GET", "/direct-message/list", map[string]string{"chat_code": w.code, "page": "one"}, 40000, "page"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgFail(t, w.env.KOOK(w.a.Token, tt.method, tt.path, tt.params), tt.code, tt.field)
		})
	}
	if got := msgContents(w.dmList(t, w.a, map[string]string{})); strings.Join(got, ",") != "keep" {
		t.Errorf("after rejected sends the chat holds %q", got)
	}
	msgFail(t, w.env.Raw("POST", "/direct-message/create", w.a.Token, `{"chat_code":`), 40000, "body")
}

func TestDirectMessageUpdateDeleteReact(t *testing.T) {
	w := newDMWorld(t)
	k := w.dmSend(t, w.a, map[string]any{"type": 9, "content": "draft"})
	text := w.dmSend(t, w.a, map[string]any{"content": "plain"})
	quoted := w.dmSend(t, w.b, map[string]any{"content": "quoted"})

	dmDone(t, w.env.KOOK(w.a.Token, "POST", "/direct-message/update", map[string]any{"msg_id": k.MsgID, "content": "final", "quote": quoted.MsgID}))
	if v := w.dmView(t, w.b, k.MsgID); v.Content != "final" || v.UpdatedAt == 0 || v.Quote == nil || v.Quote.ID != quoted.MsgID {
		t.Errorf("after update: %+v", v)
	}
	dmDone(t, w.env.KOOK(w.a.Token, "POST", "/direct-message/update", map[string]any{"msg_id": k.MsgID, "content": "final", "quote": ""}))
	if v := w.dmView(t, w.b, k.MsgID); v.Quote != nil {
		t.Errorf("quote \"\" left %+v", v.Quote)
	}
	msgFail(t, w.env.KOOK(w.b.Token, "POST", "/direct-message/update", map[string]any{"msg_id": k.MsgID, "content": "bob's"}), 40300, "permission")
	msgFail(t, w.env.KOOK(w.a.Token, "POST", "/direct-message/update", map[string]any{"msg_id": text.MsgID, "content": "x"}), 40000, "msg_id")

	const heart = "[#10084;]"
	dmDone(t, w.env.KOOK(w.b.Token, "POST", "/direct-message/add-reaction", map[string]any{"msg_id": k.MsgID, "emoji": heart}))
	dmDone(t, w.env.KOOK(w.b.Token, "POST", "/direct-message/add-reaction", map[string]any{"msg_id": k.MsgID, "emoji": heart}))
	if rs := w.dmView(t, w.a, k.MsgID).Reactions; len(rs) != 1 || rs[0].Count != 1 || rs[0].Me || rs[0].Emoji.ID != heart {
		t.Errorf("alice sees reactions %+v, want one heart not hers", rs)
	}
	if rs := w.dmView(t, w.b, k.MsgID).Reactions; len(rs) != 1 || !rs[0].Me {
		t.Errorf("bob sees reactions %+v, want his heart", rs)
	}
	raw := msgOK(t, w.env.KOOK(w.a.Token, "GET", "/direct-message/reaction-list", map[string]string{"msg_id": k.MsgID, "emoji": heart}))
	type reactor struct {
		ID           string `json:"id"`
		Username     string `json:"username"`
		IdentifyNum  string `json:"identify_num"`
		ReactionTime int64  `json:"reaction_time"`
	}
	if rs := msgDecode[[]reactor](t, raw); len(rs) != 1 || rs[0].ID != w.b.ID || rs[0].Username != "bob" ||
		rs[0].IdentifyNum == "" || rs[0].ReactionTime < k.MsgTimestamp {
		t.Errorf("reaction-list %s", raw)
	}
	msgFail(t, w.env.KOOK(w.a.Token, "POST", "/direct-message/delete-reaction", map[string]any{"msg_id": k.MsgID, "emoji": heart, "user_id": w.b.ID}), 40300, "permission")
	dmDone(t, w.env.KOOK(w.b.Token, "POST", "/direct-message/delete-reaction", map[string]any{"msg_id": k.MsgID, "emoji": heart}))
	if rs := w.dmView(t, w.a, k.MsgID).Reactions; len(rs) != 0 {
		t.Errorf("after delete-reaction: %+v", rs)
	}

	msgFail(t, w.env.KOOK(w.b.Token, "POST", "/direct-message/delete", map[string]any{"msg_id": k.MsgID}), 40300, "permission")
	if got := len(w.dmList(t, w.a, map[string]string{})); got != 3 {
		t.Errorf("bob's refused delete left %d messages, want 3", got)
	}
	dmDone(t, w.env.KOOK(w.a.Token, "POST", "/direct-message/delete", map[string]any{"msg_id": k.MsgID}))
	if got := strings.Join(msgContents(w.dmList(t, w.b, map[string]string{})), ","); got != "plain,quoted" {
		t.Errorf("after delete bob lists %q", got)
	}
}

// A direct chat between alice and bob is invisible to carol.
func TestDirectMessageInvisibleToOthers(t *testing.T) {
	w := newDMWorld(t)
	const secret = "the secret"
	sent := w.dmSend(t, w.a, map[string]any{"type": 9, "content": secret})
	const heart = "[#10084;]"
	dmDone(t, w.env.KOOK(w.b.Token, "POST", "/direct-message/add-reaction", map[string]any{"msg_id": sent.MsgID, "emoji": heart}))
	calls := []struct {
		name, method, path string
		params             any
	}{
		{"list", "GET", "/direct-message/list", map[string]string{"chat_code": w.code}},
		{"view", "GET", "/direct-message/view", map[string]string{"msg_id": sent.MsgID}},
		{"view with the code", "GET", "/direct-message/view", map[string]string{"msg_id": sent.MsgID, "chat_code": w.code}},
		{"reaction-list", "GET", "/direct-message/reaction-list", map[string]string{"msg_id": sent.MsgID, "emoji": heart}},
		{"create", "POST", "/direct-message/create", map[string]any{"chat_code": w.code, "content": "intruder"}},
		{"update", "POST", "/direct-message/update", map[string]any{"msg_id": sent.MsgID, "content": "defaced"}},
		{"delete", "POST", "/direct-message/delete", map[string]any{"msg_id": sent.MsgID}},
		{"add-reaction", "POST", "/direct-message/add-reaction", map[string]any{"msg_id": sent.MsgID, "emoji": "[#128077;]"}},
		{"delete-reaction", "POST", "/direct-message/delete-reaction", map[string]any{"msg_id": sent.MsgID, "emoji": heart, "user_id": w.b.ID}},
		{"message/view", "GET", "/message/view", map[string]string{"msg_id": sent.MsgID}},
		{"message/list by chat id", "GET", "/message/list", map[string]string{"target_id": strconv.FormatInt(w.chatID, 10)}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			r := w.env.KOOK(w.c.Token, c.method, c.path, c.params)
			if r.Code != 40400 || r.Status != 404 {
				t.Fatalf("carol got status %d code %d, want 40400: %s", r.Status, r.Code, r.Body)
			}
			if strings.Contains(string(r.Body), secret) || strings.Contains(string(r.Body), w.b.ID) {
				t.Errorf("the answer leaks the chat: %s", r.Body)
			}
		})
	}
	v := w.dmView(t, w.a, sent.MsgID)
	if got := w.dmList(t, w.a, map[string]string{}); len(got) != 1 || v.Content != secret || v.UpdatedAt != 0 ||
		len(v.Reactions) != 1 || v.Reactions[0].Count != 1 {
		t.Errorf("after carol's calls: %d messages, %+v", len(got), v)
	}
}

// Channel messages are not reachable through direct-message/*, direct
// messages not through message/*, and a direct chat is no message/* target.
func TestMessageKindsDoNotCross(t *testing.T) {
	w := newDMWorld(t)
	w.env.AddMember(w.guild, w.a.ID)
	inChannel := w.send(t, w.a.Token, map[string]any{"content": "channel message"})
	direct := w.dmSend(t, w.a, map[string]any{"type": 9, "content": "direct message"})
	chatID := strconv.FormatInt(w.chatID, 10)
	calls := []struct {
		name, method, path string
		params             any
		object             string
	}{
		{"dm view of a channel message", "GET", "/direct-message/view", map[string]string{"msg_id": inChannel.MsgID}, "message"},
		{"dm update of a channel message", "POST", "/direct-message/update", map[string]any{"msg_id": inChannel.MsgID, "content": "x"}, "message"},
		{"dm delete of a channel message", "POST", "/direct-message/delete", map[string]any{"msg_id": inChannel.MsgID}, "message"},
		{"dm reaction-list of a channel message", "GET", "/direct-message/reaction-list", map[string]string{"msg_id": inChannel.MsgID, "emoji": "[#1;]"}, "message"},
		{"dm add-reaction to a channel message", "POST", "/direct-message/add-reaction", map[string]any{"msg_id": inChannel.MsgID, "emoji": "[#1;]"}, "message"},
		{"dm delete-reaction of a channel message", "POST", "/direct-message/delete-reaction", map[string]any{"msg_id": inChannel.MsgID, "emoji": "[#1;]"}, "message"},
		{"view of a direct message", "GET", "/message/view", map[string]string{"msg_id": direct.MsgID}, "message"},
		{"update of a direct message", "POST", "/message/update", map[string]any{"msg_id": direct.MsgID, "content": "x"}, "message"},
		{"delete of a direct message", "POST", "/message/delete", map[string]any{"msg_id": direct.MsgID}, "message"},
		{"reaction-list of a direct message", "GET", "/message/reaction-list", map[string]string{"msg_id": direct.MsgID, "emoji": "[#1;]"}, "message"},
		{"add-reaction to a direct message", "POST", "/message/add-reaction", map[string]any{"msg_id": direct.MsgID, "emoji": "[#1;]"}, "message"},
		{"delete-reaction of a direct message", "POST", "/message/delete-reaction", map[string]any{"msg_id": direct.MsgID, "emoji": "[#1;]"}, "message"},
		{"list of a direct chat", "GET", "/message/list", map[string]string{"target_id": chatID}, "channel"},
		{"create in a direct chat", "POST", "/message/create", map[string]any{"target_id": chatID, "content": "x"}, "channel"},
		{"pin in a direct chat", "POST", "/message/pin", map[string]any{"target_id": chatID, "msg_id": direct.MsgID}, "channel"},
		{"pin a direct message in a channel", "POST", "/message/pin", map[string]any{"target_id": w.channel, "msg_id": direct.MsgID}, "message"},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			msgFail(t, w.env.KOOK(w.a.Token, c.method, c.path, c.params), 40400, c.object)
		})
	}
	if v := w.view(t, w.a.Token, inChannel.MsgID); v.Content != "channel message" || len(v.Reactions) != 0 {
		t.Errorf("channel message changed: %+v", v)
	}
	got := w.dmList(t, w.a, map[string]string{})
	if len(got) != 1 || got[0].Content != "direct message" || len(got[0].Reactions) != 0 {
		t.Errorf("direct chat changed: %q", msgContents(got))
	}
}
