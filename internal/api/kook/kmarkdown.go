package kook

import (
	"strconv"
	"strings"

	"github.com/chatd/chatd/internal/chat"
)

// mentionsIn reports whether messages of type t may carry KMarkdown
// mention markers: text, KMarkdown and cards do (in cards the markers sit inside
// the JSON strings of kmarkdown elements, so scanning the raw text finds
// them too).
func mentionsIn(t chat.MessageType) bool {
	return t == chat.TypeText || t == chat.TypeKMarkdown || t == chat.TypeCard
}

// mentions reads the KMarkdown mention markers of content:
// (met)<user id>(met), (met)all(met), (met)here(met), (rol)<role id>(rol)
// and (chn)<channel id>(chn). Ids keep their first-seen order, once each.
// Markers whose inside is not an id are not mentions and are skipped.
func mentions(content string) chat.Mentions {
	var m chat.Mentions
	if !strings.Contains(content, "(") {
		return m
	}
	for _, tag := range []string{"(met)", "(rol)", "(chn)"} {
		rest := content
		for {
			i := strings.Index(rest, tag)
			if i < 0 {
				break
			}
			rest = rest[i+len(tag):]
			j := strings.Index(rest, tag)
			if j < 0 {
				break
			}
			addMention(&m, tag, rest[:j])
			rest = rest[j+len(tag):]
		}
	}
	return m
}

// addMention records what one marker pair holds. Markers pair up left to
// right, like KMarkdown's own parser: "(met)hell(met)" is a pair that
// mentions nobody.
func addMention(m *chat.Mentions, tag, inner string) {
	switch tag {
	case "(met)":
		switch inner {
		case "all":
			m.All = true
			return
		case "here":
			m.Here = true
			return
		}
		if id, ok := numericID(inner); ok && id > 0 && !hasMention(m.Users, id) {
			m.Users = append(m.Users, id)
		}
	case "(rol)":
		if id, ok := numericID(inner); ok && id <= 1<<31-1 && !hasMention(m.Roles, int(id)) {
			m.Roles = append(m.Roles, int(id))
		}
	case "(chn)":
		if id, ok := numericID(inner); ok && id > 0 && !hasMention(m.Channels, id) {
			m.Channels = append(m.Channels, id)
		}
	}
}

// numericID accepts the decimal ids KOOK writes inside markers.
func numericID(s string) (int64, bool) {
	if s == "" || len(s) > 19 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func hasMention[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
