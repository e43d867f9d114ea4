package kook_test

import (
	"encoding/json"
	"testing"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/testenv"
)

// guildItem is a guild as guild/list shows it to viewer.
func guildItem(id, name, ownerID, defaultChannelID string, viewer testenv.User) obj {
	return obj{"id": id, "name": name, "topic": "", "user_id": ownerID, "is_master": viewer.ID == ownerID,
		"icon": "", "notify_type": 1, "region": "beijing", "enable_open": false, "open_id": "0",
		"default_channel_id": defaultChannelID, "welcome_channel_id": "0", "boost_num": 0, "level": 0}
}

// channelObj is KOOK's Channel object for a channel chatd just created.
func channelObj(id, guildID, creatorID, name, parentID string, typ int, category bool, children ...string) obj {
	if children == nil {
		children = []string{}
	}
	return obj{"id": id, "name": name, "user_id": creatorID, "guild_id": guildID, "topic": "",
		"is_category": category, "parent_id": parentID, "level": 0, "slow_mode": 0, "type": typ,
		"permission_overwrites": []any{}, "permission_users": []any{}, "permission_sync": 1,
		"has_password": false, "limit_amount": 0, "voice_quality": "2", "server_url": "", "children": children}
}

type pageOf[T any] struct {
	Items []T `json:"items"`
	Meta  struct {
		Page      int `json:"page"`
		PageTotal int `json:"page_total"`
		PageSize  int `json:"page_size"`
		Total     int `json:"total"`
	} `json:"meta"`
	Sort map[string]int `json:"sort"`
}

func checkMeta[T any](t *testing.T, p pageOf[T], page, pageTotal, pageSize, total, items int) {
	t.Helper()
	m := p.Meta
	if m.Page != page || m.PageTotal != pageTotal || m.PageSize != pageSize || m.Total != total || len(p.Items) != items {
		t.Errorf("meta %+v with %d items, want page %d page_total %d page_size %d total %d with %d items",
			m, len(p.Items), page, pageTotal, pageSize, total, items)
	}
}

func TestGuildList(t *testing.T) {
	env := testenv.New(t)
	me := env.CreateUser("me", true)
	other := env.CreateUser("other", false)
	mine, mineCh := env.CreateGuild("mine", me.ID)
	g2, g2Ch := env.CreateGuild("second", other.ID)
	env.AddMember(g2, me.ID)
	g3, g3Ch := env.CreateGuild("third", other.ID)
	env.AddMember(g3, me.ID)
	env.CreateGuild("not mine", other.ID)

	want := []obj{guildItem(mine, "mine", me.ID, mineCh, me), guildItem(g2, "second", other.ID, g2Ch, me),
		guildItem(g3, "third", other.ID, g3Ch, me)}
	r := env.KOOK(me.Token, "GET", "/guild/list", nil)
	sameJSON(t, r.Data, obj{"items": want, "meta": obj{"page": 1, "page_total": 1, "page_size": 50, "total": 3},
		"sort": obj{"id": 1}})

	p1 := dataOf[pageOf[json.RawMessage]](t, env.KOOK(me.Token, "GET", "/guild/list",
		map[string]string{"page_size": "2", "sort": "id"}))
	checkMeta(t, p1, 1, 2, 2, 3, 2)
	p2 := dataOf[pageOf[json.RawMessage]](t, env.KOOK(me.Token, "GET", "/guild/list",
		map[string]string{"page_size": "2", "page": "2"}))
	checkMeta(t, p2, 2, 2, 2, 3, 1)
	if len(p1.Items) == 2 && len(p2.Items) == 1 {
		sameJSON(t, p1.Items[0], want[0])
		sameJSON(t, p1.Items[1], want[1])
		sameJSON(t, p2.Items[0], want[2])
	}

	for _, c := range []struct {
		params map[string]string
		field  string
	}{
		{map[string]string{"page": "first"}, "page"},
		{map[string]string{"page_size": "1.5"}, "page_size"},
		{map[string]string{"sort": "name"}, "sort"},
		{map[string]string{"sort": "-id"}, "sort"}, // not supported by the core
	} {
		failsWith(t, env.KOOK(me.Token, "GET", "/guild/list", c.params), 40000, c.field)
	}
}

