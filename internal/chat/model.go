package chat

import "time"

// User is a person or a bot. Every face sees the same users.
type User struct {
	ID int64
	// AppID is the tenant the user belongs to (DefaultAppID when created
	// without one). Nothing of another app is visible to it.
	AppID     int64
	Username  string
	Nickname  string
	Avatar    string
	Bot       bool
	CreatedAt time.Time
}

// IdentifyNum is the four-digit discriminator KOOK shows after the name
// (name#1234). It is derived from the id so it never needs storing.
func (u User) IdentifyNum() int { return int(u.ID%9000) + 1000 }

// DisplayName is the nickname when set, else the username.
func (u User) DisplayName() string {
	if u.Nickname != "" {
		return u.Nickname
	}
	return u.Username
}

// Guild is a server: members with roles, and channels.
type Guild struct {
	ID               int64
	Name             string
	Topic            string
	Icon             string
	OwnerID          int64
	DefaultChannelID int64
	CreatedAt        time.Time
}

// Role is a named set of permission bits within a guild. Role 0 is the
// everyone role every member has.
type Role struct {
	GuildID     int64
	ID          int
	Name        string
	Color       int
	Position    int
	Hoist       bool
	Mentionable bool
	Permissions Permission
}

// EveryoneRoleID is the role every guild member holds.
const EveryoneRoleID = 0

// Member is a user's membership of a guild.
type Member struct {
	GuildID  int64
	UserID   int64
	Nickname string
	Roles    []int // role ids besides the everyone role
	JoinedAt time.Time
}

// ChatKind tells the three kinds of conversation apart.
type ChatKind int

const (
	// ChatChannel is a channel in a guild (a KOOK channel).
	ChatChannel ChatKind = 1
	// ChatDirect is a conversation between exactly two users.
	ChatDirect ChatKind = 2
	// ChatGroup is a guild-less group (Yunhu and Lanying groups).
	ChatGroup ChatKind = 3
)

// ChannelType is a channel's medium, as KOOK numbers it.
type ChannelType int

const (
	ChannelCategory ChannelType = 0
	ChannelText     ChannelType = 1
	ChannelVoice    ChannelType = 2
)

// Chat is any conversation: it owns a message sequence. Channels carry
// guild fields; direct chats carry their two members and a code.
type Chat struct {
	ID        int64
	AppID     int64 // the tenant; a chat is invisible to users of other apps
	Kind      ChatKind
	GuildID   int64 // channels only
	Name      string
	Topic     string
	Type      ChannelType
	ParentID  int64 // the category a channel sits in, 0 if none
	Level     int   // position among its siblings
	SlowMode  int   // ms between one member's messages
	CreatorID int64
	// Code names a direct chat (32 hex); empty for other kinds.
	Code string
	// Members of a direct chat, lower id first.
	Members   [2]int64
	LastSeq   int64     // seq of the newest message, 0 when empty
	LastMsgAt time.Time // time of the newest message
	CreatedAt time.Time
}

// IsCategory reports whether the chat is a channel category (no messages).
func (c Chat) IsCategory() bool { return c.Kind == ChatChannel && c.Type == ChannelCategory }

// Peer is the other member of a direct chat.
func (c Chat) Peer(userID int64) int64 {
	if c.Members[0] == userID {
		return c.Members[1]
	}
	return c.Members[0]
}

// HasMember reports whether userID is one of a direct chat's two members.
func (c Chat) HasMember(userID int64) bool {
	return c.Kind == ChatDirect && (c.Members[0] == userID || c.Members[1] == userID)
}

// MessageType is a message's content kind, numbered as KOOK numbers them;
// other faces map their own kinds onto these.
type MessageType int

const (
	TypeText      MessageType = 1
	TypeImage     MessageType = 2
	TypeVideo     MessageType = 3
	TypeFile      MessageType = 4
	TypeAudio     MessageType = 8
	TypeKMarkdown MessageType = 9
	TypeCard      MessageType = 10
	// Kinds KOOK has no number for; numbered past KOOK's so they never
	// collide with one KOOK adds.
	TypeHTML    MessageType = 101
	TypeForm    MessageType = 102
	TypePost    MessageType = 103
	TypeSticker MessageType = 104
	// Lanying's LOCATION, COMMAND (app-defined) and FORWARD content kinds.
	TypeLocation MessageType = 105
	TypeCommand  MessageType = 106
	TypeForward  MessageType = 107
)

// GroupRole is a member's standing in a guild-less group.
type GroupRole int

const (
	GroupMemberRole GroupRole = 0
	GroupAdmin      GroupRole = 1
	GroupOwner      GroupRole = 2
)

// GroupMember is a user's membership of a group chat.
type GroupMember struct {
	ChatID   int64
	UserID   int64
	Role     GroupRole
	JoinedAt time.Time
}

