package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/chatd/chatd/internal/chat"
)

func testNotFound(t *testing.T, f *fixture) {
	const missing = 12345
	ctx := f.ctx
	s := f.s
	err1 := func(_ any, err error) error { return err }
	for _, tc := range []struct {
		name string
		err  error
		what string // "" when the kind is not the port's to say
	}{
		{"User", err1(s.User(ctx, missing)), chat.WhatUser},
		{"UserByTokenHash", err1(s.UserByTokenHash(ctx, []byte("nope"))), chat.WhatUser},
		{"Guild", err1(s.Guild(ctx, missing)), chat.WhatGuild},
		{"Member", err1(s.Member(ctx, missing, missing)), chat.WhatMember},
		{"Chat", err1(s.Chat(ctx, missing)), chat.WhatChat},
		{"ChatByCode", err1(s.ChatByCode(ctx, "00000000000000000000000000000000")), chat.WhatChat},
		{"ChatByCode empty", err1(s.ChatByCode(ctx, "")), chat.WhatChat},
		{"UpdateChat", s.UpdateChat(ctx, chat.Chat{ID: missing, Name: "x"}, nil), chat.WhatChat},
		{"DeleteChat", s.DeleteChat(ctx, missing, nil), chat.WhatChat},
		{"HideDirectChat", s.HideDirectChat(ctx, 1, missing), chat.WhatChat},
		{"Message", err1(s.Message(ctx, missing)), chat.WhatMessage},
		{"MessageByUUID", err1(s.MessageByUUID(ctx, chat.NewUUID())), chat.WhatMessage},
		{"EditMessage", s.EditMessage(ctx, chat.Message{ID: missing, Content: "x"}, 1, nil), chat.WhatMessage},
		{"RecallMessage", s.RecallMessage(ctx, missing, base, nil), chat.WhatMessage},
		{"AppendMessage", func() error {
			_, _, err := s.AppendMessage(ctx, chat.Message{ID: 1, UUID: chat.NewUUID(), ChatID: missing, AuthorID: 1,
				Type: chat.TypeText, Content: "x", CreatedAt: base}, nil)
			return err
		}(), chat.WhatChat},
		{"CreateRole", err1(s.CreateRole(ctx, chat.Role{GuildID: missing, Name: "r"})), chat.WhatGuild},
		{"AddReaction", err1(s.AddReaction(ctx, chat.Reaction{MessageID: missing, Emoji: "x", UserID: 1, CreatedAt: base}, nil)), chat.WhatMessage},
	} {
		mustNotFound(t, tc.name, tc.err, tc.what)
	}
}

// Lookups of nothing answer an empty map, never nil.
func testEmptyLookups(t *testing.T, f *fixture) {
	users, err := f.s.UsersByID(f.ctx, nil)
	must(t, "UsersByID(nil)", err)
	msgs, err := f.s.MessagesByID(f.ctx, []int64{})
	must(t, "MessagesByID(empty)", err)
	members, err := f.s.MembersByUser(f.ctx, 1, nil)
	must(t, "MembersByUser(nil)", err)
	counts, err := f.s.ReactionCounts(f.ctx, nil, 1)
	must(t, "ReactionCounts(nil)", err)
	if users == nil || msgs == nil || members == nil || counts == nil {
		t.Errorf("empty lookups returned a nil map: %v %v %v %v", users == nil, msgs == nil, members == nil, counts == nil)
	}
	if len(users)+len(msgs)+len(members)+len(counts) != 0 {
		t.Errorf("empty lookups found something")
	}
	users, err = f.s.UsersByID(f.ctx, []int64{1, 2, 3})
	must(t, "UsersByID(unknown)", err)
	if users == nil || len(users) != 0 {
		t.Errorf("UsersByID(unknown ids) = %v, want an empty map", users)
	}
}

// A write asked with a context that has ended is not made.
func testCanceledContext(t *testing.T, f *fixture) {
	alice := f.user("alice")
	c := f.group(alice)
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	m := f.message(c, alice, "never")
	_, _, err := f.s.AppendMessage(ctx, m, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("AppendMessage(canceled): err %v, want context.Canceled", err)
	}
	if _, err := f.s.Message(f.ctx, m.ID); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("the canceled message was stored (err %v)", err)
	}
	if got := f.chat(c.ID).LastSeq; got != 0 {
		t.Errorf("LastSeq after a canceled append = %d, want 0", got)
	}
	err = f.s.CreateUser(ctx, chat.User{ID: f.ids.Next(), Username: "late", CreatedAt: f.tick()}, []byte("h"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("CreateUser(canceled): err %v, want context.Canceled", err)
	}
}
