package kook

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// Events in KOOK's shapes (reference/kook.md §1.7, seeds/002, the DM and
// member event pages). Each is rendered once, for every session it goes to.

// frameOf returns e's encoding, rendering it on first use.
func (a *API) frameOf(e *chat.Event) *eventFrame {
	f := a.frames.get(e)
	f.once.Do(func() { a.render(f, e) })
	return f
}

// renderTimeout bounds the store reads behind one event's rendering.
const renderTimeout = 5 * time.Second

func (a *API) render(f *eventFrame, e *chat.Event) {
	ctx, cancel := context.WithTimeout(context.Background(), renderTimeout)
	defer cancel()
	if e.Kind == chat.EventMessageCreated {
		f.v[0].head = encodeHead(a.messageEvent(ctx, e))
		return
	}
	if e.Chat.Kind == chat.ChatDirect {
		f.perMember, f.members = true, e.Chat.Members
		for i, m := range e.Chat.Members {
			f.v[i].head = encodeHead(a.systemEvent(ctx, e, m))
		}
		return
	}
	f.v[0].head = encodeHead(a.systemEvent(ctx, e, 0))
}

// messageEventJSON is d of a user message (types 1–10).
type messageEventJSON struct {
	ChannelType  string           `json:"channel_type"`
	Type         int              `json:"type"`
	TargetID     string           `json:"target_id"`
	AuthorID     string           `json:"author_id"`
	Content      string           `json:"content"`
	Extra        messageExtraJSON `json:"extra"`
	MsgID        string           `json:"msg_id"`
	MsgTimestamp int64            `json:"msg_timestamp"`
	Nonce        string           `json:"nonce"`
	VerifyToken  string           `json:"verify_token"` // must stay last: see encodeHead
}

type messageExtraJSON struct {
	Type         int             `json:"type"`
	GuildID      string          `json:"guild_id"`
	ChannelName  string          `json:"channel_name"`
	Mention      []string        `json:"mention"`
	MentionAll   bool            `json:"mention_all"`
	MentionRoles []int           `json:"mention_roles"`
	MentionHere  bool            `json:"mention_here"`
	NavChannels  []string        `json:"nav_channels"`
	Code         string          `json:"code"`
	Author       userJSON        `json:"author"`
	KMarkdown    kmarkdownJSON   `json:"kmarkdown"`
	Quote        *quoteJSON      `json:"quote,omitempty"`
	Attachments  *attachmentJSON `json:"attachments,omitempty"`
	ChannelType  int             `json:"channel_type"`
}

// kmarkdownJSON is extra.kmarkdown, present in every message event with
// empty arrays (strict clients require mention and item_part too).
type kmarkdownJSON struct {
	RawContent      string            `json:"raw_content"`
	Mention         []string          `json:"mention"`
	MentionPart     []mentionPartJSON `json:"mention_part"`
	MentionRolePart []roleJSON        `json:"mention_role_part"`
	ItemPart        []struct{}        `json:"item_part"`
}

func (a *API) messageEvent(ctx context.Context, e *chat.Event) messageEventJSON {
	v, err := a.svc.EventView(ctx, *e)
	if err != nil {
		a.log.Warn("gateway: rendering an event with what could be read", "msg", e.Message.UUID, "err", err)
	}
	j := a.message(v)
	m := e.Message
	d := messageEventJSON{ChannelType: "GROUP", Type: int(m.Type), TargetID: idString(e.Chat.ID),
		AuthorID: idString(m.AuthorID), Content: m.Content, MsgID: m.UUID.String(), MsgTimestamp: ms(m.CreatedAt),
		Nonce: m.Nonce}
	x := messageExtraJSON{Type: int(m.Type), GuildID: idString(e.Chat.GuildID), ChannelName: e.Chat.Name,
		Mention: j.Mention, MentionAll: j.MentionAll, MentionRoles: j.MentionRoles, MentionHere: j.MentionHere,
		NavChannels: make([]string, 0, len(m.Mentions.Channels)), Author: j.Author, Quote: j.Quote,
		Attachments: j.Attachments, ChannelType: int(e.Chat.Type),
		KMarkdown: kmarkdownJSON{RawContent: rawContent(v), Mention: j.Mention,
			MentionPart: j.MentionInfo.MentionPart, MentionRolePart: j.MentionInfo.MentionRolePart,
			ItemPart: []struct{}{}}}
	for _, id := range m.Mentions.Channels {
		x.NavChannels = append(x.NavChannels, idString(id))
	}
	if e.Chat.Kind == chat.ChatDirect {
		// target_id names the user the message was sent to.
		d.ChannelType, d.TargetID = "PERSON", idString(e.Chat.Peer(m.AuthorID))
		x.Code, x.ChannelType = e.Chat.Code, int(chat.ChannelText)
	}
	d.Extra = x
	return d
}

