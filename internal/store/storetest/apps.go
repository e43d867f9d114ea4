package storetest

import (
	"errors"
	"testing"

	"github.com/chatd/chatd/internal/chat"
)

func testApps(t *testing.T, f *fixture) {
	// The default app exists in every store, with no admin token.
	def, err := f.s.App(f.ctx, chat.DefaultAppID)
	must(t, "App(default)", err)
	if def.ID != chat.DefaultAppID {
		t.Errorf("default app: %+v", def)
	}
	a := chat.App{ID: f.ids.Next(), Name: "tenant", CreatedAt: f.tick()}
	must(t, "CreateApp", f.s.CreateApp(f.ctx, a, chat.HashToken("admin-a")))
	got, err := f.s.App(f.ctx, a.ID)
	must(t, "App", err)
	equal(t, "App", got.Name, "tenant")
	byToken, err := f.s.AppByTokenHash(f.ctx, chat.HashToken("admin-a"))
	must(t, "AppByTokenHash", err)
	equal(t, "AppByTokenHash", byToken.ID, a.ID)
	_, err = f.s.AppByTokenHash(f.ctx, chat.HashToken("nope"))
	mustNotFound(t, "AppByTokenHash(unknown)", err, chat.WhatApp)
	_, err = f.s.App(f.ctx, a.ID+1)
	mustNotFound(t, "App(unknown)", err, chat.WhatApp)

	// Users and chats keep their app; a user without one is in the default app.
	u := chat.User{ID: f.ids.Next(), AppID: a.ID, Username: "in-app", CreatedAt: f.tick()}
	must(t, "CreateUser in app", f.s.CreateUser(f.ctx, u, chat.HashToken("tok-in-app")))
	back, err := f.s.User(f.ctx, u.ID)
	must(t, "User", err)
	equal(t, "user app", back.AppID, a.ID)
	plain := f.user("plain")
	back, err = f.s.User(f.ctx, plain.ID)
	must(t, "User", err)
	equal(t, "default app", back.AppID, int64(chat.DefaultAppID))

	byName, err := f.s.UserByName(f.ctx, a.ID, "in-app")
	must(t, "UserByName", err)
	equal(t, "UserByName", byName.ID, u.ID)
	_, err = f.s.UserByName(f.ctx, chat.DefaultAppID, "in-app")
	mustNotFound(t, "UserByName in another app", err, chat.WhatUser)

	// A username is unique within its app only.
	twin := chat.User{ID: f.ids.Next(), Username: "in-app", CreatedAt: f.tick()}
	must(t, "CreateUser with another app's username", f.s.CreateUser(f.ctx, twin, chat.HashToken("tok-twin")))
	byName, err = f.s.UserByName(f.ctx, chat.DefaultAppID, "in-app")
	must(t, "UserByName(default app)", err)
	equal(t, "UserByName(default app)", byName.ID, twin.ID)
	dup := chat.User{ID: f.ids.Next(), AppID: a.ID, Username: "in-app", CreatedAt: f.tick()}
	if err := f.s.CreateUser(f.ctx, dup, chat.HashToken("tok-dup")); !errors.Is(err, chat.ErrConflict) {
		t.Errorf("CreateUser with a username taken in the same app: %v, want ErrConflict", err)
	}

	now := f.tick()
	g := chat.Chat{ID: f.ids.Next(), AppID: a.ID, Kind: chat.ChatGroup, Name: "g", CreatorID: u.ID, CreatedAt: now}
	must(t, "CreateGroup", f.s.CreateGroup(f.ctx, g, []chat.GroupMember{{ChatID: g.ID, UserID: u.ID, Role: chat.GroupOwner, JoinedAt: now}}))
	equal(t, "chat app", f.chat(g.ID).AppID, a.ID)
	equal(t, "default chat app", f.chat(f.group(plain).ID).AppID, int64(chat.DefaultAppID))

	// Ids beyond 2^53 round-trip exactly.
	big := chat.User{ID: 1<<53 + 12345, AppID: a.ID, Username: "big", CreatedAt: f.tick()}
	must(t, "CreateUser big id", f.s.CreateUser(f.ctx, big, chat.HashToken("tok-big")))
	back, err = f.s.User(f.ctx, big.ID)
	must(t, "User big id", err)
	equal(t, "big id", back.ID, big.ID)

	// Passwords.
	_, err = f.s.PasswordHash(f.ctx, u.ID)
	mustNotFound(t, "PasswordHash unset", err, chat.WhatUser)
	must(t, "SetPassword", f.s.SetPassword(f.ctx, u.ID, []byte("h1")))
	must(t, "SetPassword again", f.s.SetPassword(f.ctx, u.ID, []byte("h2")))
	h, err := f.s.PasswordHash(f.ctx, u.ID)
	must(t, "PasswordHash", err)
	equal(t, "PasswordHash", string(h), "h2")
}

