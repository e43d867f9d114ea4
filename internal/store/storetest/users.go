package storetest

import (
	"errors"
	"testing"

	"github.com/chatd/chatd/internal/chat"
)

func testUsers(t *testing.T, f *fixture) {
	alice := f.user("alice")
	bot := chat.User{ID: f.ids.Next(), Username: "robot", Bot: true, CreatedAt: f.tick()}
	must(t, "CreateUser(bot)", f.s.CreateUser(f.ctx, bot, chat.HashToken("token-robot")))

	got, err := f.s.User(f.ctx, alice.ID)
	must(t, "User", err)
	equal(t, "User(alice)", normUser(got), normUser(alice))
	got, err = f.s.User(f.ctx, bot.ID)
	must(t, "User", err)
	equal(t, "User(bot)", normUser(got), normUser(bot))

	got, err = f.s.UserByTokenHash(f.ctx, chat.HashToken("token-robot"))
	must(t, "UserByTokenHash", err)
	equal(t, "UserByTokenHash(robot)", normUser(got), normUser(bot))
	_, err = f.s.UserByTokenHash(f.ctx, chat.HashToken("no such token"))
	mustNotFound(t, "UserByTokenHash(unknown)", err, chat.WhatUser)

	taken := chat.User{ID: f.ids.Next(), Username: "alice", CreatedAt: f.tick()}
	err = f.s.CreateUser(f.ctx, taken, chat.HashToken("other token"))
	if !errors.Is(err, chat.ErrConflict) {
		t.Errorf("CreateUser(taken username): err %v, want ErrConflict", err)
	}
	_, err = f.s.User(f.ctx, taken.ID)
	mustNotFound(t, "User(rejected user)", err, chat.WhatUser)
	_, err = f.s.UserByTokenHash(f.ctx, chat.HashToken("other token"))
	mustNotFound(t, "UserByTokenHash(rejected user)", err, chat.WhatUser)

	users, err := f.s.UsersByID(f.ctx, []int64{alice.ID, bot.ID, taken.ID, alice.ID})
	must(t, "UsersByID", err)
	equal(t, "UsersByID", map[int64]chat.User{alice.ID: normUser(users[alice.ID]), bot.ID: normUser(users[bot.ID])},
		map[int64]chat.User{alice.ID: normUser(alice), bot.ID: normUser(bot)})
	if len(users) != 2 {
		t.Errorf("UsersByID returned %d users, want 2: %v", len(users), users)
	}
}