// rawContent is the text of a KMarkdown message as KOOK's raw_content
// shows it: mention markers become the names they point at.
func rawContent(v chat.MessageView) string {
	c := v.Message.Content
	if !mentionsIn(v.Message.Type) || !strings.Contains(c, ")") {
		return c
	}
	names := map[string]string{"(met)all(met)": "@全体成员", "(met)here(met)": "@在线成员"}
	for _, u := range v.MentionUsers {
		names["(met)"+idString(u.ID)+"(met)"] = "@" + u.DisplayName()
	}
	for _, r := range v.MentionRoles {
		names["(rol)"+strconv.Itoa(r.ID)+"(rol)"] = "@" + r.Name
	}
	pairs := make([]string, 0, 2*len(names))
	for k, n := range names {
		pairs = append(pairs, k, n)
	}
	return strings.NewReplacer(pairs...).Replace(c)
}

// systemEventJSON is d of a system event (type 255).
type systemEventJSON struct {
	ChannelType  string          `json:"channel_type"`
	Type         int             `json:"type"`
	TargetID     string          `json:"target_id"`
	AuthorID     string          `json:"author_id"`
	Content      string          `json:"content"`
	Extra        systemExtraJSON `json:"extra"`
	MsgID        string          `json:"msg_id"`
	MsgTimestamp int64           `json:"msg_timestamp"`
	Nonce        string          `json:"nonce"`
	VerifyToken  string          `json:"verify_token"` // must stay last: see encodeHead
}

type systemExtraJSON struct {
	Type string `json:"type"`
	Body any    `json:"body"`
}

// The bodies, field for field as KOOK's examples give them.
type (
	reactionBody struct {
		ChannelID   string    `json:"channel_id"`
		ChannelType int       `json:"channel_type"`
		Emoji       emojiJSON `json:"emoji"`
		UserID      string    `json:"user_id"`
		MsgID       string    `json:"msg_id"`
	}
	updatedMessageBody struct {
		ChannelID    string   `json:"channel_id"`
		Content      string   `json:"content"`
		Mention      []string `json:"mention"`
		MentionAll   bool     `json:"mention_all"`
		MentionHere  bool     `json:"mention_here"`
		MentionRoles []int    `json:"mention_roles"`
		UpdatedAt    int64    `json:"updated_at"`
		MsgID        string   `json:"msg_id"`
		ChannelType  int      `json:"channel_type"`
	}
	deletedMessageBody struct {
		ChannelID   string `json:"channel_id"`
		MsgID       string `json:"msg_id"`
		ChannelType int    `json:"channel_type"`
	}
	channelBody struct {
		ID                   string              `json:"id"`
		Name                 string              `json:"name"`
		UserID               string              `json:"user_id"`
		GuildID              string              `json:"guild_id"`
		IsCategory           int                 `json:"is_category"`
		ParentID             string              `json:"parent_id"`
		Level                int                 `json:"level"`
		SlowMode             int                 `json:"slow_mode"`
		Topic                string              `json:"topic"`
		Type                 int                 `json:"type"`
		PermissionOverwrites []overwriteJSON     `json:"permission_overwrites"`
		PermissionUsers      []permissionUserRow `json:"permission_users"`
		PermissionSync       int                 `json:"permission_sync"`
	}
	overwriteJSON struct {
		RoleID int `json:"role_id"`
		Allow  int `json:"allow"`
		Deny   int `json:"deny"`
	}
	permissionUserRow struct {
		User  userJSON `json:"user"`
		Allow int      `json:"allow"`
		Deny  int      `json:"deny"`
	}
	deletedChannelBody struct {
		ID        string `json:"id"`
		DeletedAt int64  `json:"deleted_at"`
		Type      int    `json:"type"`
	}
	pinBody struct {
		ChannelID   string `json:"channel_id"`
		OperatorID  string `json:"operator_id"`
		MsgID       string `json:"msg_id"`
		ChannelType int    `json:"channel_type"`
	}
	updatedPrivateBody struct {
		AuthorID  string `json:"author_id"`
		TargetID  string `json:"target_id"`
		MsgID     string `json:"msg_id"`
		Content   string `json:"content"`
		UpdatedAt int64  `json:"updated_at"`
		ChatCode  string `json:"chat_code"`
	}
	deletedPrivateBody struct {
		ChatCode  string `json:"chat_code"`
		MsgID     string `json:"msg_id"`
		AuthorID  string `json:"author_id"`
		TargetID  string `json:"target_id"`
		DeletedAt int64  `json:"deleted_at"`
	}
	privateReactionBody struct {
		Emoji    emojiJSON `json:"emoji"`
		UserID   string    `json:"user_id"`
		ChatCode string    `json:"chat_code"`
		MsgID    string    `json:"msg_id"`
	}
	privatePinBody struct {
		ChatCode   string `json:"chat_code"`
		OperatorID string `json:"operator_id"`
		MsgID      string `json:"msg_id"`
	}
	buttonClickBody struct {
		MsgID    string   `json:"msg_id"`
		UserID   string   `json:"user_id"`
		Value    string   `json:"value"`
		TargetID string   `json:"target_id"`
		UserInfo userJSON `json:"user_info"`
	}
	joinedGuildBody struct {
		UserID   string `json:"user_id"`
		JoinedAt int64  `json:"joined_at"`
	}
	exitedGuildBody struct {
		UserID   string `json:"user_id"`
		ExitedAt int64  `json:"exited_at"`
	}
	updatedMemberBody struct {
		UserID   string `json:"user_id"`
		Nickname string `json:"nickname"`
	}
)

