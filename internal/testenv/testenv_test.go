package testenv_test

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/chatd/chatd/internal/testenv"
)

// The helpers every HTTP test leans on: the operator API sets things up,
// the KOOK client reaches /api/v3 as the user a token belongs to.
func TestEnv(t *testing.T) {
	e := testenv.New(t)
	alice := e.CreateUser("alice", false)
	bot := e.CreateUser("robo", true)
	guild, channel := e.CreateGuild("home", alice.ID)
	if guild == "" || channel == "" {
		t.Fatalf("CreateGuild gave %q, %q", guild, channel)
	}
	if role := e.CreateRole(guild, "mods", 1<<13); role != 1 {
		t.Errorf("first role id %d, want 1", role)
	}
	e.AddMember(guild, bot.ID, 1)

	for _, u := range []testenv.User{alice, bot} {
		r := e.KOOK(u.Token, "GET", "/user/me", nil)
		var me struct{ ID, Username string }
		if r.Status != 200 || r.Code != 0 || json.Unmarshal(r.Data, &me) != nil || me.ID != u.ID {
			t.Errorf("user/me as %s: %+v", u.Username, r)
		}
	}
	for _, params := range []any{map[string]string{"user_id": bot.ID}, url.Values{"user_id": {bot.ID}}} {
		r := e.KOOK(alice.Token, "GET", "/user/view", params)
		var view struct{ ID string }
		if r.Code != 0 || json.Unmarshal(r.Data, &view) != nil || view.ID != bot.ID {
			t.Errorf("user/view with %T: %+v", params, r)
		}
	}
	if r := e.KOOK("", "GET", "/user/me", nil); r.Code == 0 {
		t.Errorf("user/me without a token succeeded: %+v", r)
	}
	if r := e.Raw("GET", "/api/admin/v1/health", "", ""); r.Status != 200 || r.Code != -1 {
		t.Errorf("health through Raw: %+v", r)
	}
	if status, resp := e.Admin("GET", "/users/"+alice.ID, nil); status != 200 {
		t.Errorf("Admin get user: %d %s", status, resp)
	}
}
