package storetest

import (
	"testing"

	"github.com/chatd/chatd/internal/chat"
)

func testGuilds(t *testing.T, f *fixture) {
	owner, bob := f.user("owner"), f.user("bob")
	g1, general := f.guild(owner)
	g2, _ := f.guild(bob)
	g3, _ := f.guild(owner)

	got, err := f.s.Guild(f.ctx, g1.ID)
	must(t, "Guild", err)
	equal(t, "Guild", normGuild(got), normGuild(g1))

	roles, err := f.s.Roles(f.ctx, g1.ID)
	must(t, "Roles", err)
	equal(t, "Roles of a new guild", roles, []chat.Role{{GuildID: g1.ID, ID: chat.EveryoneRoleID, Name: "@everyone",
		Permissions: chat.DefaultEveryonePermissions}})

	chans, err := f.s.GuildChats(f.ctx, g1.ID)
	must(t, "GuildChats", err)
	equal(t, "GuildChats of a new guild", normAll(chans, normChat), []chat.Chat{normChat(general)})

	m, err := f.s.Member(f.ctx, g1.ID, owner.ID)
	must(t, "Member(owner)", err)
	equal(t, "owner membership", normMember(m), normMember(chat.Member{GuildID: g1.ID, UserID: owner.ID, JoinedAt: g1.CreatedAt}))

	// bob owns g2 and joins g1 after it; g3 is newer than both.
	_, err = f.s.PutMember(f.ctx, chat.Member{GuildID: g3.ID, UserID: bob.ID, JoinedAt: f.tick()}, nil)
	must(t, "PutMember", err)
	_, err = f.s.PutMember(f.ctx, chat.Member{GuildID: g1.ID, UserID: bob.ID, JoinedAt: f.tick()}, nil)
	must(t, "PutMember", err)
	ids := func(gs []chat.Guild) []int64 {
		out := []int64{}
		for _, g := range gs {
			out = append(out, g.ID)
		}
		return out
	}
	for _, tc := range []struct {
		page      chat.Page
		want      []int64
		wantTotal int
	}{
		{chat.Page{Page: 1, Size: 50}, []int64{g1.ID, g2.ID, g3.ID}, 3},
		{chat.Page{Page: 1, Size: 2}, []int64{g1.ID, g2.ID}, 3},
		{chat.Page{Page: 2, Size: 2}, []int64{g3.ID}, 3},
		{chat.Page{Page: 3, Size: 2}, []int64{}, 3},
	} {
		gs, total, err := f.s.GuildsOfUser(f.ctx, bob.ID, tc.page)
		must(t, "GuildsOfUser", err)
		equal(t, "GuildsOfUser(bob) ids, oldest guild first", ids(gs), tc.want)
		if total != tc.wantTotal {
			t.Errorf("GuildsOfUser(bob, %+v) total %d, want %d", tc.page, total, tc.wantTotal)
		}
	}
	gs, total, err := f.s.GuildsOfUser(f.ctx, owner.ID, chat.Page{Page: 1, Size: 10})
	must(t, "GuildsOfUser", err)
	equal(t, "GuildsOfUser(owner)", normAll(gs, normGuild), []chat.Guild{normGuild(g1), normGuild(g3)})
	if total != 2 {
		t.Errorf("GuildsOfUser(owner) total %d, want 2", total)
	}
	stranger := f.user("stranger")
	gs, total, err = f.s.GuildsOfUser(f.ctx, stranger.ID, chat.Page{Page: 1, Size: 10})
	must(t, "GuildsOfUser", err)
	if len(gs) != 0 || total != 0 {
		t.Errorf("GuildsOfUser(stranger) = %v, %d; want none", gs, total)
	}
}

