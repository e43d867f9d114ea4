package kook

import (
	"strconv"

	"github.com/chatd/chatd/internal/chat"
)

// userJSON is KOOK's User object.
type userJSON struct {
	ID             string   `json:"id"`
	Username       string   `json:"username"`
	Nickname       string   `json:"nickname"`
	IdentifyNum    string   `json:"identify_num"`
	Online         bool     `json:"online"`
	OS             string   `json:"os"`
	Bot            bool     `json:"bot"`
	Status         int      `json:"status"`
	Avatar         string   `json:"avatar"`
	VipAvatar      string   `json:"vip_avatar"`
	Banner         string   `json:"banner"`
	IsVip          bool     `json:"is_vip"`
	MobileVerified bool     `json:"mobile_verified"`
	Roles          []int    `json:"roles"`
	TagInfo        *tagJSON `json:"tag_info,omitempty"` // bots only
	JoinedAt       int64    `json:"joined_at,omitempty"`
}

// tagJSON is the badge KOOK shows next to a name.
type tagJSON struct {
	Color   string `json:"color"`
	BgColor string `json:"bg_color"`
	Text    string `json:"text"`
}

// botTag is the badge KOOK gives every bot.
var botTag = tagJSON{Color: "#0096FF", BgColor: "#0096FF33", Text: "机器人"}

// user renders u; m, when not nil, is its membership in the guild at hand
// and supplies the nickname and roles shown there.
func (a *API) user(u chat.User, m *chat.Member) userJSON {
	j := userJSON{ID: idString(u.ID), Username: u.Username, Nickname: u.DisplayName(),
		IdentifyNum: strconv.Itoa(u.IdentifyNum()), Online: a.svc.Online(u.ID), OS: "Websocket",
		Bot: u.Bot, Status: 1, Avatar: u.Avatar, VipAvatar: u.Avatar, Roles: []int{}}
	if u.Bot {
		j.TagInfo = &botTag
	}
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

// memberJSON is a User as a guild shows it: with the member's join time
// and last activity. chatd does not record activity, so active_time is the
// join time, the last moment it knows the member was active.
type memberJSON struct {
	userJSON
	ActiveTime int64 `json:"active_time"`
}

func (a *API) member(u chat.User, m chat.Member) memberJSON {
	return memberJSON{userJSON: a.user(u, &m), ActiveTime: ms(m.JoinedAt)}
}

// guildJSON is KOOK's Guild object as guild/list shows it. The fields chatd
// has no notion of (notification type, voice region, public listing,
// boosts) carry KOOK's values for a private guild without any.
type guildJSON struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Topic            string `json:"topic"`
	UserID           string `json:"user_id"`
	IsMaster         bool   `json:"is_master"`
	Icon             string `json:"icon"`
	NotifyType       int    `json:"notify_type"`
	Region           string `json:"region"`
	EnableOpen       bool   `json:"enable_open"`
	OpenID           string `json:"open_id"`
	DefaultChannelID string `json:"default_channel_id"`
	WelcomeChannelID string `json:"welcome_channel_id"`
	BoostNum         int    `json:"boost_num"`
	Level            int    `json:"level"`
}

func guild(g chat.Guild, viewer chat.User) guildJSON {
	return guildJSON{ID: idString(g.ID), Name: g.Name, Topic: g.Topic, UserID: idString(g.OwnerID),
		IsMaster: g.OwnerID == viewer.ID, Icon: g.Icon, NotifyType: 1, Region: "beijing", OpenID: "0",
		DefaultChannelID: zeroID(g.DefaultChannelID), WelcomeChannelID: "0"}
}

// guildViewJSON is guild/view's Guild: the guild with its roles and the
// channels the viewer may see.
type guildViewJSON struct {
	guildJSON
	Features       []string      `json:"features"`
	BufferBoostNum int           `json:"buffer_boost_num"`
	Status         int           `json:"status"`
	AutoDeleteTime string        `json:"auto_delete_time"`
	Roles          []roleJSON    `json:"roles"`
	Channels       []channelJSON `json:"channels"`
}

func guildView(v chat.GuildView, viewer chat.User) guildViewJSON {
	out := guildViewJSON{guildJSON: guild(v.Guild, viewer), Features: []string{}, Roles: roles(v.Roles),
		Channels: make([]channelJSON, 0, len(v.Channels))}
	for _, c := range v.Channels {
		out.Channels = append(out.Channels, channel(c, nil))
	}
	return out
}

// channelJSON is KOOK's Channel object. chatd keeps no per-channel
// permission overwrites (channels follow the guild's roles, hence
// permission_sync 1), no passwords, user limits or voice servers.
type channelJSON struct {
	ID                   string   `json:"id"`
	Name                 string   `json:"name"`
	UserID               string   `json:"user_id"`
	GuildID              string   `json:"guild_id"`
	Topic                string   `json:"topic"`
	IsCategory           bool     `json:"is_category"`
	ParentID             string   `json:"parent_id"`
	Level                int      `json:"level"`
	SlowMode             int      `json:"slow_mode"`
	Type                 int      `json:"type"`
	PermissionOverwrites []any    `json:"permission_overwrites"`
	PermissionUsers      []any    `json:"permission_users"`
	PermissionSync       int      `json:"permission_sync"`
	HasPassword          bool     `json:"has_password"`
	LimitAmount          int      `json:"limit_amount"`
	VoiceQuality         string   `json:"voice_quality"`
	ServerURL            string   `json:"server_url"`
	Children             []string `json:"children"`
}

// channel renders c; children are the ids of the channels in a category
// (shown only when asked for, else empty).
func channel(c chat.Chat, children []string) channelJSON {
	if children == nil {
		children = []string{}
	}
	return channelJSON{ID: idString(c.ID), Name: c.Name, UserID: idString(c.CreatorID), GuildID: idString(c.GuildID),
		Topic: c.Topic, IsCategory: c.IsCategory(), ParentID: idString(c.ParentID), Level: c.Level,
		SlowMode: c.SlowMode, Type: int(c.Type), PermissionOverwrites: []any{}, PermissionUsers: []any{},
		PermissionSync: 1, VoiceQuality: defaultVoiceQuality, Children: children}
}

// defaultVoiceQuality is KOOK's default, "2" (normal); chatd keeps none.
const defaultVoiceQuality = "2"

// channelItemJSON is a row of channel/list.
type channelItemJSON struct {
	ID          string `json:"id"`
	UserID      string `json:"user_id"`
	ParentID    string `json:"parent_id"`
	Name        string `json:"name"`
	Type        int    `json:"type"`
	Level       int    `json:"level"`
	LimitAmount int    `json:"limit_amount"`
	IsCategory  bool   `json:"is_category"`
}

func channelItem(c chat.Chat) channelItemJSON {
	return channelItemJSON{ID: idString(c.ID), UserID: idString(c.CreatorID), ParentID: idString(c.ParentID),
		Name: c.Name, Type: int(c.Type), Level: c.Level, IsCategory: c.IsCategory()}
}

// zeroID renders an optional id the way KOOK's guild fields do: "0" for none.
func zeroID(id int64) string {
	if id == 0 {
		return "0"
	}
	return idString(id)
}