func TestGuildView(t *testing.T) {
	env := testenv.New(t)
	owner := env.CreateUser("owner", false)
	member := env.CreateUser("member", true)
	outsider := env.CreateUser("outsider", false)
	guildID, general := env.CreateGuild("home", owner.ID)
	mod := env.CreateRole(guildID, "mod", 1<<5)
	env.AddMember(guildID, member.ID)

	r := env.KOOK(member.Token, "GET", "/guild/view", map[string]string{"guild_id": guildID})
	got := dataOf[struct {
		Roles []obj `json:"roles"`
	}](t, r)
	if len(got.Roles) != 2 {
		t.Fatalf("roles %v, want @everyone and mod", got.Roles)
	}
	want := guildItem(guildID, "home", owner.ID, general, member)
	want["features"], want["buffer_boost_num"], want["status"], want["auto_delete_time"] = []string{}, 0, 0, ""
	want["roles"] = []obj{
		{"role_id": 0, "name": "@everyone", "color": 0, "position": got.Roles[0]["position"], "hoist": 0,
			"mentionable": 0, "permissions": uint64(chat.DefaultEveryonePermissions)},
		{"role_id": mod, "name": "mod", "color": 0, "position": got.Roles[1]["position"], "hoist": 0,
			"mentionable": 0, "permissions": 1 << 5},
	}
	want["channels"] = []obj{channelObj(general, guildID, owner.ID, "general", "", 1, false)}
	sameJSON(t, r.Data, want)

	// The owner sees itself as the master, and the channels it adds.
	created := dataOf[obj](t, env.KOOK(owner.Token, "POST", "/channel/create", obj{"guild_id": guildID, "name": "news"}))
	view := dataOf[struct {
		IsMaster bool  `json:"is_master"`
		Channels []obj `json:"channels"`
	}](t, env.KOOK(owner.Token, "GET", "/guild/view", map[string]string{"guild_id": guildID}))
	if !view.IsMaster || len(view.Channels) != 2 || view.Channels[1]["id"] != created["id"] {
		t.Errorf("owner's view: is_master %v, channels %v; want true and general, news", view.IsMaster, view.Channels)
	}

	failsWith(t, env.KOOK(outsider.Token, "GET", "/guild/view", map[string]string{"guild_id": guildID}), 40400, "guild")
	failsWith(t, env.KOOK(owner.Token, "GET", "/guild/view", map[string]string{"guild_id": "98765"}), 40400, "guild")
	failsWith(t, env.KOOK(owner.Token, "GET", "/guild/view", nil), 40000, "guild_id")
	failsWith(t, env.KOOK(owner.Token, "GET", "/guild/view", map[string]string{"guild_id": "home"}), 40000, "guild_id")
}

func TestGuildUserList(t *testing.T) {
	env := testenv.New(t)
	owner := env.CreateUser("owner", false)
	bob := env.CreateUser("bob", true)
	carol := env.CreateUser("carol", false)
	outsider := env.CreateUser("outsider", false)
	guildID, _ := env.CreateGuild("home", owner.ID)
	mod := env.CreateRole(guildID, "mod", 1<<5)
	env.AddMember(guildID, bob.ID, mod)
	env.AddMember(guildID, carol.ID)
	env.Service.SetOnline(parseID(t, bob.ID), true)

	type counted struct {
		pageOf[obj]
		UserCount    int `json:"user_count"`
		OnlineCount  int `json:"online_count"`
		OfflineCount int `json:"offline_count"`
	}
	list := func(params map[string]string) counted {
		t.Helper()
		params["guild_id"] = guildID
		return dataOf[counted](t, env.KOOK(carol.Token, "GET", "/guild/user-list", params))
	}
	memberObj := func(u testenv.User, bot, online bool, roles []int, got obj) obj {
		o := plainUser(t, u, bot, online)
		o["roles"], o["joined_at"], o["active_time"] = roles, got["joined_at"], got["joined_at"]
		if j, _ := got["joined_at"].(float64); j <= 0 {
			t.Errorf("%s: joined_at %v, want a time in ms", u.Username, got["joined_at"])
		}
		return o
	}

	all := list(map[string]string{})
	checkMeta(t, all.pageOf, 1, 1, 50, 3, 3)
	if all.UserCount != 3 || all.OnlineCount != 1 || all.OfflineCount != 2 {
		t.Errorf("counts %d/%d/%d, want user 3, online 1, offline 2", all.UserCount, all.OnlineCount, all.OfflineCount)
	}
	if len(all.Items) == 3 {
		raw, _ := json.Marshal(all.Items)
		sameJSON(t, raw, []obj{memberObj(owner, false, false, []int{}, all.Items[0]),
			memberObj(bob, true, true, []int{mod}, all.Items[1]), memberObj(carol, false, false, []int{}, all.Items[2])})
	}

	p2 := list(map[string]string{"page": "2", "page_size": "2"})
	checkMeta(t, p2.pageOf, 2, 2, 2, 3, 1)
	if len(p2.Items) == 1 && p2.Items[0]["id"] != carol.ID {
		t.Errorf("page 2 holds %v, want carol (join order)", p2.Items[0]["id"])
	}
	if p2.UserCount != 3 || p2.OnlineCount != 1 {
		t.Errorf("page 2 counts %d/%d, want the guild's: 3 users, 1 online", p2.UserCount, p2.OnlineCount)
	}

	one := list(map[string]string{"filter_user_id": bob.ID})
	checkMeta(t, one.pageOf, 1, 1, 50, 1, 1)
	if len(one.Items) != 1 || one.Items[0]["id"] != bob.ID || one.UserCount != 3 || one.OnlineCount != 1 || one.OfflineCount != 0 {
		t.Errorf("filter_user_id=bob: %+v", one)
	}
	none := list(map[string]string{"filter_user_id": outsider.ID})
	checkMeta(t, none.pageOf, 1, 0, 50, 0, 0)

	failsWith(t, env.KOOK(outsider.Token, "GET", "/guild/user-list", map[string]string{"guild_id": guildID}), 40400, "guild")
	failsWith(t, env.KOOK(outsider.Token, "GET", "/guild/user-list",
		map[string]string{"guild_id": guildID, "filter_user_id": bob.ID}), 40400, "guild")
	for _, c := range []struct {
		params map[string]string
		field  string
	}{
		{map[string]string{}, "guild_id"},
		{map[string]string{"guild_id": guildID, "filter_user_id": "bob"}, "filter_user_id"},
		{map[string]string{"guild_id": guildID, "page_size": "many"}, "page_size"},
		// Filters the core cannot apply are refused, never ignored.
		{map[string]string{"guild_id": guildID, "search": "bo"}, "search"},
		{map[string]string{"guild_id": guildID, "role_id": "1"}, "role_id"},
		{map[string]string{"guild_id": guildID, "mobile_verified": "1"}, "mobile_verified"},
		{map[string]string{"guild_id": guildID, "joined_at": "1"}, "joined_at"},
	} {
		failsWith(t, env.KOOK(owner.Token, "GET", "/guild/user-list", c.params), 40000, c.field)
	}
}

