package kook_test

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/testenv"
)

// session is a user-chat session as KOOK shows it.
type session struct {
	Code            string `json:"code"`
	LastReadTime    int64  `json:"last_read_time"`
	LatestMsgTime   int64  `json:"latest_msg_time"`
	UnreadCount     int    `json:"unread_count"`
	IsFriend        *bool  `json:"is_friend"`
	IsBlocked       *bool  `json:"is_blocked"`
	IsTargetBlocked *bool  `json:"is_target_blocked"`
	TargetInfo      struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Online   bool   `json:"online"`
		Avatar   string `json:"avatar"`
	} `json:"target_info"`
}

var chatCode = regexp.MustCompile(`^[0-9a-f]{32}$`)

// dm sends a direct message from the owner of token into the chat code
// names, through the core.
func dm(t *testing.T, env *testenv.Env, from testenv.User, code, text string) chat.Message {
	t.Helper()
	ctx := context.Background()
	u := coreUser(t, env, from)
	c, err := env.Service.DirectChat(ctx, u, code)
	if err != nil {
		t.Fatalf("direct chat %s: %v", code, err)
	}
	m, err := env.Service.SendMessage(ctx, u, chat.Send{ChatID: c.ID, Type: chat.TypeText, Content: text})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	return m
}

func listSessions(t *testing.T, env *testenv.Env, u testenv.User, params map[string]string) pageOf[session] {
	t.Helper()
	return dataOf[pageOf[session]](t, env.KOOK(u.Token, "GET", "/user-chat/list", params))
}

func TestUserChatCreateAndView(t *testing.T) {
	env := testenv.New(t)
	alice := env.CreateUser("alice", true)
	bob := env.CreateUser("bob", false)
	eve := env.CreateUser("eve", false)
	env.Service.SetOnline(parseID(t, bob.ID), true)

	r := env.KOOK(alice.Token, "POST", "/user-chat/create", obj{"target_id": bob.ID})
	s := dataOf[session](t, r)
	if !chatCode.MatchString(s.Code) {
		t.Fatalf("code %q, want 32 hex", s.Code)
	}
	want := obj{"code": s.Code, "last_read_time": 0, "latest_msg_time": 0, "unread_count": 0, "is_friend": false,
		"is_blocked": false, "is_target_blocked": false,
		"target_info": obj{"id": bob.ID, "username": "bob", "online": true, "avatar": ""}}
	sameJSON(t, r.Data, want)

	// Creating it again, from either side, gives the same chat.
	sameJSON(t, env.KOOK(alice.Token, "POST", "/user-chat/create", obj{"target_id": bob.ID}).Data, want)
	fromBob := dataOf[session](t, env.KOOK(bob.Token, "POST", "/user-chat/create", obj{"target_id": alice.ID}))
	if fromBob.Code != s.Code || fromBob.TargetInfo.ID != alice.ID || fromBob.TargetInfo.Online {
		t.Errorf("bob's side: %+v, want code %s and alice (offline) as target", fromBob, s.Code)
	}
	sameJSON(t, env.KOOK(alice.Token, "GET", "/user-chat/view", map[string]string{"chat_code": s.Code}).Data, want)

	// A message shows in latest_msg_time and, for the reader, as unread.
	m := dm(t, env, alice, s.Code, "hi")
	seen := dataOf[session](t, env.KOOK(bob.Token, "GET", "/user-chat/view", map[string]string{"chat_code": s.Code}))
	if seen.LatestMsgTime != m.CreatedAt.UnixMilli() || seen.UnreadCount != 1 {
		t.Errorf("bob's view after a message: latest %d unread %d, want %d and 1", seen.LatestMsgTime,
			seen.UnreadCount, m.CreatedAt.UnixMilli())
	}
	created := dataOf[session](t, env.KOOK(bob.Token, "POST", "/user-chat/create", obj{"target_id": alice.ID}))
	if created.LatestMsgTime != m.CreatedAt.UnixMilli() || created.UnreadCount != 1 {
		t.Errorf("create of an existing chat: latest %d unread %d, want %d and 1", created.LatestMsgTime,
			created.UnreadCount, m.CreatedAt.UnixMilli())
	}

	// A third user cannot see the pair's chat.
	failsWith(t, env.KOOK(eve.Token, "GET", "/user-chat/view", map[string]string{"chat_code": s.Code}), 40400, "chat")
	failsWith(t, env.KOOK(eve.Token, "POST", "/user-chat/delete", obj{"chat_code": s.Code}), 40400, "chat")
	failsWith(t, env.KOOK(alice.Token, "GET", "/user-chat/view",
		map[string]string{"chat_code": "0123456789abcdef0123456789abcdef"}), 40400, "chat")

	cases := []struct {
		name   string
		params any
		field  string
	}{
		{"no target", obj{}, "target_id"},
		{"empty target", obj{"target_id": ""}, "target_id"},
		{"target not numeric", obj{"target_id": "bob"}, "target_id"},
		{"target an array", obj{"target_id": []string{bob.ID}}, "target_id"},
		{"target unknown", obj{"target_id": "123"}, "target_id"},
		{"target is self", obj{"target_id": eve.ID}, "target_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			failsWith(t, env.KOOK(eve.Token, "POST", "/user-chat/create", c.params), 40000, c.field)
		})
	}
	failsWith(t, env.Raw("POST", "/user-chat/create", "Bearer "+eve.Token, `{"target_id":`), 40000, "body")
	failsWith(t, env.KOOK(eve.Token, "GET", "/user-chat/view", nil), 40000, "chat_code")
	if p := listSessions(t, env, eve, nil); len(p.Items) != 0 {
		t.Errorf("rejected creates left eve with chats: %+v", p.Items)
	}
}

