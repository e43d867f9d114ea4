package kook_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/testenv"
)

func TestMessageCreateViewList(t *testing.T) {
	w := newMsgWorld(t)
	before := time.Now().UnixMilli()
	raw := msgOK(t, w.env.KOOK(w.owner.Token, "POST", "/message/create",
		map[string]any{"target_id": w.channel, "content": "**hello**", "nonce": "n-1"}))
	msgKeys(t, "message/create data", raw, "msg_id", "msg_timestamp", "nonce")
	sent := msgDecode[msgSent](t, raw)
	if _, err := chat.ParseUUID(sent.MsgID); err != nil || len(sent.MsgID) != 36 {
		t.Errorf("msg_id %q is not a dashed UUID", sent.MsgID)
	}
	if sent.MsgTimestamp < before || sent.MsgTimestamp > time.Now().UnixMilli() {
		t.Errorf("msg_timestamp %d is not the send time (ms)", sent.MsgTimestamp)
	}
	if sent.Nonce != "n-1" {
		t.Errorf("nonce %q, want n-1", sent.Nonce)
	}

	rawView := msgOK(t, w.env.KOOK(w.member.Token, "GET", "/message/view", map[string]string{"msg_id": sent.MsgID}))
	msgKeys(t, "message/view data", rawView, channelMessageKeys...)
	rawList := msgOK(t, w.env.KOOK(w.member.Token, "GET", "/message/list", map[string]string{"target_id": w.channel}))
	msgKeys(t, "message/list data", rawList, "items")
	listed := msgDecode[struct{ Items []msgJSON }](t, rawList).Items
	if len(listed) != 1 {
		t.Fatalf("list has %d messages, want 1", len(listed))
	}
	for name, m := range map[string]msgJSON{"view": msgDecode[msgJSON](t, rawView), "list": listed[0]} {
		t.Run(name, func(t *testing.T) {
			if m.ID != sent.MsgID || m.Type != 9 || m.Content != "**hello**" {
				t.Errorf("id %q type %d content %q, want %q 9 (the default) **hello**", m.ID, m.Type, m.Content, sent.MsgID)
			}
			if m.CreateAt != sent.MsgTimestamp || m.UpdatedAt != 0 {
				t.Errorf("create_at %d updated_at %d, want %d and 0", m.CreateAt, m.UpdatedAt, sent.MsgTimestamp)
			}
			if m.Mention == nil || len(m.Mention) != 0 || m.MentionRoles == nil || len(m.MentionRoles) != 0 ||
				m.MentionAll || m.MentionHere {
				t.Errorf("mentions %v %v %v %v, want [] [] false false", m.Mention, m.MentionRoles, m.MentionAll, m.MentionHere)
			}
			if m.Embeds == nil || len(m.Embeds) != 0 || m.Attachments != nil || m.Reactions == nil || len(m.Reactions) != 0 {
				t.Errorf("embeds %v attachments %v reactions %v, want [] null []", m.Embeds, m.Attachments, m.Reactions)
			}
			if m.ImageName == nil || *m.ImageName != "" || m.Quote != nil {
				t.Errorf("image_name %v quote %v, want \"\" and null", m.ImageName, m.Quote)
			}
			if m.Author.ID != w.owner.ID || m.Author.Username != "owner" || !m.Author.Bot || m.Author.Roles == nil {
				t.Errorf("author %+v, want the owner", m.Author)
			}
			if m.AuthorID != "" {
				t.Errorf("a channel message carries author_id %q", m.AuthorID)
			}
			if m.MentionInfo == nil || m.MentionInfo.MentionPart == nil || len(m.MentionInfo.MentionPart) != 0 ||
				m.MentionInfo.MentionRolePart == nil || len(m.MentionInfo.MentionRolePart) != 0 {
				t.Errorf("mention_info %+v, want empty arrays", m.MentionInfo)
			}
		})
	}
}