func TestGuildLeaveAndKickout(t *testing.T) {
	env := testenv.New(t)
	owner, alice, bob := env.CreateUser("owner", false), env.CreateUser("alice", false), env.CreateUser("bob", false)
	guildID, channelID := env.CreateGuild("home", owner.ID)
	kicker := env.CreateRole(guildID, "kicker", 1<<6)
	env.AddMember(guildID, alice.ID)
	env.AddMember(guildID, bob.ID)
	memberCount := func() int {
		return dataOf[struct {
			UserCount int `json:"user_count"`
		}](t, env.KOOK(owner.Token, "GET", "/guild/user-list", map[string]string{"guild_id": guildID})).UserCount
	}

	refusals := []struct {
		name, token, path string
		params            obj
		code              int
		field             string
	}{
		{"kick without the kick permission", alice.Token, "/guild/kickout", obj{"guild_id": guildID, "target_id": bob.ID}, 40300, ""},
		{"the owner cannot leave", owner.Token, "/guild/leave", obj{"guild_id": guildID}, 40000, "guild_id"},
		{"the owner cannot be kicked", owner.Token, "/guild/kickout", obj{"guild_id": guildID, "target_id": owner.ID}, 40000, "target_id"},
		{"kicking a non-member", owner.Token, "/guild/kickout", obj{"guild_id": guildID, "target_id": owner.ID + "0"}, 40400, "member"},
		{"guild_id missing", alice.Token, "/guild/leave", obj{}, 40000, "guild_id"},
		{"target_id of the wrong type", owner.Token, "/guild/kickout", obj{"guild_id": guildID, "target_id": true}, 40000, "target_id"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			failsWith(t, env.KOOK(tc.token, "POST", tc.path, tc.params), tc.code, tc.field)
			if n := memberCount(); n != 3 {
				t.Fatalf("a refused request changed the member count to %d", n)
			}
		})
	}

	// bob leaves: he no longer sees the guild or its channel.
	dataOf[json.RawMessage](t, env.KOOK(bob.Token, "POST", "/guild/leave", obj{"guild_id": guildID}))
	failsWith(t, env.KOOK(bob.Token, "GET", "/message/list", map[string]string{"target_id": channelID}), 40400, "channel")
	failsWith(t, env.KOOK(bob.Token, "GET", "/guild/view", map[string]string{"guild_id": guildID}), 40400, "guild")
	if gs := dataOf[pageOf[obj]](t, env.KOOK(bob.Token, "GET", "/guild/list", nil)); len(gs.Items) != 0 {
		t.Errorf("bob still lists %d guilds after leaving", len(gs.Items))
	}
	failsWith(t, env.KOOK(bob.Token, "POST", "/guild/leave", obj{"guild_id": guildID}), 40400, "guild")

	// alice, given the kick permission, removes bob, who had come back.
	env.AddMember(guildID, alice.ID, kicker)
	env.AddMember(guildID, bob.ID)
	dataOf[json.RawMessage](t, env.KOOK(alice.Token, "POST", "/guild/kickout", obj{"guild_id": guildID, "target_id": bob.ID}))
	if n := memberCount(); n != 2 {
		t.Errorf("after the kick the guild has %d members, want 2", n)
	}
	failsWith(t, env.KOOK(bob.Token, "GET", "/message/list", map[string]string{"target_id": channelID}), 40400, "channel")
}