func TestUserChatUnread(t *testing.T) {
	env := testenv.New(t)
	alice := env.CreateUser("alice", false)
	bob := env.CreateUser("bob", true)
	code := dataOf[session](t, env.KOOK(alice.Token, "POST", "/user-chat/create", obj{"target_id": bob.ID})).Code

	unread := func(u testenv.User) session {
		t.Helper()
		p := listSessions(t, env, u, nil)
		if len(p.Items) != 1 || p.Items[0].Code != code {
			t.Fatalf("%s's chats: %+v, want the one chat %s", u.Username, p.Items, code)
		}
		if p.Items[0].IsFriend != nil || p.Items[0].IsBlocked != nil {
			t.Errorf("list rows carry view-only fields: %+v", p.Items[0])
		}
		return p.Items[0]
	}
	if s := unread(alice); s.UnreadCount != 0 || s.LatestMsgTime != 0 || s.TargetInfo.Username != "bob" {
		t.Errorf("fresh chat: %+v", s)
	}
	var last chat.Message
	for i := 1; i <= 3; i++ {
		last = dm(t, env, bob, code, "ping")
		s := unread(alice)
		if s.UnreadCount != i || s.LatestMsgTime != last.CreatedAt.UnixMilli() {
			t.Errorf("after %d messages from bob: unread %d latest %d, want %d and %d", i, s.UnreadCount,
				s.LatestMsgTime, i, last.CreatedAt.UnixMilli())
		}
		if mine := unread(bob); mine.UnreadCount != 0 {
			t.Errorf("bob's own messages count as unread for him: %d", mine.UnreadCount)
		}
	}
	if s := unread(alice); s.LastReadTime != 0 {
		t.Errorf("last_read_time %d before any read, want 0", s.LastReadTime)
	}

	u := coreUser(t, env, alice)
	c, err := env.Service.DirectChat(context.Background(), u, code)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Service.MarkRead(context.Background(), u, c.ID, "", 0); err != nil {
		t.Fatal(err)
	}
	s := unread(alice)
	if s.UnreadCount != 0 || s.LastReadTime < last.CreatedAt.UnixMilli() {
		t.Errorf("after reading: unread %d last_read_time %d, want 0 and at least %d", s.UnreadCount, s.LastReadTime,
			last.CreatedAt.UnixMilli())
	}
	v := dataOf[session](t, env.KOOK(alice.Token, "GET", "/user-chat/view", map[string]string{"chat_code": code}))
	if v.UnreadCount != 0 || v.LastReadTime != s.LastReadTime {
		t.Errorf("view after reading: %+v, want unread 0 and last_read_time %d", v, s.LastReadTime)
	}
	dm(t, env, bob, code, "one more")
	if s := unread(alice); s.UnreadCount != 1 {
		t.Errorf("a message after the read: unread %d, want 1", s.UnreadCount)
	}
}

