package lanying_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/chatd/chatd/internal/testenv"
)

func TestAppsAreIsolated(t *testing.T) {
	env := testenv.New(t)
	a, b := newApp(t, env, "a"), newApp(t, env, "b")
	alice, ac := a.user(t, "alice", "")
	bob, bc := b.user(t, "bob", "")
	send := map[string]any{"type": 1, "targets": []int64{bob}, "content_type": 0, "content": "x"}
	ac.do("POST", "/message/send", send).code(t, "send across apps", 10000)
	ac.do("GET", "/message/conversation?opposite_id="+s(bob), nil).code(t, "history across apps", 10000)
	// A token of app A presented to app B is invalid; an unknown app is 40000.
	ac.with("app_id", b.id).do("GET", "/message/unread", nil).code(t, "token of another app", 10008)
	ac.with("app_id", "999").do("GET", "/message/unread", nil).code(t, "unknown app", 40000)
	// A's admin cannot act as B's user.
	a.adminC.with("user_id", s(bob)).do("GET", "/message/unread", nil).code(t, "admin of another app", 10000)
	// Groups of B are not found from A.
	var g struct {
		GroupID json.Number `json:"group_id"`
	}
	bc.do("POST", "/group/create", map[string]any{"name": "bees", "user_list": []int64{}}).ok(t, "group/create", &g)
	ac.do("GET", "/group/member_list?group_id="+g.GroupID.String(), nil).code(t, "member_list across apps", 20001)
	ac.do("POST", "/message/send", map[string]any{"type": 2, "targets": []any{g.GroupID}, "content_type": 0, "content": "x"}).
		code(t, "group send across apps", 20001)
	_ = alice

	// KOOK: a default-app user sees nothing of app-A users.
	kookUser := env.CreateUser("kooker", false)
	status, body := env.Admin("POST", "/users", map[string]any{"username": "a-kook", "app_id": a.id})
	if status != http.StatusCreated {
		t.Fatalf("admin user in app: %d %s", status, body)
	}
	var inA struct{ ID, Token string }
	_ = json.Unmarshal(body, &inA)
	if r := env.KOOK(kookUser.Token, "GET", "/user/view", map[string]string{"user_id": inA.ID}); r.Code == 0 {
		t.Errorf("KOOK user/view across apps: %s", r.Body)
	}
	if r := env.KOOK(kookUser.Token, "POST", "/direct-message/create", map[string]any{"target_id": inA.ID, "content": "x"}); r.Code == 0 {
		t.Errorf("KOOK direct message across apps: %s", r.Body)
	}
	if r := env.KOOK(inA.Token, "GET", "/user/view", map[string]string{"user_id": kookUser.ID}); r.Code == 0 {
		t.Errorf("KOOK user/view from an app user into the default app: %s", r.Body)
	}
	// Guild membership across apps is refused.
	guildID, _ := env.CreateGuild("g", kookUser.ID)
	if st, _ := env.Admin("POST", "/guilds/"+guildID+"/members", map[string]any{"user_id": inA.ID}); st < 400 {
		t.Errorf("guild member across apps: status %d", st)
	}
}

func TestMalformedRequests(t *testing.T) {
	env := testenv.New(t)
	a := newApp(t, env, "a")
	_, ac := a.user(t, "alice", "")
	bob, bc := a.user(t, "bob", "")
	cases := []struct {
		name string
		body string
		code int
	}{
		{"not json", `{`, 10002},
		{"targets as string", `{"type":1,"targets":"x","content_type":0,"content":"x"}`, 10002},
		{"type as string", `{"type":"1","targets":[` + s(bob) + `],"content_type":0,"content":"x"}`, 10002},
		{"float id", `{"type":1,"targets":[1.5],"content_type":0,"content":"x"}`, 10002},
		{"bad type", `{"type":3,"targets":[` + s(bob) + `],"content_type":0,"content":"x"}`, 10002},
		{"bad content_type", `{"type":1,"targets":[` + s(bob) + `],"content_type":8,"content":"x"}`, 10002},
		{"empty content", `{"type":1,"targets":[` + s(bob) + `],"content_type":0,"content":""}`, 10002},
		{"missing targets", `{"type":1,"content_type":0,"content":"x"}`, 10002},
		{"unknown target", `{"type":1,"targets":[` + s(bob) + `,42],"content_type":0,"content":"x"}`, 10000},
		{"trailing data", `{"type":1,"targets":[` + s(bob) + `],"content_type":0,"content":"x"} {}`, 10002},
	}
	for _, tc := range cases {
		ac.do("POST", "/message/send", tc.body).code(t, tc.name, tc.code)
	}
	if h := bc.history(t, ac.self, ""); len(h.Messages) != 0 {
		t.Errorf("malformed sends stored %d messages", len(h.Messages))
	}
	noTok := ac
	noTok.token = ""
	noTok.do("GET", "/message/unread", nil).code(t, "missing token", 10003)
	bad := ac
	bad.token = "nope"
	bad.do("GET", "/message/unread", nil).code(t, "invalid token", 10008)
	ac.with("user_id", s(bob)).do("GET", "/message/unread", nil).code(t, "user_id with a user token", 10010)
	ac.do("POST", "/message/notify", map[string]any{"type": 1, "targets": []int64{bob}, "content_type": 0, "content": "x"}).
		code(t, "notify with a user token", 10010)
}

