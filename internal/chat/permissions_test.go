package chat

import "testing"

func TestMemberPermissions(t *testing.T) {
	g := Guild{ID: 1, OwnerID: 10}
	roles := []Role{
		{ID: EveryoneRoleID, Permissions: DefaultEveryonePermissions},
		{ID: 1, Permissions: PermManageMessages},
		{ID: 2, Permissions: PermAdmin},
	}
	cases := []struct {
		name   string
		member Member
		want   Permission
		has    []Permission
		hasnt  []Permission
	}{
		{"owner holds all", Member{UserID: 10}, PermAll, []Permission{PermManageChannels, PermManageMessages}, nil},
		{"plain member holds the everyone role", Member{UserID: 11}, DefaultEveryonePermissions,
			[]Permission{PermViewChannels, PermSendMessages, PermAddReactions}, []Permission{PermManageMessages, PermMentionAll}},
		{"roles add up", Member{UserID: 12, Roles: []int{1}}, DefaultEveryonePermissions | PermManageMessages,
			[]Permission{PermManageMessages, PermSendMessages}, []Permission{PermManageChannels}},
		{"administrator has everything", Member{UserID: 13, Roles: []int{2}}, DefaultEveryonePermissions | PermAdmin,
			[]Permission{PermManageChannels, PermMentionAll}, nil},
		{"an undefined role grants nothing", Member{UserID: 14, Roles: []int{99}}, DefaultEveryonePermissions, nil,
			[]Permission{PermManageMessages}},
	}
	for _, c := range cases {
		got := memberPermissions(g, c.member, roles)
		if got != c.want {
			t.Errorf("%s: permissions %b, want %b", c.name, got, c.want)
		}
		for _, p := range c.has {
			if !got.Has(p) {
				t.Errorf("%s: lacks %b", c.name, p)
			}
		}
		for _, p := range c.hasnt {
			if got.Has(p) {
				t.Errorf("%s: holds %b", c.name, p)
			}
		}
	}
}
