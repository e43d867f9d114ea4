package kook_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/testenv"
)

// keys lists an object's keys, sorted.
func keys(m obj) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sortedKeys(s ...string) []string { slices.Sort(s); return s }

// dKeys are the fields of every event's d (reference §1.7, seed 002).
var dKeys = sortedKeys("channel_type", "type", "target_id", "author_id", "content", "extra", "msg_id",
	"msg_timestamp", "nonce", "verify_token")

// The body fields of each system event, exactly as seed 002 and KOOK's
// DM and member event pages show them.
var bodyKeys = map[string][]string{
	"added_reaction":   sortedKeys("channel_id", "channel_type", "emoji", "user_id", "msg_id"),
	"deleted_reaction": sortedKeys("channel_id", "channel_type", "emoji", "user_id", "msg_id"),
	"updated_message": sortedKeys("channel_id", "content", "mention", "mention_all", "mention_here", "mention_roles",
		"updated_at", "msg_id", "channel_type"),
	"deleted_message": sortedKeys("channel_id", "msg_id", "channel_type"),
	"added_channel": sortedKeys("id", "name", "user_id", "guild_id", "is_category", "parent_id", "level", "slow_mode",
		"topic", "type", "permission_overwrites", "permission_users", "permission_sync"),
	"updated_channel": sortedKeys("id", "name", "user_id", "guild_id", "is_category", "parent_id", "level", "slow_mode",
		"topic", "type", "permission_overwrites", "permission_users", "permission_sync"),
	"deleted_channel":          sortedKeys("id", "deleted_at", "type"),
	"pinned_message":           sortedKeys("channel_id", "operator_id", "msg_id", "channel_type"),
	"unpinned_message":         sortedKeys("channel_id", "operator_id", "msg_id", "channel_type"),
	"updated_private_message":  sortedKeys("author_id", "target_id", "msg_id", "content", "updated_at", "chat_code"),
	"deleted_private_message":  sortedKeys("chat_code", "msg_id", "author_id", "target_id", "deleted_at"),
	"private_added_reaction":   sortedKeys("emoji", "user_id", "chat_code", "msg_id"),
	"private_deleted_reaction": sortedKeys("emoji", "user_id", "chat_code", "msg_id"),
	"joined_guild":             sortedKeys("user_id", "joined_at"),
	"exited_guild":             sortedKeys("user_id", "exited_at"),
}

// system reads the next event, checks it is the system event name with
// KOOK's framing and body fields, and returns its body.
func system(t *testing.T, c *wsClient, name, channelType, target string) obj {
	t.Helper()
	var d obj
	c.event(&d)
	if got := keys(d); !reflect.DeepEqual(got, dKeys) {
		t.Fatalf("%s: d has %v, want %v", name, got, dKeys)
	}
	extra, _ := d["extra"].(obj)
	body, _ := extra["body"].(obj)
	if extra["type"] != name || d["type"] != 255.0 || d["author_id"] != "1" || d["content"] != "[系统消息]" ||
		d["channel_type"] != channelType || d["target_id"] != target || d["nonce"] != "" || d["verify_token"] != "" {
		t.Fatalf("%s: d = %v", name, d)
	}
	if !uuidRE.MatchString(d["msg_id"].(string)) || d["msg_timestamp"].(float64) < 1e12 {
		t.Fatalf("%s: msg_id %v, msg_timestamp %v", name, d["msg_id"], d["msg_timestamp"])
	}
	if got := keys(body); !reflect.DeepEqual(got, bodyKeys[name]) {
		t.Fatalf("%s: body has %v, want %v", name, got, bodyKeys[name])
	}
	return body
}

func want(t *testing.T, what string, got, wantV any) {
	t.Helper()
	if !reflect.DeepEqual(got, wantV) {
		t.Fatalf("%s = %#v, want %#v", what, got, wantV)
	}
}