func TestMessageCreateTypes(t *testing.T) {
	w := newMsgWorld(t)
	card := `[{"type":"card","theme":"primary","size":"lg","modules":[{"type":"header","text":{"type":"plain-text","content":"hi"}}]}]`
	tests := []struct {
		name       string
		params     map[string]any
		wantType   int
		attachment string // attachments.type, "" for null
		wantName   string
	}{
		{"text", map[string]any{"type": 1, "content": "plain"}, 1, "", ""},
		{"type as a string", map[string]any{"type": "1", "content": "plain"}, 1, "", ""},
		{"kmarkdown", map[string]any{"type": 9, "content": "*k*"}, 9, "", ""},
		{"card", map[string]any{"type": 10, "content": card}, 10, "", ""},
		{"image", map[string]any{"type": 2, "content": "https://img.example.com/a/cat.png"}, 2, "image", "cat.png"},
		{"video", map[string]any{"type": 3, "content": "https://v.example.com/clip.mp4?t=1"}, 3, "video", "clip.mp4"},
		{"file", map[string]any{"type": 4, "content": "https://f.example.com/x/report.pdf"}, 4, "file", "report.pdf"},
		{"audio", map[string]any{"type": 8, "content": "https://a.example.com/song.mp3"}, 8, "audio", "song.mp3"},
		{"channel_id alias, no type", map[string]any{"channel_id": w.channel, "content": "echo"}, 9, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sent msgSent
			if _, alias := tt.params["channel_id"]; alias {
				sent = msgDecode[msgSent](t, msgOK(t, w.env.KOOK(w.owner.Token, "POST", "/message/create", tt.params)))
			} else {
				sent = w.send(t, w.owner.Token, tt.params)
			}
			m := w.view(t, w.owner.Token, sent.MsgID)
			if m.Type != tt.wantType || m.Content != tt.params["content"] {
				t.Errorf("type %d content %q, want %d %q", m.Type, m.Content, tt.wantType, tt.params["content"])
			}
			if tt.attachment == "" {
				if m.Attachments != nil {
					t.Errorf("attachments %+v, want null", m.Attachments)
				}
				return
			}
			a := m.Attachments
			if a == nil || a.Type != tt.attachment || a.URL != m.Content || a.Name != tt.wantName || a.Size != 0 {
				t.Errorf("attachments %+v, want {%s %s %s 0}", a, tt.attachment, m.Content, tt.wantName)
			}
		})
	}
}

func TestMessageNonce(t *testing.T) {
	w := newMsgWorld(t)
	first := w.send(t, w.owner.Token, map[string]any{"content": "once", "nonce": "retry-me"})
	again := w.send(t, w.owner.Token, map[string]any{"content": "once", "nonce": "retry-me"})
	if again != first {
		t.Errorf("retry answered %+v, want the first answer %+v", again, first)
	}

	const senders = 20
	nonce := "4f9d1c2e-7a3b-4c5d-9e8f-0a1b2c3d4e5f"
	answers := make([]msgSent, senders)
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() {
			r := w.env.KOOK(w.owner.Token, "POST", "/message/create",
				map[string]any{"target_id": w.channel, "content": "concurrent", "nonce": nonce})
			if r.Code != 0 {
				t.Errorf("sender %d: code %d: %s", i, r.Code, r.Body)
				return
			}
			answers[i] = msgDecode[msgSent](t, r.Data)
		})
	}
	wg.Wait()
	for i, a := range answers {
		if a.MsgID != answers[0].MsgID || a.Nonce != nonce || a.MsgTimestamp != answers[0].MsgTimestamp {
			t.Errorf("sender %d got %+v, sender 0 got %+v (nonce %s)", i, a, answers[0], nonce)
		}
	}
	got := msgContents(w.list(t, w.owner.Token, map[string]string{"page_size": "100"}))
	if strings.Join(got, ",") != "once,concurrent" {
		t.Errorf("stored %q, want one message per nonce", got)
	}
	// Another author's identical nonce is its own message.
	other := w.send(t, w.member.Token, map[string]any{"content": "mine", "nonce": nonce})
	if other.MsgID == answers[0].MsgID || other.Nonce != nonce {
		t.Errorf("member's send with the owner's nonce answered %+v", other)
	}
}

