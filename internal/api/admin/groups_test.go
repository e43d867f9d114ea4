package admin_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/testenv"
)

func TestCreateGroup(t *testing.T) {
	e := testenv.New(t)
	owner, admin, member, outsider := e.CreateUser("owner", false), e.CreateUser("admin", false),
		e.CreateUser("member", false), e.CreateUser("outsider", false)
	status, resp := e.Admin("POST", "/groups", `{"name":"Team","owner_id":"`+owner.ID+`","member_ids":["`+admin.ID+`",`+
		member.ID+`,"`+owner.ID+`"],"admin_ids":["`+admin.ID+`"]}`)
	if status != http.StatusCreated {
		t.Fatalf("status %d: %s", status, resp)
	}
	out := decode[struct{ ID string }](t, resp)
	raw := decode[map[string]any](t, resp)
	if _, ok := raw["id"].(string); !ok || len(raw) != 1 {
		t.Errorf("body %s, want {\"id\": string}", resp)
	}
	ctx := context.Background()
	gid := id64(t, out.ID)
	for _, u := range []testenv.User{owner, admin, member} {
		c, err := e.Service.Conversation(ctx, chat.User{ID: id64(t, u.ID)}, gid)
		if err != nil || c.Kind != chat.ChatGroup || c.Name != "Team" {
			t.Errorf("%s sees %+v, %v", u.Username, c, err)
		}
	}
	if _, err := e.Service.Conversation(ctx, chat.User{ID: id64(t, outsider.ID)}, gid); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("outsider sees the group: %v", err)
	}
	members, err := e.Service.GroupMembers(ctx, chat.User{ID: id64(t, owner.ID)}, gid)
	if err != nil || len(members) != 3 {
		t.Fatalf("members %+v, %v", members, err)
	}
	roles := map[int64]chat.GroupRole{}
	for _, m := range members {
		roles[m.UserID] = m.Role
	}
	if roles[id64(t, owner.ID)] != chat.GroupOwner || roles[id64(t, admin.ID)] != chat.GroupAdmin ||
		roles[id64(t, member.ID)] != chat.GroupMemberRole {
		t.Errorf("roles %+v", roles)
	}
}

func TestCreateGroupRejected(t *testing.T) {
	e := testenv.New(t)
	owner := e.CreateUser("owner", false)
	tests := []struct {
		name, body string
		status     int
		field      string
	}{
		{"no name", `{"name":" ","owner_id":"` + owner.ID + `"}`, http.StatusBadRequest, "name"},
		{"unknown owner", `{"name":"x","owner_id":"1"}`, http.StatusBadRequest, "owner_id"},
		{"unknown member", `{"name":"x","owner_id":"` + owner.ID + `","member_ids":["2"]}`, http.StatusBadRequest, "member_ids"},
		{"admin not a member", `{"name":"x","owner_id":"` + owner.ID + `","admin_ids":["3"]}`, http.StatusBadRequest, "admin_ids"},
		{"member ids not a list", `{"name":"x","owner_id":"` + owner.ID + `","member_ids":"4"}`, http.StatusBadRequest, "member_ids"},
		{"unknown field", `{"name":"x","owner_id":"` + owner.ID + `","guild_id":"1"}`, http.StatusBadRequest, "guild_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, resp := e.Admin("POST", "/groups", tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, resp)
			}
			if got := decodeError(t, resp); got.Field != tc.field {
				t.Errorf("field %q, want %q (%s)", got.Field, tc.field, resp)
			}
		})
	}
	status, _ := e.Admin("POST", "/groups", `{"name":"x","owner_id":"`+owner.ID+`"}`)
	if status != http.StatusCreated {
		t.Errorf("a group of its owner alone: status %d", status)
	}
	r := e.Raw("POST", "/api/admin/v1/groups", "", `{"name":"x","owner_id":"`+owner.ID+`"}`)
	if r.Status != http.StatusUnauthorized {
		t.Errorf("without the operator token: status %d", r.Status)
	}
}