// systemEvent renders a system event; receiver is the user a direct
// chat's event goes to (its target_id), 0 for guild events.
func (a *API) systemEvent(ctx context.Context, e *chat.Event, receiver int64) systemEventJSON {
	now := e.At
	if now.IsZero() {
		now = time.Now()
	}
	at := now
	name, body := "", any(nil)
	m, c := e.Message, e.Chat
	msgID, chanID, chanType := m.UUID.String(), idString(c.ID), int(c.Type)
	emoji := emojiJSON{ID: e.Reaction.Emoji, Name: e.Reaction.Emoji}
	direct := c.Kind == chat.ChatDirect
	switch e.Kind {
	case chat.EventReactionAdded, chat.EventReactionRemoved:
		at = orNow(e.Reaction.CreatedAt, now)
		added := e.Kind == chat.EventReactionAdded
		switch {
		case direct && added:
			name = "private_added_reaction"
		case direct:
			name = "private_deleted_reaction"
		case added:
			name = "added_reaction"
		default:
			name = "deleted_reaction"
		}
		if direct {
			body = privateReactionBody{Emoji: emoji, UserID: idString(e.Reaction.UserID), ChatCode: c.Code, MsgID: msgID}
		} else {
			body = reactionBody{ChannelID: chanID, ChannelType: chanType, Emoji: emoji,
				UserID: idString(e.Reaction.UserID), MsgID: msgID}
		}
	case chat.EventMessageUpdated:
		at = orNow(m.EditedAt, now)
		if direct {
			name = "updated_private_message"
			body = updatedPrivateBody{AuthorID: idString(m.AuthorID), TargetID: idString(c.Peer(m.AuthorID)),
				MsgID: msgID, Content: m.Content, UpdatedAt: ms(at), ChatCode: c.Code}
			break
		}
		name = "updated_message"
		b := updatedMessageBody{ChannelID: chanID, Content: m.Content, Mention: []string{},
			MentionAll: m.Mentions.All, MentionHere: m.Mentions.Here, MentionRoles: []int{},
			UpdatedAt: ms(at), MsgID: msgID, ChannelType: chanType}
		for _, id := range m.Mentions.Users {
			b.Mention = append(b.Mention, idString(id))
		}
		b.MentionRoles = append(b.MentionRoles, m.Mentions.Roles...)
		body = b
	case chat.EventMessageDeleted:
		at = orNow(m.RecalledAt, now)
		if direct {
			name = "deleted_private_message"
			body = deletedPrivateBody{ChatCode: c.Code, MsgID: msgID, AuthorID: idString(m.AuthorID),
				TargetID: idString(c.Peer(m.AuthorID)), DeletedAt: ms(at)}
			break
		}
		name = "deleted_message"
		body = deletedMessageBody{ChannelID: chanID, MsgID: msgID, ChannelType: chanType}
	case chat.EventButtonClicked:
		// KOOK's message_btn_click, delivered to the bot that wrote the
		// message (receiver); target_id is the chat the click was in.
		name = "message_btn_click"
		b := buttonClickBody{MsgID: msgID, UserID: idString(e.ActorID), Value: e.Value, TargetID: chanID}
		if direct {
			b.TargetID = idString(e.ActorID)
		}
		if u, err := a.svc.User(ctx, e.ActorID); err == nil {
			b.UserInfo = a.user(u, nil)
		}
		body = b
	case chat.EventMessagePinned, chat.EventMessageUnpinned:
		name = "pinned_message"
		if e.Kind == chat.EventMessageUnpinned {
			name = "unpinned_message"
		}
		if direct {
			// KOOK has no pin event for direct chats; this one keeps the
			// channel event's name and says which chat by its code.
			body = privatePinBody{ChatCode: c.Code, OperatorID: idString(e.ActorID), MsgID: msgID}
			break
		}
		body = pinBody{ChannelID: chanID, OperatorID: idString(e.ActorID), MsgID: msgID, ChannelType: chanType}
	case chat.EventChannelCreated, chat.EventChannelUpdated:
		name = "added_channel"
		if e.Kind == chat.EventChannelCreated {
			at = orNow(c.CreatedAt, now)
		} else {
			name = "updated_channel"
		}
		body = channelBody{ID: chanID, Name: c.Name, UserID: idString(c.CreatorID), GuildID: idString(c.GuildID),
			IsCategory: boolInt(c.IsCategory()), ParentID: idString(c.ParentID), Level: c.Level,
			SlowMode: c.SlowMode, Topic: c.Topic, Type: chanType,
			// chatd keeps no overwrites: the everyone role's is empty.
			PermissionOverwrites: []overwriteJSON{{}}, PermissionUsers: []permissionUserRow{}, PermissionSync: 1}
	case chat.EventChannelDeleted:
		name = "deleted_channel"
		body = deletedChannelBody{ID: chanID, DeletedAt: ms(at), Type: chanType}
	case chat.EventMemberJoined:
		name = "joined_guild"
		if u, err := a.svc.User(ctx, e.UserID); err == nil {
			if mem, err := a.svc.Member(ctx, u, c.GuildID, u.ID); err == nil {
				at = orNow(mem.JoinedAt, now)
			}
		}
		body = joinedGuildBody{UserID: idString(e.UserID), JoinedAt: ms(at)}
	case chat.EventMemberLeft:
		name = "exited_guild"
		body = exitedGuildBody{UserID: idString(e.UserID), ExitedAt: ms(at)}
	case chat.EventMemberUpdated:
		name = "updated_guild_member"
		b := updatedMemberBody{UserID: idString(e.UserID)}
		if u, err := a.svc.User(ctx, e.UserID); err == nil {
			b.Nickname = u.DisplayName()
			if mem, err := a.svc.Member(ctx, u, c.GuildID, u.ID); err == nil && mem.Nickname != "" {
				b.Nickname = mem.Nickname
			}
		}
		body = b
	default:
		// A change this face has no KOOK event for still takes an sn;
		// clients skip system events they do not know.
		name, body = "chatd_event", map[string]any{"kind": int(e.Kind)}
	}
	d := systemEventJSON{ChannelType: "GROUP", Type: 255, TargetID: idString(c.GuildID), AuthorID: "1",
		Content: "[系统消息]", Extra: systemExtraJSON{Type: name, Body: body}, MsgID: systemMsgID(e, name),
		MsgTimestamp: ms(at)}
	if direct {
		d.ChannelType, d.TargetID = "PERSON", idString(receiver)
	}
	return d
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}

// systemMsgID names a system event. It is derived from what the event is
// about, so the same event rendered again (a resume after the encoding was
// dropped) keeps its id.
func systemMsgID(e *chat.Event, name string) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s|%d|%d|%d|%s|%d|%d|%d|%d|%d", name, e.Chat.ID, e.Chat.GuildID,
		e.Message.ID, e.Reaction.Emoji, e.Reaction.UserID, e.Reaction.CreatedAt.UnixNano(),
		e.Message.EditedAt.UnixNano(), e.UserID, e.ActorID))
	var u chat.UUID
	copy(u[:], h[:16])
	u[6] = u[6]&0x0f | 0x50 // version 5 (name-based)
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}