func testRoles(t *testing.T, f *fixture) {
	owner := f.user("owner")
	g1, _ := f.guild(owner)
	g2, _ := f.guild(owner)
	mod := chat.Role{GuildID: g1.ID, ID: 99, Name: "mod", Color: 0xff0000, Position: 2, Hoist: true, Mentionable: true,
		Permissions: chat.PermManageMessages | chat.Permission(1)<<63}
	r1, err := f.s.CreateRole(f.ctx, mod)
	must(t, "CreateRole", err)
	r2, err := f.s.CreateRole(f.ctx, chat.Role{GuildID: g1.ID, Name: "helper"})
	must(t, "CreateRole", err)
	r3, err := f.s.CreateRole(f.ctx, chat.Role{GuildID: g2.ID, Name: "other guild"})
	must(t, "CreateRole", err)
	if r1.ID != 1 || r2.ID != 2 || r3.ID != 1 {
		t.Errorf("role ids %d, %d (guild 1), %d (guild 2); want 1, 2, 1", r1.ID, r2.ID, r3.ID)
	}
	want1 := mod
	want1.ID = 1
	equal(t, "CreateRole result", r1, want1)

	roles, err := f.s.Roles(f.ctx, g1.ID)
	must(t, "Roles", err)
	equal(t, "Roles(g1)", roles, []chat.Role{
		{GuildID: g1.ID, ID: 0, Name: "@everyone", Permissions: chat.DefaultEveryonePermissions},
		want1,
		{GuildID: g1.ID, ID: 2, Name: "helper"},
	})
	_, err = f.s.CreateRole(f.ctx, chat.Role{GuildID: 12345, Name: "orphan"})
	mustNotFound(t, "CreateRole(missing guild)", err, chat.WhatGuild)
}

