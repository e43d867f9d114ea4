package chat

import (
	"context"
	"time"
)

// Store is the persistence port. Every backend (sqlite, postgres) implements
// it and passes the storetest conformance suite. A method that finds nothing
// returns an error wrapping ErrNotFound (use NotFound). Stores enforce no
// permissions: the Service does.
//
// A write method with a log *Change parameter records log (when not nil) in
// the same transaction as the change, only when it changed something,
// setting log.Seq (the stream's next) and log.AfterSeq (for a chat's stream,
// the chat's last_seq); see ChangeStore.
type Store interface {
	UserStore
	GuildStore
	ChatStore
	MessageStore
	ReactionStore
	PinStore
	ReadStore
	WebhookStore
	GroupStore
	HiddenStore
	DownloadStore
	AppStore
	AppWebhookStore
	ChangeStore
	Close() error
}

// AppStore keeps tenants, passwords and login devices.
type AppStore interface {
	// CreateApp stores a with the hash of its admin token.
	CreateApp(ctx context.Context, a App, adminTokenHash []byte) error
	App(ctx context.Context, id int64) (App, error)
	AppByTokenHash(ctx context.Context, adminTokenHash []byte) (App, error)
	// SetPassword stores (or replaces) a user's password hash.
	SetPassword(ctx context.Context, userID int64, hash []byte) error
	PasswordHash(ctx context.Context, userID int64) ([]byte, error)
	// UserByName finds a user of an app by its username.
	UserByName(ctx context.Context, appID int64, username string) (User, error)
	// PutDeviceToken stores a token of userID for the device named guid,
	// numbering the device (1, 2, ... per user) on its first use; an empty
	// guid is no device (SN 0).
	PutDeviceToken(ctx context.Context, userID int64, guid string, tokenHash []byte, at time.Time) (Device, error)
	// UserByDeviceTokenHash returns the user and device SN of a token
	// PutDeviceToken stored.
	UserByDeviceTokenHash(ctx context.Context, tokenHash []byte) (User, int32, error)
}

// NotFound is how a store reports a missing object of kind what.
func NotFound(what string) error { return notFound(what) }

type UserStore interface {
	// CreateUser stores u with the hash of its token. A taken username is
	// ErrConflict.
	CreateUser(ctx context.Context, u User, tokenHash []byte) error
	User(ctx context.Context, id int64) (User, error)
	// UsersByID returns the users that exist among ids.
	UsersByID(ctx context.Context, ids []int64) (map[int64]User, error)
	UserByTokenHash(ctx context.Context, tokenHash []byte) (User, error)
}

type GuildStore interface {
	// CreateGuild stores the guild, its everyone role, its default channel
	// and its owner's membership in one transaction.
	CreateGuild(ctx context.Context, g Guild, everyone Role, defaultChannel Chat, owner Member, log *Change) error
	Guild(ctx context.Context, id int64) (Guild, error)
	// GuildsOfUser lists the guilds userID is a member of, oldest first.
	GuildsOfUser(ctx context.Context, userID int64, p Page) (guilds []Guild, total int, err error)
	// CreateRole stores r with the next free role id of its guild (ids
	// start at 1; 0 is the everyone role) and returns it with that id.
	CreateRole(ctx context.Context, r Role) (Role, error)
	Roles(ctx context.Context, guildID int64) ([]Role, error)
	// PutMember adds m, or replaces its roles and nickname when it exists.
	// It reports whether the member is new, and then sets log.Kind to
	// EventMemberJoined before logging it.
	PutMember(ctx context.Context, m Member, log *Change) (added bool, err error)
	Member(ctx context.Context, guildID, userID int64) (Member, error)
	// RemoveMember ends a membership; it reports false when there was none.
	// The user's messages stay.
	RemoveMember(ctx context.Context, guildID, userID int64, log *Change) (removed bool, err error)
	// MembersByUser returns the memberships among userIDs of one guild.
	MembersByUser(ctx context.Context, guildID int64, userIDs []int64) (map[int64]Member, error)
	// Members lists a guild's members in join order.
	Members(ctx context.Context, guildID int64, p Page) (members []Member, total int, err error)
}

type ChatStore interface {
	CreateChat(ctx context.Context, c Chat, log *Change) error
	// UpdateChat rewrites the mutable fields of a channel (name, topic,
	// parent, level, slow mode).
	UpdateChat(ctx context.Context, c Chat, log *Change) error
	// DeleteChat removes a chat; its messages become unreachable.
	DeleteChat(ctx context.Context, id int64, log *Change) error
	// Chat returns a chat with LastSeq and LastMsgAt current.
	Chat(ctx context.Context, id int64) (Chat, error)
	ChatByCode(ctx context.Context, code string) (Chat, error)
	// GuildChats lists a guild's channels ordered by level, then id.
	GuildChats(ctx context.Context, guildID int64) ([]Chat, error)
	// OpenDirectChat returns the direct chat between c.Members, creating it
	// from c when there is none. Concurrent calls for one pair return one chat.
	OpenDirectChat(ctx context.Context, c Chat) (Chat, error)
	// DirectChatsOf lists userID's direct chats that it has not hidden since
	// their newest message, newest activity (last message, else creation)
	// first. Each summary has Chat, ReadSeq and LastReadAt (userID's newest
	// read state over its devices) set; the Service fills in the rest.
	DirectChatsOf(ctx context.Context, userID int64, p Page) (chats []DirectChatSummary, total int, err error)
	// HideDirectChat removes a direct chat from userID's list until a
	// message newer than its current last seq arrives.
	HideDirectChat(ctx context.Context, userID, chatID int64) error
}