func TestMessageCreateRejects(t *testing.T) {
	w := newMsgWorld(t)
	existing := w.send(t, w.owner.Token, map[string]any{"content": "keep"})
	ch := w.channel
	sixCards := "[" + strings.TrimSuffix(strings.Repeat(`{"type":"card","modules":[]},`, 6), ",") + "]"
	modules51 := `[{"type":"card","modules":[` + strings.TrimSuffix(strings.Repeat(`{"type":"divider"},`, 51), ",") + `]}]`
	tests := []struct {
		name  string
		body  string
		code  int
		field string
	}{
		{"malformed JSON", `{"target_id":"` + ch + `","content":`, 40000, "body"},
		{"not an object", `["x"]`, 40000, "body"},
		{"type not a number", `{"type":"x","target_id":"` + ch + `","content":"a"}`, 40000, "type"},
		{"type not sendable", `{"type":7,"target_id":"` + ch + `","content":"a"}`, 40000, "type"},
		{"target_id a bool", `{"target_id":true,"content":"a"}`, 40000, "target_id"},
		{"target_id missing", `{"content":"a"}`, 40000, "target_id"},
		{"target_id not an id", `{"target_id":"abc","content":"a"}`, 40000, "target_id"},
		{"content missing", `{"target_id":"` + ch + `"}`, 40000, "content"},
		{"content an object", `{"target_id":"` + ch + `","content":{}}`, 40000, "content"},
		{"content of 8001 characters", `{"target_id":"` + ch + `","content":"` + strings.Repeat("字", 8001) + `"}`,
			40000, "content"},
		{"six cards", fmt.Sprintf(`{"type":10,"target_id":%q,"content":%q}`, ch, sixCards), 40000, "content"},
		{"51 modules", fmt.Sprintf(`{"type":10,"target_id":%q,"content":%q}`, ch, modules51), 40000, "content"},
		{"card that is not JSON", `{"type":10,"target_id":"` + ch + `","content":"not json"}`, 40000, "content"},
		{"quote not an id", `{"target_id":"` + ch + `","content":"a","quote":"nope"}`, 40000, "quote"},
		{"unknown quote", `{"target_id":"` + ch + `","content":"a","quote":"` + chat.NewUUID().String() + `"}`,
			40000, "quote"},
		{"nonce too long", `{"target_id":"` + ch + `","content":"a","nonce":"` + strings.Repeat("n", 129) + `"}`,
			40000, "nonce"},
		{"unknown temp_target_id", `{"target_id":"` + ch + `","content":"a","temp_target_id":"12345"}`,
			40000, "temp_target_id"},
		{"unknown target_id", `{"target_id":"123456789","content":"a"}`, 40400, "channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgFail(t, w.env.Raw("POST", "/message/create", w.owner.Token, tt.body), tt.code, tt.field)
		})
	}
	got := w.list(t, w.owner.Token, nil)
	if len(got) != 1 || got[0].ID != existing.MsgID {
		t.Fatalf("after rejected sends the channel holds %q, want only \"keep\"", msgContents(got))
	}
	// The limit is inclusive: 8000 characters are accepted.
	long := strings.Repeat("字", 8000)
	sent := w.send(t, w.owner.Token, map[string]any{"content": long})
	if m := w.view(t, w.owner.Token, sent.MsgID); m.Content != long {
		t.Errorf("8000-character content came back with %d characters", len([]rune(m.Content)))
	}
}

func TestMessageListRejects(t *testing.T) {
	w := newMsgWorld(t)
	tests := []struct {
		name  string
		query map[string]string
		code  int
		field string
	}{
		{"target_id missing", map[string]string{}, 40000, "target_id"},
		{"bad flag", map[string]string{"target_id": w.channel, "flag": "sideways"}, 40000, "flag"},
		{"pin 2", map[string]string{"target_id": w.channel, "pin": "2"}, 40000, "pin"},
		{"page_size 101", map[string]string{"target_id": w.channel, "page_size": "101"}, 40000, "page_size"},
		{"page_size -1", map[string]string{"target_id": w.channel, "page_size": "-1"}, 40000, "page_size"},
		{"page_size not a number", map[string]string{"target_id": w.channel, "page_size": "ten"}, 40000, "page_size"},
		{"msg_id not an id", map[string]string{"target_id": w.channel, "msg_id": "x"}, 40000, "msg_id"},
		{"unknown msg_id", map[string]string{"target_id": w.channel, "msg_id": chat.NewUUID().String()}, 40000, "msg_id"},
		{"unknown target_id", map[string]string{"target_id": "987654321"}, 40400, "channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgFail(t, w.env.KOOK(w.owner.Token, "GET", "/message/list", tt.query), tt.code, tt.field)
		})
	}
}