func testMembers(t *testing.T, f *fixture) {
	// carol's id is lower than bob's, but she joins after him.
	owner, carol, bob, dave := f.user("owner"), f.user("carol"), f.user("bob"), f.user("dave")
	g, _ := f.guild(owner)
	bobJoined := f.tick()
	added, err := f.s.PutMember(f.ctx, chat.Member{GuildID: g.ID, UserID: bob.ID, Roles: []int{1}, JoinedAt: bobJoined}, nil)
	must(t, "PutMember(bob)", err)
	if !added {
		t.Errorf("PutMember(new member) added = false")
	}
	added, err = f.s.PutMember(f.ctx, chat.Member{GuildID: g.ID, UserID: carol.ID, Nickname: "cc", JoinedAt: f.tick()}, nil)
	must(t, "PutMember(carol)", err)
	if !added {
		t.Errorf("PutMember(new member) added = false")
	}
	// Replacing bob's roles and nickname keeps his place in join order.
	added, err = f.s.PutMember(f.ctx, chat.Member{GuildID: g.ID, UserID: bob.ID, Nickname: "bobby", Roles: []int{2, 3},
		JoinedAt: f.tick()}, nil)
	must(t, "PutMember(bob again)", err)
	if added {
		t.Errorf("PutMember(existing member) added = true")
	}
	wantBob := chat.Member{GuildID: g.ID, UserID: bob.ID, Nickname: "bobby", Roles: []int{2, 3}, JoinedAt: bobJoined}
	m, err := f.s.Member(f.ctx, g.ID, bob.ID)
	must(t, "Member(bob)", err)
	equal(t, "Member(bob) after replace", normMember(m), normMember(wantBob))

	// Clearing roles clears them.
	_, err = f.s.PutMember(f.ctx, chat.Member{GuildID: g.ID, UserID: carol.ID, JoinedAt: f.tick()}, nil)
	must(t, "PutMember(carol again)", err)
	m, err = f.s.Member(f.ctx, g.ID, carol.ID)
	must(t, "Member(carol)", err)
	if m.Nickname != "" || len(m.Roles) != 0 {
		t.Errorf("Member(carol) after replace with none = %+v, want no nickname, no roles", m)
	}

	userIDs := func(ms []chat.Member) []int64 {
		out := []int64{}
		for _, m := range ms {
			out = append(out, m.UserID)
		}
		return out
	}
	for _, tc := range []struct {
		page chat.Page
		want []int64
	}{
		{chat.Page{Page: 1, Size: 50}, []int64{owner.ID, bob.ID, carol.ID}},
		{chat.Page{Page: 1, Size: 2}, []int64{owner.ID, bob.ID}},
		{chat.Page{Page: 2, Size: 2}, []int64{carol.ID}},
		{chat.Page{Page: 5, Size: 2}, []int64{}},
	} {
		ms, total, err := f.s.Members(f.ctx, g.ID, tc.page)
		must(t, "Members", err)
		equal(t, "Members in join order", userIDs(ms), tc.want)
		if total != 3 {
			t.Errorf("Members(%+v) total %d, want 3", tc.page, total)
		}
	}
	ms, _, err := f.s.Members(f.ctx, g.ID, chat.Page{Page: 1, Size: 2})
	must(t, "Members", err)
	if len(ms) == 2 {
		equal(t, "Members[1]", normMember(ms[1]), normMember(wantBob))
	}

	byUser, err := f.s.MembersByUser(f.ctx, g.ID, []int64{bob.ID, dave.ID, owner.ID})
	must(t, "MembersByUser", err)
	if len(byUser) != 2 {
		t.Errorf("MembersByUser returned %d members, want 2 (dave is no member): %v", len(byUser), byUser)
	}
	equal(t, "MembersByUser[bob]", normMember(byUser[bob.ID]), normMember(wantBob))
	if byUser[owner.ID].UserID != owner.ID || byUser[owner.ID].GuildID != g.ID {
		t.Errorf("MembersByUser[owner] = %+v", byUser[owner.ID])
	}

	_, err = f.s.Member(f.ctx, g.ID, dave.ID)
	mustNotFound(t, "Member(non-member)", err, "")
	_, err = f.s.PutMember(f.ctx, chat.Member{GuildID: 12345, UserID: dave.ID, JoinedAt: f.tick()}, nil)
	mustNotFound(t, "PutMember(missing guild)", err, chat.WhatGuild)

	// Removing a member ends the membership and nothing else; joining again
	// starts a new one.
	removed, err := f.s.RemoveMember(f.ctx, g.ID, bob.ID, nil)
	must(t, "RemoveMember(bob, nil)", err)
	if !removed {
		t.Errorf("RemoveMember(member) removed = false")
	}
	removed, err = f.s.RemoveMember(f.ctx, g.ID, bob.ID, nil)
	must(t, "RemoveMember(bob again, nil)", err)
	if removed {
		t.Errorf("RemoveMember(former member) removed = true")
	}
	_, err = f.s.Member(f.ctx, g.ID, bob.ID)
	mustNotFound(t, "Member(removed)", err, chat.WhatMember)
	ms, total, err := f.s.Members(f.ctx, g.ID, chat.Page{Page: 1, Size: 50})
	must(t, "Members", err)
	equal(t, "Members after removal", userIDs(ms), []int64{owner.ID, carol.ID})
	if total != 2 {
		t.Errorf("Members total after removal %d, want 2", total)
	}
	gs, _, err := f.s.GuildsOfUser(f.ctx, bob.ID, chat.Page{Page: 1, Size: 50})
	must(t, "GuildsOfUser", err)
	for _, x := range gs {
		if x.ID == g.ID {
			t.Errorf("GuildsOfUser(bob) still lists the guild he left")
		}
	}
	rejoined := f.tick()
	added, err = f.s.PutMember(f.ctx, chat.Member{GuildID: g.ID, UserID: bob.ID, JoinedAt: rejoined}, nil)
	must(t, "PutMember(bob rejoins, nil)", err)
	if !added {
		t.Errorf("PutMember(rejoining member) added = false")
	}
	m, err = f.s.Member(f.ctx, g.ID, bob.ID)
	must(t, "Member(bob rejoined)", err)
	if len(m.Roles) != 0 || !m.JoinedAt.Equal(rejoined) {
		t.Errorf("rejoined member %+v, want no roles and the new join time", m)
	}
}
