package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/testenv"
)

const prefix = "/api/admin/v1"

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

// decodeError reads an operator API error body.
func decodeError(t *testing.T, resp []byte) apiError {
	t.Helper()
	var body struct {
		Error *apiError `json:"error"`
	}
	if err := json.Unmarshal(resp, &body); err != nil || body.Error == nil {
		t.Fatalf("not an error body: %s (%v)", resp, err)
	}
	if body.Error.Message == "" {
		t.Errorf("error without a message: %s", resp)
	}
	return *body.Error
}

// expectError checks a rejected request's status, code and field.
func expectError(t *testing.T, status int, resp []byte, wantStatus int, wantCode, wantField string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d, want %d: %s", status, wantStatus, resp)
	}
	e := decodeError(t, resp)
	if e.Code != wantCode || e.Field != wantField {
		t.Errorf("error %+v, want code %q field %q", e, wantCode, wantField)
	}
}

func decode[T any](t *testing.T, resp []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(resp, &v); err != nil {
		t.Fatalf("decode %s: %v", resp, err)
	}
	return v
}

func id64(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("id %q: %v", s, err)
	}
	return n
}

func TestHealthNeedsNoToken(t *testing.T) {
	e := testenv.New(t)
	r := e.Raw("GET", prefix+"/health", "", "")
	if r.Status != 200 || strings.TrimSpace(string(r.Body)) != `{"status":"ok"}` {
		t.Errorf("health: %d %s", r.Status, r.Body)
	}
	if !strings.HasPrefix(r.ContentType, "application/json") {
		t.Errorf("content type %q", r.ContentType)
	}
}

func TestOperatorTokenRequired(t *testing.T) {
	e := testenv.New(t)
	owner := e.CreateUser("owner", false)
	guild, _ := e.CreateGuild("g", owner.ID)
	endpoints := []struct{ method, path, body string }{
		{"POST", "/users", `{"username":"eve"}`},
		{"GET", "/users/" + owner.ID, ""},
		{"POST", "/guilds", `{"name":"evil","owner_id":"` + owner.ID + `"}`},
		{"POST", "/guilds/" + guild + "/members", `{"user_id":"` + owner.ID + `","roles":[]}`},
		{"POST", "/guilds/" + guild + "/roles", `{"name":"evil","permissions":1}`},
		{"POST", "/users", `{malformed`}, // authentication comes before parsing
	}
	authorizations := map[string]string{
		"none":             "",
		"wrong token":      "Bearer not-the-token",
		"token prefix":     "Bearer " + e.AdminToken[:len(e.AdminToken)-1],
		"token extended":   "Bearer " + e.AdminToken + "x",
		"wrong scheme":     "Bot " + e.AdminToken,
		"bare token":       e.AdminToken + " ",
		"empty bearer":     "Bearer ",
		"user token":       "Bearer " + owner.Token,
		"token in the way": "Basic " + e.AdminToken,
	}
	for _, ep := range endpoints {
		for name, auth := range authorizations {
			t.Run(ep.method+" "+ep.path+"/"+name, func(t *testing.T) {
				r := e.Raw(ep.method, prefix+ep.path, auth, ep.body)
				expectError(t, r.Status, r.Body, http.StatusUnauthorized, "unauthenticated", "")
			})
		}
	}
	// Nothing the refused requests asked for happened.
	if status, resp := e.Admin("POST", "/users", map[string]any{"username": "eve"}); status != 201 {
		t.Errorf("username eve taken after refused requests: %d %s", status, resp)
	}
	guilds, _, err := e.Service.GuildsOf(context.Background(), chat.User{ID: id64(t, owner.ID)}, chat.Page{})
	if err != nil || len(guilds) != 1 {
		t.Errorf("owner's guilds after refused requests: %v, %v", guilds, err)
	}
	view, err := e.Service.Guild(context.Background(), chat.User{ID: id64(t, owner.ID)}, id64(t, guild))
	if err != nil || len(view.Roles) != 1 {
		t.Errorf("roles after refused requests: %+v, %v", view.Roles, err)
	}
}

type userJSON struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Nickname string `json:"nickname"`
	Bot      bool   `json:"bot"`
	Token    string `json:"token"`
}

