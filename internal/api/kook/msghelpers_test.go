package kook_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/testenv"
)

// msgWorld is a guild with an owner (who holds every permission), a
// role-less member, and an outsider who belongs to no guild.
type msgWorld struct {
	env                     *testenv.Env
	owner, member, outsider testenv.User
	guild, channel          string
}

func newMsgWorld(t testing.TB) *msgWorld {
	t.Helper()
	env := testenv.New(t)
	w := &msgWorld{env: env, owner: env.CreateUser("owner", true), member: env.CreateUser("member", true),
		outsider: env.CreateUser("outsider", false)}
	w.guild, w.channel = env.CreateGuild("guild", w.owner.ID)
	env.AddMember(w.guild, w.member.ID)
	return w
}

// msgOK checks a success envelope and returns its data.
func msgOK(t testing.TB, r testenv.Reply) json.RawMessage {
	t.Helper()
	if r.Status != http.StatusOK || r.Code != 0 || r.Message != "操作成功" {
		t.Fatalf("want success, got status %d code %d message %q: %s", r.Status, r.Code, r.Message, r.Body)
	}
	if !strings.HasPrefix(r.ContentType, "application/json") {
		t.Fatalf("Content-Type %q, want application/json", r.ContentType)
	}
	return r.Data
}

// msgFail checks an error envelope: its code, the HTTP status that goes
// with it, and that the message names want (a field or an object).
func msgFail(t testing.TB, r testenv.Reply, code int, want string) {
	t.Helper()
	status := map[int]int{40000: 400, 40300: 403, 40400: 404}[code]
	if r.Code != code || r.Status != status {
		t.Fatalf("want code %d (HTTP %d), got status %d code %d: %s", code, status, r.Status, r.Code, r.Body)
	}
	if !strings.HasPrefix(r.ContentType, "application/json") {
		t.Fatalf("Content-Type %q, want application/json", r.ContentType)
	}
	if !strings.Contains(r.Message, want) {
		t.Fatalf("message %q does not name %q", r.Message, want)
	}
}

func msgDecode[T any](t testing.TB, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

// msgKeys checks that a JSON object has exactly the keys want.
func msgKeys(t testing.TB, what string, raw json.RawMessage, want ...string) {
	t.Helper()
	obj := msgDecode[map[string]json.RawMessage](t, raw)
	got := make([]string, 0, len(obj))
	for k := range obj {
		got = append(got, k)
	}
	sort.Strings(got)
	want = slices.Clone(want)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s has keys %v, want %v: %s", what, got, want, raw)
	}
}

// channelMessageKeys are the fields of a message object (seed 001);
// direct messages add author_id (seed 000).
var channelMessageKeys = []string{"id", "type", "content", "mention", "mention_all", "mention_roles",
	"mention_here", "embeds", "attachments", "create_at", "updated_at", "reactions", "author", "image_name",
	"read_status", "quote", "mention_info"}

var directMessageKeys = append(slices.Clone(channelMessageKeys), "author_id")

// msgJSON is a message object as a client decodes it.
type msgJSON struct {
	ID           string   `json:"id"`
	Type         int      `json:"type"`
	Content      string   `json:"content"`
	Mention      []string `json:"mention"`
	MentionAll   bool     `json:"mention_all"`
	MentionRoles []int    `json:"mention_roles"`
	MentionHere  bool     `json:"mention_here"`
	Embeds       []any    `json:"embeds"`
	Attachments  *struct {
		Type string `json:"type"`
		URL  string `json:"url"`
		Name string `json:"name"`
		Size int64  `json:"size"`
	} `json:"attachments"`
	CreateAt  int64 `json:"create_at"`
	UpdatedAt int64 `json:"updated_at"`
	Reactions []struct {
		Emoji struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"emoji"`
		Count int  `json:"count"`
		Me    bool `json:"me"`
	} `json:"reactions"`
	AuthorID    string      `json:"author_id"`
	Author      msgUserJSON `json:"author"`
	ImageName   *string     `json:"image_name"`
	ReadStatus  bool        `json:"read_status"`
	Quote       *msgQuote   `json:"quote"`
	MentionInfo *struct {
		MentionPart []struct {
			ID       string `json:"id"`
			Username string `json:"username"`
			FullName string `json:"full_name"`
			Avatar   string `json:"avatar"`
		} `json:"mention_part"`
		MentionRolePart []struct {
			RoleID      int    `json:"role_id"`
			Name        string `json:"name"`
			Permissions uint64 `json:"permissions"`
		} `json:"mention_role_part"`
	} `json:"mention_info"`
}

type msgUserJSON struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	Nickname    string `json:"nickname"`
	IdentifyNum string `json:"identify_num"`
	Bot         bool   `json:"bot"`
	Roles       []int  `json:"roles"`
}

type msgQuote struct {
	ID       string      `json:"id"`
	Type     int         `json:"type"`
	Content  string      `json:"content"`
	CreateAt int64       `json:"create_at"`
	Author   msgUserJSON `json:"author"`
}

type msgSent struct {
	MsgID        string `json:"msg_id"`
	MsgTimestamp int64  `json:"msg_timestamp"`
	Nonce        string `json:"nonce"`
}

// send posts message/create and returns the new message's id.
func (w *msgWorld) send(t testing.TB, token string, params map[string]any) msgSent {
	t.Helper()
	if _, ok := params["target_id"]; !ok {
		params["target_id"] = w.channel
	}
	return msgDecode[msgSent](t, msgOK(t, w.env.KOOK(token, "POST", "/message/create", params)))
}

// list returns message/list of the world's channel.
func (w *msgWorld) list(t testing.TB, token string, query map[string]string) []msgJSON {
	t.Helper()
	if query == nil {
		query = map[string]string{}
	}
	if _, ok := query["target_id"]; !ok {
		query["target_id"] = w.channel
	}
	return msgDecode[struct{ Items []msgJSON }](t, msgOK(t, w.env.KOOK(token, "GET", "/message/list", query))).Items
}

func (w *msgWorld) view(t testing.TB, token, id string) msgJSON {
	t.Helper()
	return msgDecode[msgJSON](t, msgOK(t, w.env.KOOK(token, "GET", "/message/view", map[string]string{"msg_id": id})))
}

// msgContents lists the contents of msgs in order.
func msgContents(msgs []msgJSON) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Content
	}
	return out
}

func msgFind(msgs []msgJSON, id string) (msgJSON, bool) {
	for _, m := range msgs {
		if m.ID == id {
			return m, true
		}
	}
	return msgJSON{}, false
}
