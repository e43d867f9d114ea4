package kook

import (
	"reflect"
	"testing"

	"github.com/chatd/chatd/internal/chat"
)

func TestMentions(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    chat.Mentions
	}{
		{"none", "hello (world)", chat.Mentions{}},
		{"one user", "hi (met)123(met)!", chat.Mentions{Users: []int64{123}}},
		{"users in order, once each", "(met)3(met)(met)1(met) (met)3(met) (met)2(met)",
			chat.Mentions{Users: []int64{3, 1, 2}}},
		{"all", "(met)all(met) wake up", chat.Mentions{All: true}},
		{"here", "(met)here(met)", chat.Mentions{Here: true}},
		{"roles", "(rol)702(rol) (rol)711(rol) (rol)702(rol)", chat.Mentions{Roles: []int{702, 711}}},
		{"channels", "see (chn)42(chn) and (chn)42(chn)", chat.Mentions{Channels: []int64{42}}},
		{"the docs' example: a non-id pair mentions nobody",
			"(met)1780(met) (met)hell(met) (met)all(met) (rol)702(rol) (rol)711(rol)",
			chat.Mentions{Users: []int64{1780}, Roles: []int{702, 711}, All: true}},
		{"unclosed marker", "(met)123 and more", chat.Mentions{}},
		{"pairs are consumed left to right", "(met)(met)5(met)", chat.Mentions{}},
		{"not ids", "(met)-1(met) (met)1.5(met) (chn)abc(chn) (rol)(rol) (met)0(met)", chat.Mentions{}},
		{"id too large", "(met)99999999999999999999(met) (rol)4294967296(rol)", chat.Mentions{}},
		{"inside a card's JSON", `[{"type":"card","modules":[{"type":"section","text":{"type":"kmarkdown",` +
			`"content":"(met)7(met) (met)here(met) (rol)3(rol) (chn)9(chn)"}}]}]`,
			chat.Mentions{Users: []int64{7}, Roles: []int{3}, Channels: []int64{9}, Here: true}},
		{"every kind mixed", "(chn)1(chn)(met)2(met)(rol)3(rol)(met)all(met)(met)here(met)",
			chat.Mentions{Users: []int64{2}, Roles: []int{3}, Channels: []int64{1}, All: true, Here: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mentions(tt.content); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("mentions(%q) = %+v, want %+v", tt.content, got, tt.want)
			}
		})
	}
}

func TestMentionsOnlyInTextTypes(t *testing.T) {
	for typ, want := range map[chat.MessageType]bool{chat.TypeText: true, chat.TypeKMarkdown: true,
		chat.TypeCard: true, chat.TypeImage: false, chat.TypeVideo: false, chat.TypeFile: false, chat.TypeAudio: false} {
		if got := mentionsIn(typ); got != want {
			t.Errorf("mentionsIn(%d) = %v, want %v", typ, got, want)
		}
	}
}

func TestFileName(t *testing.T) {
	tests := map[string]string{
		"https://img.example.com/a/b/photo.jpg":         "photo.jpg",
		"https://img.example.com/a/b/photo.jpg?x=1#top": "photo.jpg",
		"https://img.example.com/dir/":                  "dir",
		"plain-name.txt":                                "plain-name.txt",
	}
	for in, want := range tests {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
}