func TestCreateAndGetUser(t *testing.T) {
	e := testenv.New(t)
	tests := []struct {
		name string
		body string
		want userJSON
	}{
		{"person", `{"username":"alice","nickname":"Alice"}`, userJSON{Username: "alice", Nickname: "Alice"}},
		{"bot", `{"username":"robo","bot":true}`, userJSON{Username: "robo", Bot: true}},
		{"trimmed", `{"username":"  carol  ","bot":false,"nickname":""}`, userJSON{Username: "carol"}},
		{"unicode", `{"username":"张三"}`, userJSON{Username: "张三"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, resp := e.Admin("POST", "/users", tc.body)
			if status != http.StatusCreated {
				t.Fatalf("status %d: %s", status, resp)
			}
			got := decode[userJSON](t, resp)
			// Ids are strings: they exceed 2^53.
			raw := decode[map[string]any](t, resp)
			if _, ok := raw["id"].(string); !ok {
				t.Errorf("id is not a JSON string: %s", resp)
			}
			if id := id64(t, got.ID); id <= 1<<53 {
				t.Errorf("id %d is not above 2^53", id)
			}
			if got.Token == "" {
				t.Error("no token returned")
			}
			u, err := e.Service.Authenticate(context.Background(), got.Token)
			if err != nil || strconv.FormatInt(u.ID, 10) != got.ID {
				t.Errorf("the returned token does not authenticate the user: %+v %v", u, err)
			}
			want := tc.want
			want.ID, want.Token = got.ID, got.Token
			if got != want {
				t.Errorf("created %+v, want %+v", got, want)
			}

			status, resp = e.Admin("GET", "/users/"+got.ID, nil)
			if status != 200 {
				t.Fatalf("get: %d %s", status, resp)
			}
			if _, ok := decode[map[string]any](t, resp)["token"]; ok {
				t.Errorf("get returned the token: %s", resp)
			}
			want.Token = ""
			if fetched := decode[userJSON](t, resp); fetched != want {
				t.Errorf("fetched %+v, want %+v", fetched, want)
			}
		})
	}
}

func TestGetUserRejected(t *testing.T) {
	e := testenv.New(t)
	tests := []struct {
		path   string
		status int
		code   string
		field  string
	}{
		{"/users/123456789012345678", 404, "not_found", ""},
		{"/users/abc", 400, "invalid_argument", "id"},
		{"/users/0", 400, "invalid_argument", "id"},
		{"/users/-5", 400, "invalid_argument", "id"},
		{"/users/99999999999999999999", 400, "invalid_argument", "id"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			status, resp := e.Admin("GET", tc.path, nil)
			expectError(t, status, resp, tc.status, tc.code, tc.field)
		})
	}
}

func TestCreateUserRejected(t *testing.T) {
	e := testenv.New(t)
	e.CreateUser("taken", false)
	tests := []struct {
		name  string
		body  string
		field string
		// free is a username the request carried that must still be free.
		free string
	}{
		{"malformed", `{"username":"u1"`, "", "u1"},
		{"empty body", ``, "", ""},
		{"null", `null`, "", ""},
		{"array", `[{"username":"u2"}]`, "", "u2"},
		{"trailing data", `{"username":"u3"} {}`, "", "u3"},
		{"username a number", `{"username":5}`, "username", ""},
		{"bot a string", `{"username":"u4","bot":"yes"}`, "bot", "u4"},
		{"nickname a number", `{"username":"u5","nickname":7}`, "nickname", "u5"},
		{"unknown field", `{"username":"u6","admin":true}`, "admin", "u6"},
		{"field in wrong case", `{"Username":"u7"}`, "Username", "u7"},
		{"no username", `{"bot":true}`, "username", ""},
		{"blank username", `{"username":"   "}`, "username", ""},
		{"username with #", `{"username":"a#b"}`, "username", ""},
		{"username too long", `{"username":"` + strings.Repeat("x", 65) + `"}`, "username", ""},
		{"nickname too long", `{"username":"u8","nickname":"` + strings.Repeat("n", 65) + `"}`, "nickname", "u8"},
		{"username taken", `{"username":"taken","bot":true}`, "username", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, resp := e.Admin("POST", "/users", tc.body)
			expectError(t, status, resp, 400, "invalid_argument", tc.field)
			if tc.free != "" {
				if status, resp := e.Admin("POST", "/users", map[string]any{"username": tc.free}); status != 201 {
					t.Errorf("username %q was taken by the rejected request: %d %s", tc.free, status, resp)
				}
			}
		})
	}
}

type guildJSON struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	OwnerID          string `json:"owner_id"`
	DefaultChannelID string `json:"default_channel_id"`
}