func TestMessageOutsiderSeesNothing(t *testing.T) {
	w := newMsgWorld(t)
	sent := w.send(t, w.owner.Token, map[string]any{"content": "members only"})
	calls := []struct {
		name, method, path string
		params             any
	}{
		{"list", "GET", "/message/list", map[string]string{"target_id": w.channel}},
		{"view", "GET", "/message/view", map[string]string{"msg_id": sent.MsgID}},
		{"reaction-list", "GET", "/message/reaction-list", map[string]string{"msg_id": sent.MsgID, "emoji": "[#128077;]"}},
		{"create", "POST", "/message/create", map[string]any{"target_id": w.channel, "content": "intruder"}},
		{"update", "POST", "/message/update", map[string]any{"msg_id": sent.MsgID, "content": "defaced"}},
		{"delete", "POST", "/message/delete", map[string]any{"msg_id": sent.MsgID}},
		{"add-reaction", "POST", "/message/add-reaction", map[string]any{"msg_id": sent.MsgID, "emoji": "[#128077;]"}},
		{"pin", "POST", "/message/pin", map[string]any{"msg_id": sent.MsgID, "target_id": w.channel}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			r := w.env.KOOK(w.outsider.Token, c.method, c.path, c.params)
			if r.Code != 40400 || r.Status != 404 {
				t.Fatalf("outsider got status %d code %d, want 40400: %s", r.Status, r.Code, r.Body)
			}
			if strings.Contains(string(r.Body), "members only") {
				t.Errorf("the answer leaks the message: %s", r.Body)
			}
		})
	}
	got := w.list(t, w.owner.Token, nil)
	if len(got) != 1 || got[0].Content != "members only" || len(got[0].Reactions) != 0 {
		t.Errorf("after the outsider's calls the channel holds %+v", got)
	}
	if pins := w.list(t, w.owner.Token, map[string]string{"pin": "1"}); len(pins) != 0 {
		t.Errorf("the outsider pinned %q", msgContents(pins))
	}
}

func TestMessagePermissions(t *testing.T) {
	w := newMsgWorld(t)
	sent := w.send(t, w.owner.Token, map[string]any{"content": "owner's"})
	msgOK(t, w.env.KOOK(w.owner.Token, "POST", "/message/add-reaction", map[string]any{"msg_id": sent.MsgID, "emoji": "[#128077;]"}))

	calls := []struct {
		name, path string
		params     map[string]any
	}{
		{"delete someone else's message", "/message/delete", map[string]any{"msg_id": sent.MsgID}},
		{"delete someone else's reaction", "/message/delete-reaction",
			map[string]any{"msg_id": sent.MsgID, "emoji": "[#128077;]", "user_id": w.owner.ID}},
		{"update someone else's message", "/message/update", map[string]any{"msg_id": sent.MsgID, "content": "mine now"}},
		{"pin without manage messages", "/message/pin", map[string]any{"msg_id": sent.MsgID, "target_id": w.channel}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			r := w.env.KOOK(w.member.Token, "POST", c.path, c.params)
			if r.Code != 40300 || r.Status != 403 {
				t.Fatalf("got status %d code %d, want 40300: %s", r.Status, r.Code, r.Body)
			}
		})
	}
	got := w.list(t, w.owner.Token, nil)
	if len(got) != 1 || got[0].Content != "owner's" || got[0].UpdatedAt != 0 {
		t.Fatalf("after refused calls the channel holds %+v", got)
	}
	if rs := got[0].Reactions; len(rs) != 1 || rs[0].Count != 1 || !rs[0].Me {
		t.Errorf("after refused calls the reactions are %+v", rs)
	}
	if pins := w.list(t, w.owner.Token, map[string]string{"pin": "1"}); len(pins) != 0 {
		t.Errorf("refused pin left %q pinned", msgContents(pins))
	}

	// With manage messages (the owner), others' messages may be deleted.
	mine := w.send(t, w.member.Token, map[string]any{"content": "member's"})
	raw := msgOK(t, w.env.KOOK(w.owner.Token, "POST", "/message/delete", map[string]any{"msg_id": mine.MsgID}))
	if string(raw) != "[]" {
		t.Errorf("message/delete data %s, want []", raw)
	}
	msgFail(t, w.env.KOOK(w.owner.Token, "GET", "/message/view", map[string]string{"msg_id": mine.MsgID}), 40400, "message")
	// And a member may delete its own.
	own := w.send(t, w.member.Token, map[string]any{"content": "again"})
	msgOK(t, w.env.KOOK(w.member.Token, "POST", "/message/delete", map[string]any{"msg_id": own.MsgID}))
	if got := msgContents(w.list(t, w.member.Token, nil)); strings.Join(got, ",") != "owner's" {
		t.Errorf("after deletes the channel holds %q", got)
	}
}

