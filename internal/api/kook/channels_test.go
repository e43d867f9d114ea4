package kook_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/testenv"
)

// channelGuild is a guild with an owner, a plain member and an outsider.
type channelGuild struct {
	env                     *testenv.Env
	owner, member, outsider testenv.User
	guildID, defaultChannel string
}

func newChannelGuild(t *testing.T) channelGuild {
	env := testenv.New(t)
	g := channelGuild{env: env, owner: env.CreateUser("owner", true), member: env.CreateUser("member", false),
		outsider: env.CreateUser("outsider", false)}
	g.guildID, g.defaultChannel = env.CreateGuild("home", g.owner.ID)
	env.AddMember(g.guildID, g.member.ID)
	return g
}

// create makes a channel as the owner and returns its Channel object.
func (g channelGuild) create(t *testing.T, params obj) obj {
	t.Helper()
	params["guild_id"] = g.guildID
	return dataOf[obj](t, g.env.KOOK(g.owner.Token, "POST", "/channel/create", params))
}

// ids lists every channel the owner sees, in guild/view's order.
func (g channelGuild) ids(t *testing.T) []string {
	t.Helper()
	v := dataOf[struct {
		Channels []struct{ ID string } `json:"channels"`
	}](t, g.env.KOOK(g.owner.Token, "GET", "/guild/view", map[string]string{"guild_id": g.guildID}))
	var out []string
	for _, c := range v.Channels {
		out = append(out, c.ID)
	}
	return out
}

func (g channelGuild) view(t *testing.T, id string) json.RawMessage {
	t.Helper()
	r := g.env.KOOK(g.owner.Token, "GET", "/channel/view", map[string]string{"target_id": id})
	dataOf[obj](t, r)
	return r.Data
}

func TestChannelListPages(t *testing.T) {
	g := newChannelGuild(t)
	text := []string{g.defaultChannel}
	for _, name := range []string{"a", "b", "c", "d", "e", "f"} {
		text = append(text, g.create(t, obj{"name": name})["id"].(string))
	}
	voice := g.create(t, obj{"name": "talk", "type": 2})["id"].(string)

	var seen []string
	for page, items := range map[int]int{1: 3, 2: 3, 3: 1} {
		r := g.env.KOOK(g.member.Token, "GET", "/channel/list",
			map[string]string{"guild_id": g.guildID, "page_size": "3", "page": strconv.Itoa(page)})
		p := dataOf[pageOf[obj]](t, r)
		checkMeta(t, p, page, 3, 3, 7, items)
		for _, it := range p.Items {
			seen = append(seen, it["id"].(string))
		}
	}
	if got := strings.Join(sorted(seen), ","); got != strings.Join(sorted(text), ",") {
		t.Errorf("pages hold %v, want the 7 text channels %v", seen, text)
	}
	p := dataOf[pageOf[obj]](t, g.env.KOOK(g.member.Token, "GET", "/channel/list",
		map[string]string{"guild_id": g.guildID, "page_size": "3", "page": "4"}))
	checkMeta(t, p, 4, 3, 3, 7, 0)

	// Voice channels are listed with type=2 only.
	r := g.env.KOOK(g.member.Token, "GET", "/channel/list", map[string]string{"guild_id": g.guildID, "type": "2"})
	sameJSON(t, r.Data, obj{"items": []obj{{"id": voice, "user_id": g.owner.ID, "parent_id": "", "name": "talk",
		"type": 2, "level": 0, "limit_amount": 0, "is_category": false}},
		"meta": obj{"page": 1, "page_total": 1, "page_size": 50, "total": 1}, "sort": obj{}})
}

