package kook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/testenv"
)

// dataOf checks that r is a KOOK success and decodes its data.
func dataOf[T any](t *testing.T, r testenv.Reply) T {
	t.Helper()
	var v T
	if r.Status != http.StatusOK || r.Code != 0 {
		t.Fatalf("want success, got HTTP %d code %d: %s", r.Status, r.Code, r.Body)
	}
	if !strings.HasPrefix(r.ContentType, "application/json") {
		t.Fatalf("Content-Type %q, want application/json", r.ContentType)
	}
	if r.Message != "操作成功" {
		t.Errorf("message %q, want 操作成功", r.Message)
	}
	if err := json.Unmarshal(r.Data, &v); err != nil {
		t.Fatalf("decode data %s: %v", r.Data, err)
	}
	return v
}

// failsWith checks that r is a KOOK error with code (and the HTTP status
// chatd pairs with it) naming field (40000) or object (40400).
func failsWith(t *testing.T, r testenv.Reply, code int, name string) {
	t.Helper()
	status := map[int]int{401: 401, 40000: 400, 40300: 403, 40400: 404}[code]
	if r.Status != status || r.Code != code {
		t.Fatalf("want HTTP %d code %d, got HTTP %d code %d: %s", status, code, r.Status, r.Code, r.Body)
	}
	if !strings.HasPrefix(r.ContentType, "application/json") {
		t.Errorf("Content-Type %q, want application/json", r.ContentType)
	}
	var data map[string]any
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatalf("error data %s: %v", r.Data, err)
	}
	switch code {
	case 40000:
		if data["field"] != name || !strings.HasPrefix(r.Message, name+":") {
			t.Errorf("error names %v (%q), want field %q", data["field"], r.Message, name)
		}
	case 40400:
		if data["object"] != name {
			t.Errorf("error names object %v (%q), want %q", data["object"], r.Message, name)
		}
	}
}

// sameJSON checks that got holds exactly want: the same keys, the same
// values, nothing more.
func sameJSON(t *testing.T, got json.RawMessage, want any) {
	t.Helper()
	raw, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("decode %s: %v", got, err)
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("got  %s\nwant %s", got, raw)
	}
}

// obj is a JSON object in an expectation.
type obj = map[string]any

// identifyNum is the discriminator KOOK shows after a name, derived from the id.
func identifyNum(t *testing.T, id string) string {
	t.Helper()
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		t.Fatalf("id %q is not numeric", id)
	}
	return strconv.FormatInt(n%9000+1000, 10)
}

// coreUser is u as the core knows it, to act through the Service directly.
func coreUser(t *testing.T, env *testenv.Env, u testenv.User) chat.User {
	t.Helper()
	cu, err := env.Service.Authenticate(context.Background(), u.Token)
	if err != nil {
		t.Fatalf("authenticate %s: %v", u.Username, err)
	}
	return cu
}

func parseID(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("id %q: %v", s, err)
	}
	return n
}

// plainUser is the User object of a user seen outside any guild.
func plainUser(t *testing.T, u testenv.User, bot, online bool) obj {
	o := obj{"id": u.ID, "username": u.Username, "nickname": u.Username, "identify_num": identifyNum(t, u.ID),
		"online": online, "os": "Websocket", "bot": bot, "status": 1, "avatar": "", "vip_avatar": "", "banner": "",
		"is_vip": false, "mobile_verified": false, "roles": []int{}}
	if bot {
		o["tag_info"] = obj{"color": "#0096FF", "bg_color": "#0096FF33", "text": "机器人"}
	}
	return o
}

func TestAuthentication(t *testing.T) {
	env := testenv.New(t)
	bot := env.CreateUser("authbot", true)
	paths := []struct{ method, path string }{
		{"GET", "/user/me"}, {"GET", "/user/get-online-status"}, {"POST", "/user/offline"},
		{"GET", "/guild/list"}, {"GET", "/user-chat/list"}, {"POST", "/channel/create"},
	}
	badAuth := []string{"", "Bot ", "Bot wrong-token", "Bearer wrong-token", "Token " + bot.Token, "Basic " + bot.Token}
	for _, p := range paths {
		for _, auth := range badAuth {
			r := env.Raw(p.method, p.path, auth, "{}")
			failsWith(t, r, 401, "")
			sameJSON(t, r.Data, obj{"name": "Unauthorized", "status": 401})
		}
	}
	for _, scheme := range []string{"Bot ", "Bearer ", "bot "} {
		me := dataOf[obj](t, env.Raw("GET", "/user/me", scheme+bot.Token, ""))
		if me["id"] != bot.ID {
			t.Errorf("%q: user/me is %v, want %s", scheme, me["id"], bot.ID)
		}
	}
}

