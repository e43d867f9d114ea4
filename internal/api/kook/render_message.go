package kook

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/chatd/chatd/internal/chat"
)

// messageJSON is KOOK's message object, as message/list and message/view
// return it (and direct-message/list, which adds author_id).
type messageJSON struct {
	ID           string          `json:"id"`
	Type         int             `json:"type"`
	Content      string          `json:"content"`
	Mention      []string        `json:"mention"`
	MentionAll   bool            `json:"mention_all"`
	MentionRoles []int           `json:"mention_roles"`
	MentionHere  bool            `json:"mention_here"`
	Embeds       []struct{}      `json:"embeds"`
	Attachments  *attachmentJSON `json:"attachments"`
	CreateAt     int64           `json:"create_at"`
	UpdatedAt    int64           `json:"updated_at"`
	Reactions    []reactionJSON  `json:"reactions"`
	AuthorID     string          `json:"author_id,omitempty"`
	Author       userJSON        `json:"author"`
	ImageName    string          `json:"image_name"`
	ReadStatus   bool            `json:"read_status"`
	Quote        *quoteJSON      `json:"quote"`
	MentionInfo  mentionInfoJSON `json:"mention_info"`
}

// attachmentJSON is the media a message of type 2, 3, 4 or 8 points at;
// its content is the URL.
type attachmentJSON struct {
	Type string `json:"type"`
	URL  string `json:"url"`
	Name string `json:"name"`
	Size int64  `json:"size"`
}

type emojiJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type reactionJSON struct {
	Emoji emojiJSON `json:"emoji"`
	Count int       `json:"count"`
	Me    bool      `json:"me"`
}

// quoteJSON is KOOK's Quote object.
type quoteJSON struct {
	ID       string   `json:"id"`
	Type     int      `json:"type"`
	Content  string   `json:"content"`
	CreateAt int64    `json:"create_at"`
	Author   userJSON `json:"author"`
}

type mentionInfoJSON struct {
	MentionPart     []mentionPartJSON `json:"mention_part"`
	MentionRolePart []roleJSON        `json:"mention_role_part"`
}

type mentionPartJSON struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	FullName string `json:"full_name"`
	Avatar   string `json:"avatar"`
}

// attachmentTypes name the media of the message types that carry one.
var attachmentTypes = map[chat.MessageType]string{chat.TypeImage: "image", chat.TypeVideo: "video",
	chat.TypeFile: "file", chat.TypeAudio: "audio"}

// message renders one message as its viewer sees it. The live gateway
// renders the same object into its events, so it depends on nothing but
// the view.
func (a *API) message(v chat.MessageView) messageJSON {
	m := v.Message
	j := messageJSON{
		ID:           m.UUID.String(),
		Type:         int(m.Type),
		Content:      m.Content,
		Mention:      make([]string, 0, len(m.Mentions.Users)),
		MentionAll:   m.Mentions.All,
		MentionRoles: make([]int, 0, len(m.Mentions.Roles)),
		MentionHere:  m.Mentions.Here,
		Embeds:       []struct{}{},
		Attachments:  attachment(m),
		CreateAt:     ms(m.CreatedAt),
		UpdatedAt:    ms(m.EditedAt),
		Reactions:    make([]reactionJSON, 0, len(v.Reactions)),
		Author:       a.user(v.Author, v.AuthorMember),
		ReadStatus:   v.Read,
		MentionInfo: mentionInfoJSON{MentionPart: make([]mentionPartJSON, 0, len(v.MentionUsers)),
			MentionRolePart: roles(v.MentionRoles)},
	}
	if v.Chat.Kind == chat.ChatDirect {
		j.AuthorID = idString(m.AuthorID)
	}
	for _, id := range m.Mentions.Users {
		j.Mention = append(j.Mention, idString(id))
	}
	j.MentionRoles = append(j.MentionRoles, m.Mentions.Roles...)
	for _, r := range v.Reactions {
		j.Reactions = append(j.Reactions, reactionJSON{Emoji: emojiJSON{ID: r.Emoji, Name: r.Emoji}, Count: r.Count,
			Me: r.Me})
	}
	if q := v.Quote; q != nil {
		j.Quote = &quoteJSON{ID: q.Message.UUID.String(), Type: int(q.Message.Type), Content: q.Message.Content,
			CreateAt: ms(q.Message.CreatedAt), Author: a.user(q.Author, q.AuthorMember)}
	}
	for _, u := range v.MentionUsers {
		j.MentionInfo.MentionPart = append(j.MentionInfo.MentionPart, mentionPartJSON{ID: idString(u.ID),
			Username: u.Username, FullName: u.Username + "#" + strconv.Itoa(u.IdentifyNum()), Avatar: u.Avatar})
	}
	return j
}

func (a *API) messages(vs []chat.MessageView) []messageJSON {
	out := make([]messageJSON, 0, len(vs))
	for _, v := range vs {
		out = append(out, a.message(v))
	}
	return out
}

// attachment is the media object of a media message, nil for others.
func attachment(m chat.Message) *attachmentJSON {
	kind, ok := attachmentTypes[m.Type]
	if !ok {
		return nil
	}
	return &attachmentJSON{Type: kind, URL: m.Content, Name: fileName(m.Content)}
}

// fileName is the last path segment of a media URL.
func fileName(raw string) string {
	p := raw
	if u, err := url.Parse(raw); err == nil {
		p = u.Path
	} else if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	p = strings.TrimRight(p, "/")
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	return p
}