func TestChannelListFilters(t *testing.T) {
	g := newChannelGuild(t)
	cat := g.create(t, obj{"name": "group", "is_category": 1})["id"].(string)
	inText := g.create(t, obj{"name": "inner", "parent_id": cat})["id"].(string)
	inVoice := g.create(t, obj{"name": "room", "parent_id": cat, "type": 2})["id"].(string)
	g.create(t, obj{"name": "outer"})

	list := func(params map[string]string) []obj {
		t.Helper()
		params["guild_id"] = g.guildID
		return dataOf[pageOf[obj]](t, g.env.KOOK(g.member.Token, "GET", "/channel/list", params)).Items
	}
	item := func(id, name, parent string, typ int, category bool) obj {
		return obj{"id": id, "user_id": g.owner.ID, "parent_id": parent, "name": name, "type": typ, "level": 0,
			"limit_amount": 0, "is_category": category}
	}
	check := func(got []obj, want ...obj) {
		t.Helper()
		raw, _ := json.Marshal(got)
		if want == nil {
			want = []obj{}
		}
		sameJSON(t, raw, want)
	}
	check(list(map[string]string{"parent_id": cat}), item(inText, "inner", cat, 1, false))
	check(list(map[string]string{"parent_id": cat, "type": "2"}), item(inVoice, "room", cat, 2, false))
	// Categories group channels of every type, so each listing shows them.
	for _, typ := range []string{"1", "2"} {
		var cats []obj
		for _, it := range list(map[string]string{"type": typ}) {
			if it["is_category"] == true {
				cats = append(cats, it)
			}
		}
		check(cats, item(cat, "group", "", 0, true))
	}
	if n := len(list(map[string]string{"parent_id": "0"})); n != 4 {
		t.Errorf("parent_id=0 lists %d channels, want all 4 text channels and categories", n)
	}

	for _, c := range []struct {
		params map[string]string
		field  string
	}{
		{map[string]string{}, "guild_id"},
		{map[string]string{"guild_id": "x"}, "guild_id"},
		{map[string]string{"guild_id": g.guildID, "type": "3"}, "type"},
		{map[string]string{"guild_id": g.guildID, "type": "voice"}, "type"},
		{map[string]string{"guild_id": g.guildID, "parent_id": "abc"}, "parent_id"},
		{map[string]string{"guild_id": g.guildID, "page": "x"}, "page"},
	} {
		failsWith(t, g.env.KOOK(g.member.Token, "GET", "/channel/list", c.params), 40000, c.field)
	}
	failsWith(t, g.env.KOOK(g.outsider.Token, "GET", "/channel/list", map[string]string{"guild_id": g.guildID}), 40400, "guild")
	failsWith(t, g.env.KOOK(g.member.Token, "GET", "/channel/list", map[string]string{"guild_id": "424242"}), 40400, "guild")
}

func TestChannelView(t *testing.T) {
	g := newChannelGuild(t)
	cat := g.create(t, obj{"name": "group", "is_category": 1})["id"].(string)
	a := g.create(t, obj{"name": "a", "parent_id": cat})["id"].(string)
	b := g.create(t, obj{"name": "b", "parent_id": cat, "type": 2})["id"].(string)

	r := g.env.KOOK(g.member.Token, "GET", "/channel/view", map[string]string{"target_id": g.defaultChannel})
	sameJSON(t, r.Data, channelObj(g.defaultChannel, g.guildID, g.owner.ID, "general", "", 1, false))
	r = g.env.KOOK(g.member.Token, "GET", "/channel/view", map[string]string{"target_id": a})
	sameJSON(t, r.Data, channelObj(a, g.guildID, g.owner.ID, "a", cat, 1, false))

	r = g.env.KOOK(g.member.Token, "GET", "/channel/view", map[string]string{"target_id": cat})
	sameJSON(t, r.Data, channelObj(cat, g.guildID, g.owner.ID, "group", "", 0, true))
	for _, yes := range []string{"true", "1"} {
		r = g.env.KOOK(g.member.Token, "GET", "/channel/view", map[string]string{"target_id": cat, "need_children": yes})
		sameJSON(t, r.Data, channelObj(cat, g.guildID, g.owner.ID, "group", "", 0, true, a, b))
	}

	// A channel the caller may not see and one that does not exist look the same.
	hidden := g.env.KOOK(g.outsider.Token, "GET", "/channel/view", map[string]string{"target_id": a})
	failsWith(t, hidden, 40400, "channel")
	missing := g.env.KOOK(g.outsider.Token, "GET", "/channel/view", map[string]string{"target_id": "31337"})
	failsWith(t, missing, 40400, "channel")
	if string(hidden.Body) != string(missing.Body) {
		t.Errorf("hidden and missing channels differ: %s vs %s", hidden.Body, missing.Body)
	}
	failsWith(t, g.env.KOOK(g.member.Token, "GET", "/channel/view", nil), 40000, "target_id")
	failsWith(t, g.env.KOOK(g.member.Token, "GET", "/channel/view", map[string]string{"target_id": "#a"}), 40000, "target_id")
	failsWith(t, g.env.KOOK(g.member.Token, "GET", "/channel/view",
		map[string]string{"target_id": a, "need_children": "maybe"}), 40000, "need_children")
}