func testDevices(t *testing.T, f *fixture) {
	u, other := f.user("dev"), f.user("other")
	d1, err := f.s.PutDeviceToken(f.ctx, u.ID, "guid-1", chat.HashToken("t1"), f.tick())
	must(t, "PutDeviceToken", err)
	d2, err := f.s.PutDeviceToken(f.ctx, u.ID, "guid-2", chat.HashToken("t2"), f.tick())
	must(t, "PutDeviceToken", err)
	again, err := f.s.PutDeviceToken(f.ctx, u.ID, "guid-1", chat.HashToken("t3"), f.tick())
	must(t, "PutDeviceToken same device", err)
	none, err := f.s.PutDeviceToken(f.ctx, u.ID, "", chat.HashToken("t4"), f.tick())
	must(t, "PutDeviceToken no device", err)
	o1, err := f.s.PutDeviceToken(f.ctx, other.ID, "guid-1", chat.HashToken("t5"), f.tick())
	must(t, "PutDeviceToken other user", err)
	equal(t, "device SNs", []int32{d1.SN, d2.SN, again.SN, none.SN, o1.SN}, []int32{1, 2, 1, 0, 1})

	for tok, want := range map[string]int32{"t1": 1, "t2": 2, "t3": 1, "t4": 0} {
		got, sn, err := f.s.UserByDeviceTokenHash(f.ctx, chat.HashToken(tok))
		must(t, "UserByDeviceTokenHash", err)
		if got.ID != u.ID || sn != want {
			t.Errorf("token %s: user %d sn %d, want %d sn %d", tok, got.ID, sn, u.ID, want)
		}
	}
	_, _, err = f.s.UserByDeviceTokenHash(f.ctx, chat.HashToken("unknown"))
	mustNotFound(t, "UserByDeviceTokenHash(unknown)", err, chat.WhatUser)
	if _, err := f.s.PutDeviceToken(f.ctx, u.ID, "guid-9", chat.HashToken("t1"), f.tick()); !errors.Is(err, chat.ErrConflict) {
		t.Errorf("a reused token: %v, want ErrConflict", err)
	}
}

func testGroupMembership(t *testing.T, f *fixture) {
	owner, joiner := f.user("owner"), f.user("joiner")
	g := f.group(owner)
	added, err := f.s.AddGroupMember(f.ctx, chat.GroupMember{ChatID: g.ID, UserID: joiner.ID, JoinedAt: f.tick()}, nil)
	must(t, "AddGroupMember", err)
	again, err := f.s.AddGroupMember(f.ctx, chat.GroupMember{ChatID: g.ID, UserID: joiner.ID, JoinedAt: f.tick()}, nil)
	must(t, "AddGroupMember again", err)
	equal(t, "added", []bool{added, again}, []bool{true, false})
	groups, err := f.s.GroupsOf(f.ctx, joiner.ID)
	must(t, "GroupsOf", err)
	if len(groups) != 1 || groups[0].ID != g.ID {
		t.Fatalf("GroupsOf: %+v", groups)
	}
	// Hiding takes a group out of the list until its next message.
	must(t, "HideDirectChat(group)", f.s.HideDirectChat(f.ctx, joiner.ID, g.ID))
	groups, err = f.s.GroupsOf(f.ctx, joiner.ID)
	must(t, "GroupsOf hidden", err)
	equal(t, "hidden groups", len(groups), 0)
	f.send(g, owner, "back")
	groups, err = f.s.GroupsOf(f.ctx, joiner.ID)
	must(t, "GroupsOf after a message", err)
	equal(t, "groups after a message", len(groups), 1)

	removed, err := f.s.RemoveGroupMember(f.ctx, g.ID, joiner.ID, nil)
	must(t, "RemoveGroupMember", err)
	removedAgain, err := f.s.RemoveGroupMember(f.ctx, g.ID, joiner.ID, nil)
	must(t, "RemoveGroupMember again", err)
	equal(t, "removed", []bool{removed, removedAgain}, []bool{true, false})
	_, err = f.s.GroupMember(f.ctx, g.ID, joiner.ID)
	mustNotFound(t, "GroupMember after leaving", err, chat.WhatMember)
}