func TestMessageMentions(t *testing.T) {
	w := newMsgWorld(t)
	roleID := w.env.CreateRole(w.guild, "mods", uint64(chat.PermManageMessages))
	w.env.AddMember(w.guild, w.member.ID, roleID)
	// The member's own message tells its identify_num and shows its roles.
	hers := w.send(t, w.member.Token, map[string]any{"content": "hi"})
	author := w.view(t, w.owner.Token, hers.MsgID).Author
	if len(author.Roles) != 1 || author.Roles[0] != roleID {
		t.Errorf("author roles %v, want [%d]", author.Roles, roleID)
	}

	content := fmt.Sprintf("(met)%s(met) (met)all(met) (rol)%d(rol) see (chn)%s(chn)", w.member.ID, roleID, w.channel)
	card := fmt.Sprintf(`[{"type":"card","modules":[{"type":"section","text":{"type":"kmarkdown","content":%q}}]}]`,
		fmt.Sprintf("(met)%s(met) (met)here(met) (rol)%d(rol)", w.member.ID, roleID))
	tests := []struct {
		name          string
		token         string
		typ           int
		content       string
		all, here     bool
		users         []string
		roles         []int
		wantRolesPart bool
	}{
		{"kmarkdown by the owner", w.owner.Token, 9, content, true, false, []string{w.member.ID}, []int{roleID}, true},
		{"text by the owner", w.owner.Token, 1, content, true, false, []string{w.member.ID}, []int{roleID}, true},
		{"card by the owner", w.owner.Token, 10, card, false, true, []string{w.member.ID}, []int{roleID}, true},
		// @all needs the mention-everyone permission the member lacks.
		{"kmarkdown by a member", w.member.Token, 9, content, false, false, []string{w.member.ID}, []int{roleID}, true},
		{"image: no mentions", w.owner.Token, 2, "https://x.example.com/(met)1(met).png", false, false, []string{}, []int{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent := w.send(t, tt.token, map[string]any{"type": tt.typ, "content": tt.content})
			listed, ok := msgFind(w.list(t, w.owner.Token, nil), sent.MsgID)
			if !ok {
				t.Fatal("the message is not listed")
			}
			for name, m := range map[string]msgJSON{"view": w.view(t, w.owner.Token, sent.MsgID), "list": listed} {
				if fmt.Sprint(m.Mention) != fmt.Sprint(tt.users) || fmt.Sprint(m.MentionRoles) != fmt.Sprint(tt.roles) ||
					m.MentionAll != tt.all || m.MentionHere != tt.here {
					t.Errorf("%s: mention %v roles %v all %v here %v, want %v %v %v %v", name, m.Mention, m.MentionRoles,
						m.MentionAll, m.MentionHere, tt.users, tt.roles, tt.all, tt.here)
				}
				parts := m.MentionInfo.MentionPart
				if len(parts) != len(tt.users) {
					t.Fatalf("%s: mention_part %+v, want %d users", name, parts, len(tt.users))
				}
				for _, p := range parts {
					if p.ID != w.member.ID || p.Username != "member" || p.FullName != "member#"+author.IdentifyNum {
						t.Errorf("%s: mention_part %+v, want member (member#%s)", name, p, author.IdentifyNum)
					}
				}
				rp := m.MentionInfo.MentionRolePart
				if tt.wantRolesPart != (len(rp) == 1) || (len(rp) == 1 && (rp[0].RoleID != roleID || rp[0].Name != "mods" ||
					rp[0].Permissions != uint64(chat.PermManageMessages))) {
					t.Errorf("%s: mention_role_part %+v, want the mods role: %v", name, rp, tt.wantRolesPart)
				}
			}
		})
	}
	// Editing rereads the mentions.
	sent := w.send(t, w.owner.Token, map[string]any{"content": content})
	msgOK(t, w.env.KOOK(w.owner.Token, "POST", "/message/update", map[string]any{"msg_id": sent.MsgID, "content": "(met)here(met)"}))
	if m := w.view(t, w.owner.Token, sent.MsgID); len(m.Mention) != 0 || m.MentionAll || !m.MentionHere || len(m.MentionRoles) != 0 {
		t.Errorf("after the edit: mention %v all %v here %v roles %v, want only here", m.Mention, m.MentionAll,
			m.MentionHere, m.MentionRoles)
	}
}