func TestUserMe(t *testing.T) {
	env := testenv.New(t)
	bot := env.CreateUser("mebot", true)
	person := env.CreateUser("alice", false)

	want := plainUser(t, bot, true, false)
	for k, v := range (obj{"vip_amp": false, "bot_status": 0, "is_sys": false, "client_id": bot.ID, "verified": false,
		"mobile_prefix": "86", "mobile": "", "invited_count": 0,
		"tag_info": obj{"color": "#0096FF", "bg_color": "#0096FF33", "text": "机器人"}}) {
		want[k] = v
	}
	sameJSON(t, env.KOOK(bot.Token, "GET", "/user/me", nil).Data, want)

	// Online, a bot's status says so.
	dataOf[obj](t, env.KOOK(bot.Token, "POST", "/user/online", nil))
	want["online"], want["bot_status"] = true, 1
	sameJSON(t, env.KOOK(bot.Token, "GET", "/user/me", nil).Data, want)

	want = plainUser(t, person, false, false)
	for k, v := range (obj{"vip_amp": false, "bot_status": 0, "is_sys": false, "client_id": person.ID, "verified": false,
		"mobile_prefix": "86", "mobile": "", "invited_count": 0,
		"tag_info": obj{"color": "", "bg_color": "", "text": ""}}) {
		want[k] = v
	}
	sameJSON(t, env.KOOK(person.Token, "GET", "/user/me", nil).Data, want)
}

func TestUserOnlineOffline(t *testing.T) {
	env := testenv.New(t)
	bot := env.CreateUser("presence", true)
	other := env.CreateUser("watcher", false)
	status := func(online bool, os ...string) {
		t.Helper()
		if os == nil {
			os = []string{}
		}
		sameJSON(t, env.KOOK(bot.Token, "GET", "/user/get-online-status", nil).Data, obj{"online": online, "online_os": os})
		seen := dataOf[obj](t, env.KOOK(other.Token, "GET", "/user/view", map[string]string{"user_id": bot.ID}))
		if seen["online"] != online {
			t.Errorf("another user sees online=%v, want %v", seen["online"], online)
		}
	}
	status(false)
	// kasumi.js goes offline before it connects: that must succeed even
	// when the bot is not online.
	r := env.KOOK(bot.Token, "POST", "/user/offline", nil)
	sameJSON(t, dataOf[json.RawMessage](t, r), obj{})
	status(false)
	sameJSON(t, dataOf[json.RawMessage](t, env.KOOK(bot.Token, "POST", "/user/online", nil)), obj{})
	status(true, "Websocket")
	if !env.Service.Online(parseID(t, bot.ID)) {
		t.Error("user/online did not set the core's presence")
	}
	sameJSON(t, dataOf[json.RawMessage](t, env.KOOK(bot.Token, "POST", "/user/offline", nil)), obj{})
	status(false)
	if env.Service.Online(parseID(t, bot.ID)) {
		t.Error("user/offline did not clear the core's presence")
	}
}

func TestUserView(t *testing.T) {
	env := testenv.New(t)
	owner := env.CreateUser("owner", false)
	member := env.CreateUser("member", true)
	outsider := env.CreateUser("outsider", false)
	guildID, _ := env.CreateGuild("home", owner.ID)
	mod := env.CreateRole(guildID, "mod", 1<<5)
	env.AddMember(guildID, member.ID, mod)

	// Without a guild: the plain user, seen by anyone.
	sameJSON(t, env.KOOK(outsider.Token, "GET", "/user/view", map[string]string{"user_id": member.ID}).Data,
		plainUser(t, member, true, false))

	// In a guild: its roles there, and when it joined.
	r := env.KOOK(owner.Token, "GET", "/user/view", map[string]string{"user_id": member.ID, "guild_id": guildID})
	got := dataOf[obj](t, r)
	joined, _ := got["joined_at"].(float64)
	if joined <= 0 {
		t.Fatalf("joined_at = %v, want a time in ms", got["joined_at"])
	}
	want := plainUser(t, member, true, false)
	want["roles"], want["joined_at"], want["active_time"] = []int{mod}, int64(joined), int64(joined)
	sameJSON(t, r.Data, want)

	// A user who is not a member of the guild shows no roles there.
	r = env.KOOK(owner.Token, "GET", "/user/view", map[string]string{"user_id": outsider.ID, "guild_id": guildID})
	sameJSON(t, r.Data, plainUser(t, outsider, false, false))

	// A guild the caller is not in is not found, whoever is asked about.
	for _, who := range []string{member.ID, outsider.ID} {
		r = env.KOOK(outsider.Token, "GET", "/user/view", map[string]string{"user_id": who, "guild_id": guildID})
		failsWith(t, r, 40400, "guild")
	}

	cases := []struct {
		name   string
		params map[string]string
		code   int
		field  string
	}{
		{"no user_id", map[string]string{}, 40000, "user_id"},
		{"empty user_id", map[string]string{"user_id": ""}, 40000, "user_id"},
		{"user_id not numeric", map[string]string{"user_id": "bob"}, 40000, "user_id"},
		{"guild_id not numeric", map[string]string{"user_id": member.ID, "guild_id": "x1"}, 40000, "guild_id"},
		{"unknown user", map[string]string{"user_id": "12345"}, 40400, "user"},
		{"unknown guild", map[string]string{"user_id": member.ID, "guild_id": "12345"}, 40400, "guild"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			failsWith(t, env.KOOK(owner.Token, "GET", "/user/view", c.params), c.code, c.field)
		})
	}
}