func TestChannelCreate(t *testing.T) {
	g := newChannelGuild(t)
	cat := g.create(t, obj{"name": "group", "is_category": true})
	sameJSON(t, mustJSON(t, cat), channelObj(cat["id"].(string), g.guildID, g.owner.ID, "group", "", 0, true))
	catID := cat["id"].(string)

	cases := []struct {
		name   string
		params obj
		want   func(id string) obj
	}{
		{"text by default", obj{"name": "  chat  "}, func(id string) obj {
			return channelObj(id, g.guildID, g.owner.ID, "chat", "", 1, false)
		}},
		{"voice in a category, with voice settings", obj{"name": "talk", "type": 2, "parent_id": catID,
			"limit_amount": 99, "voice_quality": "3"}, func(id string) obj {
			return channelObj(id, g.guildID, g.owner.ID, "talk", catID, 2, false)
		}},
		{"numbers as strings, parent 0", obj{"name": "s", "type": "1", "parent_id": "0", "is_category": "0"},
			func(id string) obj { return channelObj(id, g.guildID, g.owner.ID, "s", "", 1, false) }},
		{"name of 100 characters", obj{"name": strings.Repeat("名", 100)}, func(id string) obj {
			return channelObj(id, g.guildID, g.owner.ID, strings.Repeat("名", 100), "", 1, false)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := g.create(t, c.params)
			id, _ := got["id"].(string)
			want := c.want(id)
			sameJSON(t, mustJSON(t, got), want)
			// Stored: it reads back the same.
			sameJSON(t, g.view(t, id), want)
		})
	}
}

func TestChannelCreateRejects(t *testing.T) {
	g := newChannelGuild(t)
	cat := g.create(t, obj{"name": "group", "is_category": 1})["id"].(string)
	before := g.ids(t)
	body := func(extra string) string { return `{"guild_id":"` + g.guildID + `"` + extra + `}` }
	cases := []struct {
		name, body, field string
	}{
		{"malformed JSON", `{"guild_id":`, "body"},
		{"not an object", `["x"]`, "body"},
		{"no guild_id", `{"name":"x"}`, "guild_id"},
		{"guild_id not numeric", `{"guild_id":"home","name":"x"}`, "guild_id"},
		{"guild_id an object", `{"guild_id":{},"name":"x"}`, "guild_id"},
		{"no name", body(``), "name"},
		{"empty name", body(`,"name":""`), "name"},
		{"blank name", body(`,"name":"   "`), "name"},
		{"name of 101 characters", body(`,"name":"` + strings.Repeat("x", 101) + `"`), "name"},
		{"name not a string", body(`,"name":["x"]`), "name"},
		{"type 3", body(`,"name":"x","type":3`), "type"},
		{"type not a number", body(`,"name":"x","type":"text"`), "type"},
		{"type a boolean", body(`,"name":"x","type":true`), "type"},
		{"limit_amount 100", body(`,"name":"x","type":2,"limit_amount":100`), "limit_amount"},
		{"limit_amount negative", body(`,"name":"x","type":2,"limit_amount":-1`), "limit_amount"},
		{"voice_quality 4", body(`,"name":"x","type":2,"voice_quality":"4"`), "voice_quality"},
		{"is_category 2", body(`,"name":"x","is_category":2`), "is_category"},
		{"parent_id unknown", body(`,"name":"x","parent_id":"777"`), "parent_id"},
		{"parent_id not a category", body(`,"name":"x","parent_id":"` + g.defaultChannel + `"`), "parent_id"},
		{"parent_id not numeric", body(`,"name":"x","parent_id":"top"`), "parent_id"},
		{"category in a category", body(`,"name":"x","is_category":1,"parent_id":"` + cat + `"`), "parent_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			failsWith(t, g.env.Raw("POST", "/channel/create", "Bot "+g.owner.Token, c.body), 40000, c.field)
		})
	}
	failsWith(t, g.env.KOOK(g.owner.Token, "POST", "/channel/create", obj{"guild_id": "555", "name": "x"}), 40400, "guild")
	failsWith(t, g.env.KOOK(g.outsider.Token, "POST", "/channel/create", obj{"guild_id": g.guildID, "name": "x"}), 40400, "guild")
	if after := g.ids(t); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("rejected creates changed the channels: %v, was %v", after, before)
	}
}