func TestMessageQuoteAndUpdate(t *testing.T) {
	w := newMsgWorld(t)
	first := w.send(t, w.member.Token, map[string]any{"content": "first"})
	reply := w.send(t, w.owner.Token, map[string]any{"content": "reply", "quote": first.MsgID})

	quoteOf := func(t *testing.T) *msgQuote {
		t.Helper()
		m, ok := msgFind(w.list(t, w.owner.Token, nil), reply.MsgID)
		if !ok {
			t.Fatal("reply not listed")
		}
		return m.Quote
	}
	wantQuote := func(t *testing.T, q *msgQuote) {
		t.Helper()
		if q == nil || q.ID != first.MsgID || q.Type != 9 || q.Content != "first" || q.CreateAt != first.MsgTimestamp ||
			q.Author.ID != w.member.ID || q.Author.Username != "member" {
			t.Fatalf("quote %+v, want the first message by member", q)
		}
	}
	wantQuote(t, quoteOf(t))
	rawList := msgOK(t, w.env.KOOK(w.owner.Token, "GET", "/message/list", map[string]string{"target_id": w.channel}))
	items := msgDecode[struct{ Items []map[string]json.RawMessage }](t, rawList).Items
	msgKeys(t, "quote", items[1]["quote"], "id", "type", "content", "create_at", "author")

	update := func(t *testing.T, token string, params map[string]any) {
		t.Helper()
		params["msg_id"] = reply.MsgID
		raw := msgOK(t, w.env.KOOK(token, "POST", "/message/update", params))
		if string(raw) != "[]" {
			t.Errorf("message/update data %s, want []", raw)
		}
	}
	update(t, w.owner.Token, map[string]any{"content": "edited"})
	wantQuote(t, quoteOf(t)) // absent quote: unchanged
	m := w.view(t, w.owner.Token, reply.MsgID)
	if m.Content != "edited" || m.UpdatedAt < m.CreateAt || m.UpdatedAt == 0 {
		t.Errorf("after update: content %q updated_at %d create_at %d", m.Content, m.UpdatedAt, m.CreateAt)
	}
	update(t, w.owner.Token, map[string]any{"content": "edited", "quote": ""})
	if q := quoteOf(t); q != nil {
		t.Errorf("quote \"\" left %+v", q)
	}
	update(t, w.owner.Token, map[string]any{"content": "edited", "quote": first.MsgID})
	wantQuote(t, quoteOf(t))

	// Refusals change nothing.
	text := w.send(t, w.owner.Token, map[string]any{"type": 1, "content": "plain text"})
	refusals := []struct {
		name   string
		token  string
		params map[string]any
		code   int
		field  string
	}{
		{"someone else's message", w.member.Token, map[string]any{"msg_id": reply.MsgID, "content": "hijack"}, 40300, "permission"},
		{"a text message", w.owner.Token, map[string]any{"msg_id": text.MsgID, "content": "*k*"}, 40000, "msg_id"},
		{"unknown msg_id", w.owner.Token, map[string]any{"msg_id": chat.NewUUID().String(), "content": "x"}, 40400, "message"},
		{"msg_id missing", w.owner.Token, map[string]any{"content": "x"}, 40000, "msg_id"},
		{"content missing", w.owner.Token, map[string]any{"msg_id": reply.MsgID}, 40000, "content"},
		{"content of 8001 characters", w.owner.Token, map[string]any{"msg_id": reply.MsgID, "content": strings.Repeat("a", 8001)},
			40000, "content"},
		{"unknown quote", w.owner.Token, map[string]any{"msg_id": reply.MsgID, "content": "x", "quote": chat.NewUUID().String()},
			40000, "quote"},
		{"unknown temp_target_id", w.owner.Token, map[string]any{"msg_id": reply.MsgID, "content": "x", "temp_target_id": "12345"},
			40000, "temp_target_id"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			msgFail(t, w.env.KOOK(tt.token, "POST", "/message/update", tt.params), tt.code, tt.field)
		})
	}
	if m := w.view(t, w.owner.Token, reply.MsgID); m.Content != "edited" {
		t.Errorf("refused updates changed the content to %q", m.Content)
	}
	// A temporary update is shown to one user and never stored.
	msgOK(t, w.env.KOOK(w.owner.Token, "POST", "/message/update",
		map[string]any{"msg_id": reply.MsgID, "content": "only for you", "temp_target_id": w.member.ID}))
	if m := w.view(t, w.owner.Token, reply.MsgID); m.Content != "edited" {
		t.Errorf("a temporary update was stored: content %q", m.Content)
	}
	wantQuote(t, quoteOf(t))
	if m := w.view(t, w.owner.Token, text.MsgID); m.Content != "plain text" || m.UpdatedAt != 0 {
		t.Errorf("the text message became %q (updated_at %d)", m.Content, m.UpdatedAt)
	}
}