func TestGatewayEventShapes(t *testing.T) {
	env := testenv.New(t)
	owner := env.CreateUser("owner", true)
	member := env.CreateUser("member", true)
	outsider := env.CreateUser("outsider", true)
	guild, channel := env.CreateGuild("g", owner.ID)
	env.AddMember(guild, member.ID)
	role := env.CreateRole(guild, "mods", 0)
	env.AddMember(guild, member.ID, role)

	mc, _ := hello(t, env, member.Token)
	oc, _ := hello(t, env, outsider.Token)
	ownc, _ := hello(t, env, owner.Token)
	call := func(token, path string, p map[string]any) json.RawMessage {
		t.Helper()
		return msgOK(t, env.KOOK(token, "POST", path, p))
	}

	t.Run("channel text message", func(t *testing.T) {
		id := sendText(t, env, owner.Token, channel, "hello", map[string]any{"nonce": "n-1"})
		var d obj
		f := mc.event(&d)
		if !strings.HasPrefix(string(f.Raw), `{"s":0,"d":{`) {
			t.Fatalf("frame %s", f.Raw)
		}
		want(t, "d keys", keys(d), dKeys)
		for k, v := range (obj{"channel_type": "GROUP", "type": 1.0, "target_id": channel, "author_id": owner.ID,
			"content": "hello", "msg_id": id, "nonce": "n-1", "verify_token": ""}) {
			want(t, "d."+k, d[k], v)
		}
		x := d["extra"].(obj)
		want(t, "extra keys", keys(x), sortedKeys("type", "guild_id", "channel_name", "mention", "mention_all",
			"mention_roles", "mention_here", "nav_channels", "code", "author", "kmarkdown", "channel_type"))
		for k, v := range (obj{"type": 1.0, "guild_id": guild, "code": "", "channel_type": 1.0, "mention": []any{},
			"mention_roles": []any{}, "mention_all": false, "mention_here": false, "nav_channels": []any{}}) {
			want(t, "extra."+k, x[k], v)
		}
		km := x["kmarkdown"].(obj)
		want(t, "kmarkdown", km, obj{"raw_content": "hello", "mention": []any{}, "mention_part": []any{},
			"mention_role_part": []any{}, "item_part": []any{}})
		a := x["author"].(obj)
		want(t, "author.id", a["id"], owner.ID)
		want(t, "author.roles", a["roles"], []any{})
		if ts := d["msg_timestamp"].(float64); ts < 1e12 {
			t.Fatalf("msg_timestamp %v is not in ms", ts)
		}
		ownc.event(nil) // the author's own session sees it too
	})

	t.Run("KMarkdown with mentions and a quote", func(t *testing.T) {
		var first obj
		q := sendText(t, env, member.Token, channel, "first")
		mc.event(&first)
		ownc.event(nil)
		content := fmt.Sprintf("hi (met)%s(met) and (rol)%d(rol) (met)all(met)", member.ID, role)
		id := sendText(t, env, owner.Token, channel, content, map[string]any{"type": 9, "quote": q})
		var d obj
		mc.event(&d)
		ownc.event(nil)
		want(t, "msg_id", d["msg_id"], id)
		x := d["extra"].(obj)
		want(t, "mention", x["mention"], []any{member.ID})
		want(t, "mention_roles", x["mention_roles"], []any{float64(role)})
		want(t, "mention_all", x["mention_all"], true)
		quote := x["quote"].(obj)
		want(t, "quote.id", quote["id"], q)
		want(t, "quote.author.id", quote["author"].(obj)["id"], member.ID)
		km := x["kmarkdown"].(obj)
		want(t, "raw_content", km["raw_content"], "hi @member and @mods @全体成员")
		mp := km["mention_part"].([]any)
		if len(mp) != 1 || mp[0].(obj)["id"] != member.ID || mp[0].(obj)["username"] != "member" {
			t.Fatalf("mention_part %v", mp)
		}
		rp := km["mention_role_part"].([]any)
		if len(rp) != 1 || rp[0].(obj)["role_id"] != float64(role) {
			t.Fatalf("mention_role_part %v", rp)
		}
		// The member's own message: its author carries its roles, as ints.
		want(t, "author roles", first["extra"].(obj)["author"].(obj)["roles"], []any{float64(role)})
	})

	var lastMsg string
	t.Run("channel system events", func(t *testing.T) {
		id := sendText(t, env, member.Token, channel, "target")
		mc.event(nil)
		ownc.event(nil)
		lastMsg = id
		steps := []struct {
			path   string
			p      map[string]any
			name   string
			checks obj
		}{
			{"/message/add-reaction", obj{"msg_id": id, "emoji": "[#128226;]"}, "added_reaction",
				obj{"channel_id": channel, "channel_type": 1.0, "user_id": owner.ID, "msg_id": id,
					"emoji": obj{"id": "[#128226;]", "name": "[#128226;]"}}},
			{"/message/delete-reaction", obj{"msg_id": id, "emoji": "[#128226;]"}, "deleted_reaction",
				obj{"channel_id": channel, "user_id": owner.ID, "msg_id": id}},
			{"/message/pin", obj{"msg_id": id, "target_id": channel}, "pinned_message",
				obj{"channel_id": channel, "operator_id": owner.ID, "msg_id": id, "channel_type": 1.0}},
			{"/message/unpin", obj{"msg_id": id, "target_id": channel}, "unpinned_message",
				obj{"channel_id": channel, "operator_id": owner.ID, "msg_id": id, "channel_type": 1.0}},
		}
		for _, s := range steps {
			call(owner.Token, s.path, s.p)
			body := system(t, mc, s.name, "GROUP", guild)
			for k, v := range s.checks {
				want(t, s.name+"."+k, body[k], v)
			}
			ownc.event(nil)
		}
		// updated_message: the member edits its KMarkdown message.
		kid := sendText(t, env, member.Token, channel, "draft", map[string]any{"type": 9})
		mc.event(nil)
		ownc.event(nil)
		call(member.Token, "/message/update", obj{"msg_id": kid, "content": "final (met)" + owner.ID + "(met)"})
		body := system(t, mc, "updated_message", "GROUP", guild)
		want(t, "content", body["content"], "final (met)"+owner.ID+"(met)")
		want(t, "mention", body["mention"], []any{owner.ID})
		want(t, "msg_id", body["msg_id"], kid)
		ownc.event(nil)
		call(member.Token, "/message/delete", obj{"msg_id": kid})
		body = system(t, mc, "deleted_message", "GROUP", guild)
		want(t, "deleted", body, obj{"channel_id": channel, "msg_id": kid, "channel_type": 1.0})
		ownc.event(nil)

		var ch struct{ ID string }
		decode(t, call(owner.Token, "/channel/create", obj{"guild_id": guild, "name": "news"}), &ch)
		body = system(t, mc, "added_channel", "GROUP", guild)
		for k, v := range (obj{"id": ch.ID, "name": "news", "guild_id": guild, "user_id": owner.ID, "is_category": 0.0,
			"type": 1.0, "topic": "", "permission_sync": 1.0, "permission_users": []any{},
			"permission_overwrites": []any{obj{"role_id": 0.0, "allow": 0.0, "deny": 0.0}}}) {
			want(t, "added_channel."+k, body[k], v)
		}
		ownc.event(nil)
		call(owner.Token, "/channel/update", obj{"channel_id": ch.ID, "name": "news2"})
		body = system(t, mc, "updated_channel", "GROUP", guild)
		want(t, "updated name", body["name"], "news2")
		ownc.event(nil)
		call(owner.Token, "/channel/delete", obj{"channel_id": ch.ID})
		body = system(t, mc, "deleted_channel", "GROUP", guild)
		want(t, "deleted id", body["id"], ch.ID)
		want(t, "deleted type", body["type"], 1.0)
		ownc.event(nil)
	})

	t.Run("direct messages", func(t *testing.T) {
		var sent struct {
			MsgID string `json:"msg_id"`
		}
		decode(t, call(owner.Token, "/direct-message/create", obj{"target_id": member.ID, "content": "psst", "type": 9,
			"nonce": "dm-1"}), &sent)
		var d obj
		mc.event(&d)
		for k, v := range (obj{"channel_type": "PERSON", "type": 9.0, "target_id": member.ID, "author_id": owner.ID,
			"content": "psst", "msg_id": sent.MsgID, "nonce": "dm-1", "verify_token": ""}) {
			want(t, "dm d."+k, d[k], v)
		}
		x := d["extra"].(obj)
		code, _ := x["code"].(string)
		if len(code) != 32 {
			t.Fatalf("extra.code %q, want the 32-hex chat code", code)
		}
		want(t, "dm kmarkdown.raw_content", x["kmarkdown"].(obj)["raw_content"], "psst")
		want(t, "dm author", x["author"].(obj)["id"], owner.ID)
		var own obj
		ownc.event(&own)
		want(t, "dm target for the sender's session", own["target_id"], member.ID)

		id := sent.MsgID
		both := func(name string, checks obj) {
			t.Helper()
			for _, c := range []struct {
				c    *wsClient
				user string
			}{{mc, member.ID}, {ownc, owner.ID}} {
				body := system(t, c.c, name, "PERSON", c.user)
				want(t, name+".chat_code", body["chat_code"], code)
				for k, v := range checks {
					want(t, name+"."+k, body[k], v)
				}
			}
		}
		call(member.Token, "/direct-message/add-reaction", obj{"msg_id": id, "emoji": "[#128512;]"})
		both("private_added_reaction", obj{"user_id": member.ID, "msg_id": id,
			"emoji": obj{"id": "[#128512;]", "name": "[#128512;]"}})
		call(member.Token, "/direct-message/delete-reaction", obj{"msg_id": id, "emoji": "[#128512;]"})
		both("private_deleted_reaction", obj{"user_id": member.ID, "msg_id": id})
		call(owner.Token, "/direct-message/update", obj{"msg_id": id, "content": "edited"})
		both("updated_private_message", obj{"author_id": owner.ID, "target_id": member.ID, "msg_id": id,
			"content": "edited"})
		call(owner.Token, "/direct-message/delete", obj{"msg_id": id})
		both("deleted_private_message", obj{"author_id": owner.ID, "target_id": member.ID, "msg_id": id})
	})

	t.Run("joined_guild", func(t *testing.T) {
		newbie := env.CreateUser("newbie", true)
		env.AddMember(guild, newbie.ID)
		for _, c := range []*wsClient{mc, ownc} {
			body := system(t, c, "joined_guild", "GROUP", guild)
			want(t, "joined user", body["user_id"], newbie.ID)
			if body["joined_at"].(float64) < 1e12 {
				t.Fatalf("joined_at %v", body["joined_at"])
			}
		}
	})

	t.Run("exited_guild", func(t *testing.T) {
		kicked := env.CreateUser("kicked", true)
		env.AddMember(guild, kicked.ID)
		for _, c := range []*wsClient{mc, ownc} {
			system(t, c, "joined_guild", "GROUP", guild)
		}
		call(owner.Token, "/guild/kickout", obj{"guild_id": guild, "target_id": kicked.ID})
		for _, c := range []*wsClient{mc, ownc} {
			body := system(t, c, "exited_guild", "GROUP", guild)
			want(t, "exited user", body["user_id"], kicked.ID)
			if body["exited_at"].(float64) < 1e12 {
				t.Fatalf("exited_at %v", body["exited_at"])
			}
		}
	})

	t.Run("visibility", func(t *testing.T) {
		// The outsider is in no guild and no DM: after all of the above it
		// has received nothing. A DM it is not part of stays away too.
		_ = lastMsg
		oc.quiet(300 * time.Millisecond)
	})
}