func TestUserChatListPagesAndOrder(t *testing.T) {
	env := testenv.New(t)
	me := env.CreateUser("me", true)
	var codes []string
	for _, name := range []string{"p1", "p2", "p3"} {
		peer := env.CreateUser(name, false)
		codes = append(codes, dataOf[session](t, env.KOOK(me.Token, "POST", "/user-chat/create",
			obj{"target_id": peer.ID})).Code)
	}
	// The chat with the newest message comes first.
	dm(t, env, me, codes[1], "now")
	p1 := listSessions(t, env, me, map[string]string{"page_size": "2"})
	checkMeta(t, p1, 1, 2, 2, 3, 2)
	p2 := listSessions(t, env, me, map[string]string{"page_size": "2", "page": "2"})
	checkMeta(t, p2, 2, 2, 2, 3, 1)
	if len(p1.Items) == 2 && p1.Items[0].Code != codes[1] {
		t.Errorf("first row %s, want the chat with the newest message %s", p1.Items[0].Code, codes[1])
	}
	got := map[string]bool{}
	for _, s := range append(p1.Items, p2.Items...) {
		got[s.Code] = true
	}
	for _, c := range codes {
		if !got[c] {
			t.Errorf("chat %s is on no page", c)
		}
	}
	failsWith(t, env.KOOK(me.Token, "GET", "/user-chat/list", map[string]string{"page": "one"}), 40000, "page")
}

func TestUserChatDelete(t *testing.T) {
	env := testenv.New(t)
	alice := env.CreateUser("alice", false)
	bob := env.CreateUser("bob", false)
	code := dataOf[session](t, env.KOOK(alice.Token, "POST", "/user-chat/create", obj{"target_id": bob.ID})).Code
	dm(t, env, bob, code, "first")

	r := env.KOOK(alice.Token, "POST", "/user-chat/delete", obj{"chat_code": code})
	sameJSON(t, dataOf[json.RawMessage](t, r), obj{})
	if p := listSessions(t, env, alice, nil); len(p.Items) != 0 || p.Meta.Total != 0 {
		t.Errorf("deleted chat still listed: %+v", p)
	}
	// Only alice's list loses it.
	if p := listSessions(t, env, bob, nil); len(p.Items) != 1 {
		t.Errorf("bob's list: %+v, want the chat", p.Items)
	}
	// The next message brings it back.
	dm(t, env, bob, code, "again")
	p := listSessions(t, env, alice, nil)
	if len(p.Items) != 1 || p.Items[0].Code != code || p.Items[0].UnreadCount != 2 {
		t.Errorf("after a new message: %+v, want the chat back with 2 unread", p.Items)
	}

	failsWith(t, env.KOOK(alice.Token, "POST", "/user-chat/delete", obj{}), 40000, "chat_code")
	failsWith(t, env.KOOK(alice.Token, "POST", "/user-chat/delete", obj{"chat_code": 12}), 40400, "chat")
	failsWith(t, env.KOOK(alice.Token, "POST", "/user-chat/delete",
		obj{"chat_code": "ffffffffffffffffffffffffffffffff"}), 40400, "chat")
	if p := listSessions(t, env, alice, nil); len(p.Items) != 1 {
		t.Errorf("rejected deletes hid the chat: %+v", p.Items)
	}
}