func TestCreateGuild(t *testing.T) {
	e := testenv.New(t)
	owner := e.CreateUser("owner", false)
	ctx := context.Background()
	bodies := map[string]string{
		"owner id as string": `{"name":"Strings","owner_id":"` + owner.ID + `"}`,
		// A JSON number above 2^53 is still read exactly.
		"owner id as number": `{"name":"Numbers","owner_id":` + owner.ID + `}`,
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			status, resp := e.Admin("POST", "/guilds", body)
			if status != http.StatusCreated {
				t.Fatalf("status %d: %s", status, resp)
			}
			g := decode[guildJSON](t, resp)
			raw := decode[map[string]any](t, resp)
			for _, k := range []string{"id", "owner_id", "default_channel_id"} {
				if _, ok := raw[k].(string); !ok {
					t.Errorf("%s is not a JSON string: %s", k, resp)
				}
			}
			if g.OwnerID != owner.ID || g.Name == "" {
				t.Errorf("created %+v", g)
			}
			view, err := e.Service.Guild(ctx, chat.User{ID: id64(t, owner.ID)}, id64(t, g.ID))
			if err != nil {
				t.Fatalf("owner cannot see the guild: %v", err)
			}
			if view.Guild.Name != g.Name || view.Guild.DefaultChannelID != id64(t, g.DefaultChannelID) {
				t.Errorf("stored %+v, rendered %+v", view.Guild, g)
			}
			if !slices.ContainsFunc(view.Channels, func(c chat.Chat) bool { return c.ID == id64(t, g.DefaultChannelID) }) {
				t.Errorf("default channel %s not among %+v", g.DefaultChannelID, view.Channels)
			}
		})
	}
}

