package kook

import (
	"strconv"

	"github.com/chatd/chatd/internal/chat"
)

// userJSON is KOOK's User object.
type userJSON struct {
	ID             string `json:"id"`
	Username       string `json:"username"`
	Nickname       string `json:"nickname"`
	IdentifyNum    string `json:"identify_num"`
	Online         bool   `json:"online"`
	OS             string `json:"os"`
	Bot            bool   `json:"bot"`
	Status         int    `json:"status"`
	Avatar         string `json:"avatar"`
	VipAvatar      string `json:"vip_avatar"`
	Banner         string `json:"banner"`
	IsVip          bool   `json:"is_vip"`
	MobileVerified bool   `json:"mobile_verified"`
	Roles          []int  `json:"roles"`
	JoinedAt       int64  `json:"joined_at,omitempty"`
}

// user renders u; m, when not nil, is its membership in the guild at hand
// and supplies the nickname and roles shown there.
func (a *API) user(u chat.User, m *chat.Member) userJSON {
	j := userJSON{ID: idString(u.ID), Username: u.Username, Nickname: u.DisplayName(),
		IdentifyNum: strconv.Itoa(u.IdentifyNum()), Online: a.svc.Online(u.ID), OS: "Websocket",
		Bot: u.Bot, Status: 1, Avatar: u.Avatar, VipAvatar: u.Avatar, Roles: []int{}}
	if m != nil {
		if m.Nickname != "" {
			j.Nickname = m.Nickname
		}
		j.Roles = append(j.Roles, m.Roles...)
		j.JoinedAt = m.JoinedAt.UnixMilli()
	}
	return j
}

// roleJSON is KOOK's Role object.
type roleJSON struct {
	RoleID      int    `json:"role_id"`
	Name        string `json:"name"`
	Color       int    `json:"color"`
	Position    int    `json:"position"`
	Hoist       int    `json:"hoist"`
	Mentionable int    `json:"mentionable"`
	Permissions uint64 `json:"permissions"`
}

func role(r chat.Role) roleJSON {
	return roleJSON{RoleID: r.ID, Name: r.Name, Color: r.Color, Position: r.Position, Hoist: boolInt(r.Hoist),
		Mentionable: boolInt(r.Mentionable), Permissions: uint64(r.Permissions)}
}

func roles(rs []chat.Role) []roleJSON {
	out := make([]roleJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, role(r))
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ms renders a time as KOOK does, in milliseconds, 0 for none.
func ms(t interface {
	UnixMilli() int64
	IsZero() bool
}) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