// Extra is what a message carries beside its content: the attributes some
// faces send (buttons, forms, commands, media details) and where a
// forwarded copy came from. Stores keep it as one opaque JSON value.
type Extra struct {
	Buttons       string `json:"buttons,omitempty"` // JSON: rows of buttons
	CommandID     int64  `json:"command_id,omitempty"`
	QuoteText     string `json:"quote_text,omitempty"` // the sender's own rendering of the quote
	FileName      string `json:"file_name,omitempty"`
	FileSize      int64  `json:"file_size,omitempty"`
	Duration      int64  `json:"duration,omitempty"` // audio or video, in seconds
	Width         int64  `json:"width,omitempty"`
	Height        int64  `json:"height,omitempty"`
	ExpressionID  string `json:"expression_id,omitempty"`
	StickerItemID int64  `json:"sticker_item_id,omitempty"`
	StickerPackID int64  `json:"sticker_pack_id,omitempty"`
	PostID        string `json:"post_id,omitempty"`
	PostTitle     string `json:"post_title,omitempty"`
	PostType      string `json:"post_type,omitempty"`
	// ForwardOf is the 32-hex UUID of the message this one is a copy of,
	// ForwardChatID the chat it was in.
	ForwardOf     string `json:"forward_of,omitempty"`
	ForwardChatID int64  `json:"forward_chat_id,omitempty"`
	// Ext, Config and Attachment are Lanying's free strings, kept verbatim.
	Ext        string `json:"ext,omitempty"`
	Config     string `json:"config,omitempty"`
	Attachment string `json:"attachment,omitempty"`
}

// IsZero reports whether e carries nothing (stores keep no value for it).
func (e Extra) IsZero() bool { return e == Extra{} }

// Mentions are who and what a message points at. The faces parse them from
// their own markup; the core stores them.
type Mentions struct {
	Users    []int64 `json:"users,omitempty"`
	Roles    []int   `json:"roles,omitempty"`
	Channels []int64 `json:"channels,omitempty"`
	All      bool    `json:"all,omitempty"`
	Here     bool    `json:"here,omitempty"`
}

// Message is one stored message.
type Message struct {
	ID       int64 // 64-bit, time-ordered
	UUID     UUID
	ChatID   int64
	Seq      int64 // gapless, strictly increasing within the chat
	AuthorID int64
	Type     MessageType
	Content  string
	Mentions Mentions
	QuoteID  int64  // id of the quoted message, 0 if none
	Nonce    string // the client's idempotency key, echoed back
	Extra    Extra
	// TempTargetID marks a message shown to one user only and never stored.
	TempTargetID int64
	CreatedAt    time.Time
	EditedAt     time.Time // zero if never edited
	RecalledAt   time.Time // zero unless recalled (deleted for everyone)
}

// Recalled reports whether the message was deleted for everyone.
func (m Message) Recalled() bool { return !m.RecalledAt.IsZero() }

// Revision is an earlier version of an edited message.
type Revision struct {
	MessageID int64
	Rev       int // 1 for the first edit, 2 for the second, ...
	Content   string
	Mentions  Mentions
	QuoteID   int64
	Extra     Extra
	EditorID  int64
	EditedAt  time.Time // when this version was replaced
}

// FileDownload records that a user downloaded a message's file.
type FileDownload struct {
	MessageID int64
	UserID    int64
	Path      string
	At        time.Time
}

// Reaction is one user's emoji on one message.
type Reaction struct {
	MessageID int64
	Emoji     string
	UserID    int64
	CreatedAt time.Time
}

// ReactionCount is one emoji's tally on a message, as the viewer sees it.
type ReactionCount struct {
	Emoji string
	Count int
	Me    bool // the viewer is among those who reacted
}

// Pin marks a message as pinned in its chat.
type Pin struct {
	ChatID    int64
	MessageID int64
	PinnedBy  int64
	PinnedAt  time.Time
}

// ReadState is how far a user (on one device, or "" for all) has read a chat.
type ReadState struct {
	UserID int64
	ChatID int64
	Device string
	Seq    int64
	ReadAt time.Time
}

// DirectChatSummary is a row of a user's direct-chat list.
type DirectChatSummary struct {
	Chat        Chat
	Peer        User
	ReadSeq     int64
	LastReadAt  time.Time
	UnreadCount int
}

// Page asks for one page of a standard list (page counts from 1).
type Page struct {
	Page int
	Size int
}

// Offset is the number of rows before the page.
func (p Page) Offset() int { return (p.Page - 1) * p.Size }

// Normalize applies the defaults and bounds of every paged list.
func (p Page) Normalize() Page {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.Size < 1 {
		p.Size = 50
	}
	if p.Size > 100 {
		p.Size = 100
	}
	return p
}