func TestChannelUpdate(t *testing.T) {
	g := newChannelGuild(t)
	cat := g.create(t, obj{"name": "group", "is_category": 1})["id"].(string)
	id := g.create(t, obj{"name": "old"})["id"].(string)
	update := func(params obj) testenv.Reply {
		params["channel_id"] = id
		return g.env.KOOK(g.owner.Token, "POST", "/channel/update", params)
	}

	want := channelObj(id, g.guildID, g.owner.ID, "new", cat, 1, false)
	want["topic"], want["level"], want["slow_mode"] = "about things", 3, 5000
	r := update(obj{"name": "new", "topic": "about things", "level": 3, "slow_mode": 5000, "parent_id": cat,
		"limit_amount": 10, "voice_quality": "1", "password": "1234"})
	sameJSON(t, dataOf[json.RawMessage](t, r), want)
	sameJSON(t, g.view(t, id), want)

	// Fields not given stay; parent_id "0" moves the channel out.
	want["parent_id"] = ""
	sameJSON(t, dataOf[json.RawMessage](t, update(obj{"parent_id": "0"})), want)
	sameJSON(t, g.view(t, id), want)
	want["topic"], want["slow_mode"] = "", 0
	sameJSON(t, dataOf[json.RawMessage](t, update(obj{"topic": "", "slow_mode": "0"})), want)

	cases := []struct {
		name   string
		params obj
		field  string
	}{
		{"empty name", obj{"name": ""}, "name"},
		{"name of 101 characters", obj{"name": strings.Repeat("x", 101)}, "name"},
		{"name an object", obj{"name": obj{}}, "name"},
		{"slow_mode not allowed", obj{"slow_mode": 4000}, "slow_mode"},
		{"slow_mode not a number", obj{"slow_mode": "fast"}, "slow_mode"},
		{"level not a number", obj{"level": "top"}, "level"},
		{"parent_id unknown", obj{"parent_id": "999"}, "parent_id"},
		{"parent_id not a category", obj{"parent_id": g.defaultChannel}, "parent_id"},
		{"limit_amount 100", obj{"limit_amount": 100}, "limit_amount"},
		{"voice_quality 0", obj{"voice_quality": "0"}, "voice_quality"},
		{"password too long", obj{"password": "1234567890123"}, "password"},
		// A bad field fails the whole update, good fields included.
		{"good name, bad slow mode", obj{"name": "changed", "slow_mode": 1}, "slow_mode"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			failsWith(t, update(c.params), 40000, c.field)
			sameJSON(t, g.view(t, id), want)
		})
	}
	failsWith(t, g.env.KOOK(g.owner.Token, "POST", "/channel/update", obj{"name": "x"}), 40000, "channel_id")
	failsWith(t, g.env.KOOK(g.owner.Token, "POST", "/channel/update", obj{"channel_id": "4040", "name": "x"}), 40400, "channel")
	failsWith(t, g.env.KOOK(g.outsider.Token, "POST", "/channel/update", obj{"channel_id": id, "name": "x"}), 40400, "channel")
	failsWith(t, g.env.Raw("POST", "/channel/update", "Bot "+g.owner.Token, `{"channel_id":"`+id+`","name":"x"`), 40000, "body")
	sameJSON(t, g.view(t, id), want)
}