func TestGroupsNotifyAndAdmin(t *testing.T) {
	env := testenv.New(t)
	a := newApp(t, env, "a")
	alice, ac := a.user(t, "alice", "")
	bob, bc := a.user(t, "bob", "")
	var g struct {
		GroupID json.Number `json:"group_id"`
		OwnerID json.Number `json:"owner_id"`
	}
	ac.do("POST", "/group/create", map[string]any{"name": "team", "type": 0, "user_list": []int64{}}).ok(t, "create", &g)
	gid, _ := g.GroupID.Int64()
	var inv []struct {
		UserID json.Number `json:"user_id"`
		Result string      `json:"result"`
	}
	ac.do("POST", "/group/invite", map[string]any{"group_id": gid, "user_list": []int64{bob, 42}}).ok(t, "invite", &inv)
	if len(inv) != 2 || inv[0].Result != "success" || inv[1].Result != "fail" {
		t.Errorf("invite: %+v", inv)
	}
	var members []struct {
		UserID json.Number `json:"user_id"`
	}
	bc.do("GET", "/group/member_list?group_id="+s(gid), nil).ok(t, "member_list", &members)
	if len(members) != 2 {
		t.Errorf("members: %+v", members)
	}
	// The admin token sends as alice into the group, and notifies bob.
	a.adminC.do("POST", "/message/send", map[string]any{"type": 2, "from_user_id": alice, "targets": []int64{gid},
		"content_type": 0, "content": "from admin"}).ok(t, "admin send", nil)
	a.adminC.do("POST", "/message/notify", map[string]any{"type": 1, "targets": []int64{bob}, "content_type": 0,
		"content": "system says"}).ok(t, "notify", nil)
	a.adminC.do("POST", "/message/notify", map[string]any{"type": 2, "targets": []int64{gid}, "content_type": 0,
		"content": "to the group"}).ok(t, "notify group", nil)
	if u := bc.unread(t); u[s(gid)] != 2 || len(u) != 2 {
		t.Errorf("bob's unread: %v", u)
	}
	h := a.adminC.with("group_id", s(gid)).history(t, gid, "")
	if len(h.Messages) != 2 || h.Messages[1].Content != "from admin" {
		t.Errorf("group history as group admin: %+v", h.Messages)
	}
	ac.do("DELETE", "/group/leave?group_id="+s(gid), nil).code(t, "owner leaves", 20004)
	bc.do("DELETE", "/group/leave?group_id="+s(gid), nil).ok(t, "leave", nil)
	bc.do("GET", "/group/member_list?group_id="+s(gid), nil).code(t, "member_list after leaving", 20001)
}

// A username is taken within its app only: another app's name tells
// nothing, the same app's is refused with 10004.
func TestUsernamesPerApp(t *testing.T) {
	env := testenv.New(t)
	a, b := newApp(t, env, "a"), newApp(t, env, "b")
	inA, _ := a.user(t, "carol", "")
	inB, _ := b.user(t, "carol", "")
	if inA == inB {
		t.Fatalf("two apps' carol are one user %d", inA)
	}
	c := client{t: t, env: env, appID: a.id}
	c.do("POST", "/user/register/v2", map[string]string{"username": "carol", "password": "secret-pw"}).
		code(t, "register a name taken in the same app", 10004)
}