func TestCreateGuildRejected(t *testing.T) {
	e := testenv.New(t)
	owner := e.CreateUser("owner", false)
	tests := []struct {
		name  string
		body  string
		field string
	}{
		{"unknown owner", `{"name":"g","owner_id":"123456789012345678"}`, "owner_id"},
		{"no owner", `{"name":"g"}`, "owner_id"},
		{"owner not a number", `{"name":"g","owner_id":"abc"}`, "owner_id"},
		{"owner fractional", `{"name":"g","owner_id":1.5}`, "owner_id"},
		{"owner negative", `{"name":"g","owner_id":-3}`, "owner_id"},
		{"owner a bool", `{"name":"g","owner_id":true}`, "owner_id"},
		{"owner overflows", `{"name":"g","owner_id":"99999999999999999999"}`, "owner_id"},
		{"no name", `{"owner_id":"` + owner.ID + `"}`, "name"},
		{"name too long", `{"name":"` + strings.Repeat("g", 101) + `","owner_id":"` + owner.ID + `"}`, "name"},
		{"name an object", `{"name":{},"owner_id":"` + owner.ID + `"}`, "name"},
		{"unknown field", `{"name":"g","owner_id":"` + owner.ID + `","topic":"x"}`, "topic"},
		{"malformed", `{"name":"g","owner_id":"` + owner.ID + `",}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, resp := e.Admin("POST", "/guilds", tc.body)
			expectError(t, status, resp, 400, "invalid_argument", tc.field)
		})
	}
	guilds, total, err := e.Service.GuildsOf(context.Background(), chat.User{ID: id64(t, owner.ID)}, chat.Page{})
	if err != nil || total != 0 || len(guilds) != 0 {
		t.Errorf("rejected requests stored guilds: %+v (total %d), %v", guilds, total, err)
	}
}

type memberJSON struct {
	GuildID string `json:"guild_id"`
	UserID  string `json:"user_id"`
	Roles   []int  `json:"roles"`
}

// guildFixture is a guild with an owner, a role and a user who is not yet
// a member.
type guildFixture struct {
	e      *testenv.Env
	owner  testenv.User
	guild  string
	role   int
	user   testenv.User
	ctx    context.Context
	member func(t *testing.T, userID string) (chat.Member, error)
}

func newGuildFixture(t *testing.T) *guildFixture {
	e := testenv.New(t)
	f := &guildFixture{e: e, ctx: context.Background()}
	f.owner = e.CreateUser("owner", false)
	f.guild, _ = e.CreateGuild("g", f.owner.ID)
	f.role = e.CreateRole(f.guild, "mods", uint64(chat.PermManageMessages))
	f.user = e.CreateUser("user", false)
	f.member = func(t *testing.T, userID string) (chat.Member, error) {
		return e.Service.Member(f.ctx, chat.User{ID: id64(t, f.owner.ID)}, id64(t, f.guild), id64(t, userID))
	}
	return f
}

func TestAddMember(t *testing.T) {
	f := newGuildFixture(t)
	steps := []struct {
		name      string
		body      string
		wantRoles []int
	}{
		{"with a role", `{"user_id":"` + f.user.ID + `","roles":[` + strconv.Itoa(f.role) + `]}`, []int{f.role}},
		{"again replaces the roles", `{"user_id":"` + f.user.ID + `","roles":[]}`, []int{}},
		{"the everyone role is implied", `{"user_id":` + f.user.ID + `,"roles":[0]}`, []int{}},
		{"roles omitted", `{"user_id":"` + f.user.ID + `"}`, []int{}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			status, resp := f.e.Admin("POST", "/guilds/"+f.guild+"/members", s.body)
			if status != 200 {
				t.Fatalf("status %d: %s", status, resp)
			}
			if !strings.Contains(string(resp), `"roles":[`) {
				t.Errorf("roles not rendered as a list: %s", resp)
			}
			got := decode[memberJSON](t, resp)
			want := memberJSON{GuildID: f.guild, UserID: f.user.ID, Roles: s.wantRoles}
			if got.GuildID != want.GuildID || got.UserID != want.UserID || !slices.Equal(got.Roles, want.Roles) {
				t.Errorf("got %+v, want %+v", got, want)
			}
			m, err := f.member(t, f.user.ID)
			if err != nil {
				t.Fatalf("not stored: %v", err)
			}
			if !slices.Equal(m.Roles, s.wantRoles) && !(len(m.Roles) == 0 && len(s.wantRoles) == 0) {
				t.Errorf("stored roles %v, want %v", m.Roles, s.wantRoles)
			}
		})
	}
}

func TestAddMemberRejected(t *testing.T) {
	f := newGuildFixture(t)
	stranger := f.e.CreateUser("stranger", false)
	// A member with a role, whose membership a rejected request must not change.
	member := f.e.CreateUser("member", false)
	f.e.AddMember(f.guild, member.ID, f.role)

	role := strconv.Itoa(f.role)
	tests := []struct {
		name   string
		guild  string
		body   string
		status int
		code   string
		field  string
	}{
		{"unknown guild", "123456789012345678", `{"user_id":"` + stranger.ID + `"}`, 404, "not_found", ""},
		{"guild id not a number", "general", `{"user_id":"` + stranger.ID + `"}`, 400, "invalid_argument", "guild_id"},
		{"unknown user", f.guild, `{"user_id":"123456789012345678"}`, 400, "invalid_argument", "user_id"},
		{"no user", f.guild, `{"roles":[]}`, 400, "invalid_argument", "user_id"},
		{"user id garbage", f.guild, `{"user_id":"12x"}`, 400, "invalid_argument", "user_id"},
		{"undefined role", f.guild, `{"user_id":"` + stranger.ID + `","roles":[99]}`, 400, "invalid_argument", "roles"},
		{"undefined role among defined", f.guild, `{"user_id":"` + member.ID + `","roles":[` + role + `,99]}`, 400, "invalid_argument", "roles"},
		{"roles a string", f.guild, `{"user_id":"` + member.ID + `","roles":"` + role + `"}`, 400, "invalid_argument", "roles"},
		{"role ids strings", f.guild, `{"user_id":"` + member.ID + `","roles":["` + role + `"]}`, 400, "invalid_argument", "roles"},
		{"role fractional", f.guild, `{"user_id":"` + member.ID + `","roles":[1.5]}`, 400, "invalid_argument", "roles"},
		{"unknown field", f.guild, `{"user_id":"` + stranger.ID + `","nickname":"x"}`, 400, "invalid_argument", "nickname"},
		{"malformed", f.guild, `{"user_id":`, 400, "invalid_argument", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, resp := f.e.Admin("POST", "/guilds/"+tc.guild+"/members", tc.body)
			expectError(t, status, resp, tc.status, tc.code, tc.field)
		})
	}
	for _, u := range []testenv.User{stranger, f.user} {
		if m, err := f.member(t, u.ID); err == nil {
			t.Errorf("%s became a member through a rejected request: %+v", u.Username, m)
		}
	}
	if m, err := f.member(t, member.ID); err != nil || !slices.Equal(m.Roles, []int{f.role}) {
		t.Errorf("member's roles changed by rejected requests: %+v, %v", m, err)
	}
}

func TestRemoveMember(t *testing.T) {
	f := newGuildFixture(t)
	f.e.AddMember(f.guild, f.user.ID, f.role)
	tests := []struct {
		name, guild, user string
		status            int
		code, field       string
	}{
		{"the owner", f.guild, f.owner.ID, 400, "invalid_argument", "user_id"},
		{"unknown guild", "123456789012345678", f.user.ID, 404, "not_found", ""},
		{"a non-member", f.guild, "123456789012345678", 404, "not_found", ""},
		{"user id not a number", f.guild, "bob", 400, "invalid_argument", "user_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, resp := f.e.Admin("DELETE", "/guilds/"+tc.guild+"/members/"+tc.user, nil)
			expectError(t, status, resp, tc.status, tc.code, tc.field)
		})
	}
	if _, err := f.member(t, f.user.ID); err != nil {
		t.Fatalf("a rejected removal ended the membership: %v", err)
	}
	if status, resp := f.e.Admin("DELETE", "/guilds/"+f.guild+"/members/"+f.user.ID, nil); status != 204 {
		t.Fatalf("remove: status %d: %s", status, resp)
	}
	if m, err := f.member(t, f.user.ID); err == nil {
		t.Fatalf("still a member after removal: %+v", m)
	}
	if status, _ := f.e.Admin("DELETE", "/guilds/"+f.guild+"/members/"+f.user.ID, nil); status != 404 {
		t.Fatalf("removing again: status %d, want 404", status)
	}
}

type roleJSON struct {
	RoleID      int    `json:"role_id"`
	Name        string `json:"name"`
	Permissions uint64 `json:"permissions"`
}

func TestCreateRole(t *testing.T) {
	e := testenv.New(t)
	owner := e.CreateUser("owner", false)
	guild, _ := e.CreateGuild("g", owner.ID)
	tests := []struct {
		body string
		want roleJSON
	}{
		{`{"name":"mods","permissions":8192}`, roleJSON{1, "mods", 8192}},
		{`{"name":"muted"}`, roleJSON{2, "muted", 0}},
		{`{"name":"all bits","permissions":18446744073709551615}`, roleJSON{3, "all bits", 1<<64 - 1}},
	}
	for _, tc := range tests {
		status, resp := e.Admin("POST", "/guilds/"+guild+"/roles", tc.body)
		if status != http.StatusCreated {
			t.Fatalf("%s: status %d: %s", tc.body, status, resp)
		}
		if got := decode[roleJSON](t, resp); got != tc.want {
			t.Errorf("%s: created %+v, want %+v", tc.body, got, tc.want)
		}
	}
	view, err := e.Service.Guild(context.Background(), chat.User{ID: id64(t, owner.ID)}, id64(t, guild))
	if err != nil {
		t.Fatal(err)
	}
	var stored []string
	for _, r := range view.Roles {
		stored = append(stored, fmt.Sprintf("%d:%s:%d", r.ID, r.Name, r.Permissions))
	}
	want := []string{"0:@everyone:" + strconv.FormatUint(uint64(chat.DefaultEveryonePermissions), 10), "1:mods:8192", "2:muted:0", "3:all bits:18446744073709551615"}
	slices.Sort(stored)
	slices.Sort(want)
	if !slices.Equal(stored, want) {
		t.Errorf("stored roles %v, want %v", stored, want)
	}
}

func TestCreateRoleRejected(t *testing.T) {
	e := testenv.New(t)
	owner := e.CreateUser("owner", false)
	guild, _ := e.CreateGuild("g", owner.ID)
	tests := []struct {
		name   string
		guild  string
		body   string
		status int
		code   string
		field  string
	}{
		{"unknown guild", "123456789012345678", `{"name":"r","permissions":1}`, 404, "not_found", ""},
		{"guild id not a number", "x1", `{"name":"r","permissions":1}`, 400, "invalid_argument", "guild_id"},
		{"no name", guild, `{"permissions":1}`, 400, "invalid_argument", "name"},
		{"name too long", guild, `{"name":"` + strings.Repeat("r", 101) + `"}`, 400, "invalid_argument", "name"},
		{"negative permissions", guild, `{"name":"r","permissions":-1}`, 400, "invalid_argument", "permissions"},
		{"permissions a string", guild, `{"name":"r","permissions":"8"}`, 400, "invalid_argument", "permissions"},
		{"permissions too big", guild, `{"name":"r","permissions":18446744073709551616}`, 400, "invalid_argument", "permissions"},
		{"unknown field", guild, `{"name":"r","color":3}`, 400, "invalid_argument", "color"},
		{"malformed", guild, `name=r`, 400, "invalid_argument", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, resp := e.Admin("POST", "/guilds/"+tc.guild+"/roles", tc.body)
			expectError(t, status, resp, tc.status, tc.code, tc.field)
		})
	}
	// Nothing was stored: the next role still gets the first free id.
	if id := e.CreateRole(guild, "first", 0); id != 1 {
		t.Errorf("role id %d after rejected requests, want 1", id)
	}
}

func TestUnknownEndpoint(t *testing.T) {
	e := testenv.New(t)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/nothing"},
		{"DELETE", "/users/1"},
		{"GET", "/users"},
	} {
		status, resp := e.Admin(tc.method, tc.path, nil)
		expectError(t, status, resp, 404, "not_found", "")
	}
}