func TestMessageReactions(t *testing.T) {
	w := newMsgWorld(t)
	sent := w.send(t, w.owner.Token, map[string]any{"content": "react to me"})
	const thumbs = "[#128077;]"
	react := func(token, path string, params map[string]any) {
		t.Helper()
		params["msg_id"] = sent.MsgID
		if raw := msgOK(t, w.env.KOOK(token, "POST", path, params)); string(raw) != "[]" {
			t.Errorf("%s data %s, want []", path, raw)
		}
	}
	reactions := func(token string) string {
		t.Helper()
		var parts []string
		for _, r := range w.view(t, token, sent.MsgID).Reactions {
			if r.Emoji.ID != r.Emoji.Name {
				t.Errorf("emoji %+v: id and name differ", r.Emoji)
			}
			parts = append(parts, fmt.Sprintf("%s×%d me=%v", r.Emoji.ID, r.Count, r.Me))
		}
		return strings.Join(parts, " ")
	}
	react(w.owner.Token, "/message/add-reaction", map[string]any{"emoji": thumbs})
	react(w.owner.Token, "/message/add-reaction", map[string]any{"emoji": thumbs})
	if got, want := reactions(w.owner.Token), thumbs+"×1 me=true"; got != want {
		t.Errorf("owner sees %q after adding twice, want %q", got, want)
	}
	if got, want := reactions(w.member.Token), thumbs+"×1 me=false"; got != want {
		t.Errorf("member sees %q, want %q", got, want)
	}
	time.Sleep(2 * time.Millisecond)
	react(w.member.Token, "/message/add-reaction", map[string]any{"emoji": thumbs})
	react(w.member.Token, "/message/add-reaction", map[string]any{"emoji": "[#10084;]"})
	if got, want := reactions(w.member.Token), thumbs+"×2 me=true [#10084;]×1 me=true"; got != want {
		t.Errorf("member sees %q, want %q", got, want)
	}

	raw := msgOK(t, w.env.KOOK(w.member.Token, "GET", "/message/reaction-list", map[string]string{"msg_id": sent.MsgID, "emoji": thumbs}))
	users := msgDecode[[]json.RawMessage](t, raw)
	if len(users) != 2 {
		t.Fatalf("reaction-list has %d users, want 2: %s", len(users), raw)
	}
	msgKeys(t, "reaction-list user", users[0], "id", "username", "nickname", "identify_num", "online", "os",
		"bot", "status", "avatar", "vip_avatar", "banner", "is_vip", "mobile_verified", "roles", "tag_info", "joined_at",
		"reaction_time")
	type reactor struct {
		ID           string `json:"id"`
		Username     string `json:"username"`
		Bot          bool   `json:"bot"`
		ReactionTime int64  `json:"reaction_time"`
	}
	rs := msgDecode[[]reactor](t, raw)
	if rs[0].ID != w.owner.ID || rs[1].ID != w.member.ID || rs[0].Username != "owner" || !rs[0].Bot {
		t.Errorf("reaction-list %+v, want owner then member", rs)
	}
	if rs[0].ReactionTime < sent.MsgTimestamp || rs[1].ReactionTime <= rs[0].ReactionTime {
		t.Errorf("reaction_time %d, %d: want ms times in reaction order after %d", rs[0].ReactionTime, rs[1].ReactionTime,
			sent.MsgTimestamp)
	}
	msgFail(t, w.env.KOOK(w.member.Token, "GET", "/message/reaction-list", map[string]string{"msg_id": sent.MsgID}), 40000, "emoji")
	msgFail(t, w.env.KOOK(w.member.Token, "POST", "/message/add-reaction", map[string]any{"msg_id": sent.MsgID}), 40000, "emoji")

	react(w.owner.Token, "/message/delete-reaction", map[string]any{"emoji": thumbs})
	if got, want := reactions(w.owner.Token), thumbs+"×1 me=false [#10084;]×1 me=false"; got != want {
		t.Errorf("after deleting the owner's: %q, want %q", got, want)
	}
	// Manage messages (the owner) removes another user's reaction.
	react(w.owner.Token, "/message/delete-reaction", map[string]any{"emoji": thumbs, "user_id": w.member.ID})
	if got, want := reactions(w.member.Token), "[#10084;]×1 me=true"; got != want {
		t.Errorf("after removing the member's: %q, want %q", got, want)
	}
	raw = msgOK(t, w.env.KOOK(w.member.Token, "GET", "/message/reaction-list", map[string]string{"msg_id": sent.MsgID, "emoji": thumbs}))
	if string(raw) != "[]" {
		t.Errorf("reaction-list of a removed emoji: %s, want []", raw)
	}
}