func TestChannelDelete(t *testing.T) {
	g := newChannelGuild(t)
	id := g.create(t, obj{"name": "doomed"})["id"].(string)
	sameJSON(t, dataOf[json.RawMessage](t, g.env.KOOK(g.owner.Token, "POST", "/channel/delete", obj{"channel_id": id})), obj{})
	failsWith(t, g.env.KOOK(g.owner.Token, "GET", "/channel/view", map[string]string{"target_id": id}), 40400, "channel")
	if ids := g.ids(t); len(ids) != 1 || ids[0] != g.defaultChannel {
		t.Errorf("channels after delete: %v, want only the default one", ids)
	}
	failsWith(t, g.env.KOOK(g.owner.Token, "POST", "/channel/delete", obj{"channel_id": id}), 40400, "channel")
	failsWith(t, g.env.KOOK(g.owner.Token, "POST", "/channel/delete", obj{"channel_id": g.defaultChannel}), 40000, "channel_id")
	failsWith(t, g.env.KOOK(g.owner.Token, "POST", "/channel/delete", obj{}), 40000, "channel_id")
	failsWith(t, g.env.KOOK(g.owner.Token, "POST", "/channel/delete", obj{"channel_id": true}), 40000, "channel_id")
	dataOf[obj](t, g.env.KOOK(g.owner.Token, "GET", "/channel/view", map[string]string{"target_id": g.defaultChannel}))
}

func TestChannelManagePermission(t *testing.T) {
	g := newChannelGuild(t)
	id := g.create(t, obj{"name": "keep"})["id"].(string)
	before := g.ids(t)
	original := g.view(t, id)

	// A member without manage-channels may look but not touch.
	failsWith(t, g.env.KOOK(g.member.Token, "POST", "/channel/create", obj{"guild_id": g.guildID, "name": "mine"}), 40300, "")
	failsWith(t, g.env.KOOK(g.member.Token, "POST", "/channel/update", obj{"channel_id": id, "name": "mine"}), 40300, "")
	failsWith(t, g.env.KOOK(g.member.Token, "POST", "/channel/delete", obj{"channel_id": id}), 40300, "")
	if after := g.ids(t); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("forbidden calls changed the channels: %v, was %v", after, before)
	}
	sameJSON(t, g.view(t, id), mustRaw(t, original))

	// An outsider does not even see the guild.
	failsWith(t, g.env.KOOK(g.outsider.Token, "POST", "/channel/delete", obj{"channel_id": id}), 40400, "channel")

	// A role with the bit (1<<5) and nothing else is enough.
	mod := g.env.CreateRole(g.guildID, "channel keeper", 1<<5)
	g.env.AddMember(g.guildID, g.member.ID, mod)
	made := dataOf[obj](t, g.env.KOOK(g.member.Token, "POST", "/channel/create", obj{"guild_id": g.guildID, "name": "mine"}))
	if made["user_id"] != g.member.ID || made["name"] != "mine" {
		t.Errorf("created %v, want mine by the member", made)
	}
	upd := dataOf[obj](t, g.env.KOOK(g.member.Token, "POST", "/channel/update", obj{"channel_id": id, "name": "renamed"}))
	if upd["name"] != "renamed" {
		t.Errorf("updated name %v, want renamed", upd["name"])
	}
	dataOf[obj](t, g.env.KOOK(g.member.Token, "POST", "/channel/delete", obj{"channel_id": id}))
	failsWith(t, g.env.KOOK(g.owner.Token, "GET", "/channel/view", map[string]string{"target_id": id}), 40400, "channel")
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// mustRaw turns a JSON document back into a value sameJSON can compare with.
func mustRaw(t *testing.T, raw json.RawMessage) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