// SendKey is a send's idempotency key: one key of one author in one chat
// stores at most one message while the key lives.
type SendKey struct {
	Key     string
	Expires time.Duration // how long the key is remembered
}

type MessageStore interface {
	// AppendMessage stores m in its chat with the next seq (assigned in the
	// same transaction that stores it) and returns it with Seq set. When key
	// is not nil and the author already used it in that chat within its
	// lifetime, nothing is stored and the first message is returned with
	// created false. Stores batch concurrent appends into one commit.
	AppendMessage(ctx context.Context, m Message, key *SendKey) (stored Message, created bool, err error)
	Message(ctx context.Context, id int64) (Message, error)
	MessageByUUID(ctx context.Context, u UUID) (Message, error)
	MessagesByID(ctx context.Context, ids []int64) (map[int64]Message, error)
	// ListMessages returns the messages of q, oldest first.
	ListMessages(ctx context.Context, q MessageQuery) ([]Message, error)
	// EditMessage replaces the content of m.ID with m's content, mentions,
	// quote and extra, setting EditedAt, and keeps the version it replaces as the
	// next revision.
	EditMessage(ctx context.Context, m Message, editorID int64, log *Change) error
	// Revisions lists the earlier versions of a message, oldest first.
	Revisions(ctx context.Context, messageID int64) ([]Revision, error)
	// RecallMessage marks a message deleted for everyone; it keeps its seq.
	RecallMessage(ctx context.Context, id int64, at time.Time, log *Change) error
	// ChatsWithMessagesFrom lists the chats of the messages whose id is at
	// least minID (ids are time-ordered: the chats written to since then).
	ChatsWithMessagesFrom(ctx context.Context, minID int64) ([]int64, error)
	// CountUnread counts the messages of chatID after seq not written by
	// userID and not recalled.
	CountUnread(ctx context.Context, chatID, userID, afterSeq int64) (int, error)
}

// Direction says which side of an anchor a MessageQuery reads.
type Direction int

const (
	// Latest reads the newest messages; the anchor is ignored.
	Latest Direction = iota
	// Before reads messages with seq < the anchor's.
	Before
	// After reads messages with seq > the anchor's.
	After
)

// MessageQuery selects up to Limit messages of one chat next to AnchorSeq.
// Recalled messages are skipped unless WithRecalled is set; they still keep
// their seq.
type MessageQuery struct {
	ChatID       int64
	Direction    Direction
	AnchorSeq    int64
	Limit        int
	WithRecalled bool
	// HiddenFor, when set, skips the messages that user deleted for
	// itself (HiddenStore).
	HiddenFor int64
	// Type, when set, reads only messages of that type.
	Type MessageType
}

type GroupStore interface {
	// CreateGroup stores a group chat and its members in one transaction.
	CreateGroup(ctx context.Context, c Chat, members []GroupMember) error
	GroupMember(ctx context.Context, chatID, userID int64) (GroupMember, error)
	// GroupMembers lists a group's members in join order (then user id).
	GroupMembers(ctx context.Context, chatID int64) ([]GroupMember, error)
	// AddGroupMember adds m; it reports false when the user is a member.
	AddGroupMember(ctx context.Context, m GroupMember, log *Change) (added bool, err error)
	// RemoveGroupMember reports false when the user was not a member.
	RemoveGroupMember(ctx context.Context, chatID, userID int64, log *Change) (removed bool, err error)
	// GroupsOf lists the groups userID belongs to and has not hidden
	// (HideDirectChat) since their newest message, newest activity first.
	GroupsOf(ctx context.Context, userID int64) ([]Chat, error)
}

// HiddenStore keeps what each user deleted for itself (delete-for-me):
// the message stays for everyone else.
type HiddenStore interface {
	// HideMessage hides m from userID's listings; hiding twice is no error.
	HideMessage(ctx context.Context, userID int64, m Message, at time.Time) error
}

type DownloadStore interface {
	RecordDownload(ctx context.Context, d FileDownload) error
	// FileDownloads lists the downloads of a message, oldest first.
	FileDownloads(ctx context.Context, messageID int64) ([]FileDownload, error)
}

type ReactionStore interface {
	// AddReaction stores r; it reports false when that user already
	// reacted with that emoji.
	AddReaction(ctx context.Context, r Reaction, log *Change) (added bool, err error)
	// RemoveReaction reports false when there was no such reaction.
	RemoveReaction(ctx context.Context, messageID int64, emoji string, userID int64, log *Change) (removed bool, err error)
	// ReactionCounts tallies the reactions of each message, in the order
	// each emoji was first used, marking those of viewerID.
	ReactionCounts(ctx context.Context, messageIDs []int64, viewerID int64) (map[int64][]ReactionCount, error)
	// Reactions lists who reacted with emoji to a message, earliest first.
	Reactions(ctx context.Context, messageID int64, emoji string) ([]Reaction, error)
}

type PinStore interface {
	// Pin reports false when the message was already pinned.
	Pin(ctx context.Context, p Pin, log *Change) (added bool, err error)
	Unpin(ctx context.Context, chatID, messageID int64, log *Change) (removed bool, err error)
	// PinnedMessages lists a chat's pinned messages, most recently pinned
	// last, at most limit of the newest pins.
	PinnedMessages(ctx context.Context, chatID int64, limit int) ([]Message, error)
}

type ReadStore interface {
	// MarkRead moves a read state forward; it never moves it back.
	MarkRead(ctx context.Context, r ReadState) error
	// ReadStates returns the read state of userID in chatID for each device
	// that has one ("" is the user's own, device-less state).
	ReadStates(ctx context.Context, userID, chatID int64) ([]ReadState, error)
}