func TestMessagePinUnpin(t *testing.T) {
	w := newMsgWorld(t)
	a := w.send(t, w.owner.Token, map[string]any{"content": "a"})
	b := w.send(t, w.owner.Token, map[string]any{"content": "b"})
	w.send(t, w.owner.Token, map[string]any{"content": "c"})
	pin := func(path, id string) {
		t.Helper()
		raw := msgOK(t, w.env.KOOK(w.owner.Token, "POST", path, map[string]any{"msg_id": id, "target_id": w.channel}))
		if string(raw) != "[]" {
			t.Errorf("%s data %s, want []", path, raw)
		}
	}
	pinned := func() string {
		t.Helper()
		return strings.Join(msgContents(w.list(t, w.member.Token, map[string]string{"pin": "1"})), ",")
	}
	if got := pinned(); got != "" {
		t.Errorf("pinned before any pin: %q", got)
	}
	pin("/message/pin", b.MsgID)
	pin("/message/pin", a.MsgID)
	pin("/message/pin", a.MsgID)
	if got := pinned(); got != "b,a" {
		t.Errorf("pinned %q, want b,a (most recent pin last)", got)
	}
	if got := strings.Join(msgContents(w.list(t, w.member.Token, map[string]string{"pin": "0"})), ","); got != "a,b,c" {
		t.Errorf("pin=0 lists %q, want every message", got)
	}
	if got := strings.Join(msgContents(w.list(t, w.member.Token, map[string]string{"pin": "1", "page_size": "1"})), ","); got != "a" {
		t.Errorf("pin=1 page_size=1 lists %q, want the newest pin", got)
	}
	pin("/message/unpin", b.MsgID)
	if got := pinned(); got != "a" {
		t.Errorf("after unpinning b: %q, want a", got)
	}
	msgFail(t, w.env.KOOK(w.owner.Token, "POST", "/message/pin", map[string]any{"msg_id": a.MsgID}), 40000, "target_id")
	msgFail(t, w.env.KOOK(w.owner.Token, "POST", "/message/pin", map[string]any{"target_id": w.channel}), 40000, "msg_id")
	msgFail(t, w.env.KOOK(w.owner.Token, "POST", "/message/pin",
		map[string]any{"target_id": w.channel, "msg_id": chat.NewUUID().String()}), 40400, "message")
}

func TestMessageTemporary(t *testing.T) {
	w := newMsgWorld(t)
	w.send(t, w.owner.Token, map[string]any{"content": "stored"})
	sent := w.send(t, w.owner.Token, map[string]any{"content": "only for you", "temp_target_id": w.member.ID, "nonce": "t"})
	if _, err := chat.ParseUUID(sent.MsgID); err != nil || sent.Nonce != "t" || sent.MsgTimestamp == 0 {
		t.Errorf("temporary send answered %+v", sent)
	}
	for _, u := range []string{w.owner.Token, w.member.Token} {
		if got := msgContents(w.list(t, u, nil)); strings.Join(got, ",") != "stored" {
			t.Errorf("the channel holds %q: a temporary message was stored", got)
		}
	}
	msgFail(t, w.env.KOOK(w.member.Token, "GET", "/message/view", map[string]string{"msg_id": sent.MsgID}), 40400, "message")
	// The target must be able to see the channel.
	msgFail(t, w.env.KOOK(w.owner.Token, "POST", "/message/create",
		map[string]any{"target_id": w.channel, "content": "x", "temp_target_id": w.outsider.ID}), 40000, "temp_target_id")
}

// curl -d sends the form content type; a JSON body sent that way is still
// read as JSON, and a real form body as a form.
func TestCreateWithTheFormContentType(t *testing.T) {
	env := testenv.New(t)
	owner := env.CreateUser("owner", true)
	_, ch := env.CreateGuild("g", owner.ID)
	post := func(body string) (code int, nonce string) {
		t.Helper()
		req, err := http.NewRequest("POST", env.URL+"/api/v3/message/create", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bot "+owner.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var env struct {
			Code int `json:"code"`
			Data struct {
				Nonce string `json:"nonce"`
			} `json:"data"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
			t.Fatal(err)
		}
		return env.Code, env.Data.Nonce
	}
	if code, nonce := post(`{"target_id":"` + ch + `","content":"json","nonce":"j"}`); code != 0 || nonce != "j" {
		t.Errorf("JSON with the form type: code %d nonce %q", code, nonce)
	}
	if code, nonce := post("target_id=" + ch + "&content=form&nonce=f"); code != 0 || nonce != "f" {
		t.Errorf("a form body: code %d nonce %q", code, nonce)
	}
	items := dataOf[struct {
		Items []struct {
			Content string `json:"content"`
		} `json:"items"`
	}](t, env.KOOK(owner.Token, "GET", "/message/list", map[string]string{"target_id": ch})).Items
	if len(items) != 2 || items[0].Content != "json" || items[1].Content != "form" {
		t.Errorf("stored %+v, want json then form", items)
	}
}
