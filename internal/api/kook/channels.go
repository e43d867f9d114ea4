package kook

import (
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/chatd/chatd/internal/chat"
)

func (a *API) channelRoutes(r map[string]handler) {
	r["GET /api/v3/channel/list"] = a.channelList
	r["GET /api/v3/channel/view"] = a.channelView
	r["POST /api/v3/channel/create"] = a.channelCreate
	r["POST /api/v3/channel/update"] = a.channelUpdate
	r["POST /api/v3/channel/delete"] = a.channelDelete
}

// channelList pages through the channels of one type. The core hands over
// a guild's whole (small) channel list in display order, so the selection
// and the page are cut from it here. Categories group channels of every
// type, so they are listed whatever the type asked for (as KOOK's own
// example of a voice listing shows).
func (a *API) channelList(r *http.Request, caller chat.User, p *params) (any, error) {
	guildID := p.id("guild_id", true)
	pg := p.page()
	typ := chat.ChannelType(p.integer("type", int(chat.ChannelText)))
	if typ != chat.ChannelText && typ != chat.ChannelVoice {
		p.fail("type", "must be 1 (text) or 2 (voice), got %d", typ)
	}
	parentID, parentGiven := parentParam(p)
	if p.err != nil {
		return nil, p.err
	}
	chans, err := a.svc.Channels(r.Context(), caller, guildID)
	if err != nil {
		return nil, err
	}
	var picked []chat.Chat
	for _, c := range chans {
		if c.Type != typ && !c.IsCategory() {
			continue
		}
		if parentGiven && parentID != 0 && c.ParentID != parentID {
			continue
		}
		picked = append(picked, c)
	}
	pg = pg.Normalize()
	items := []channelItemJSON{}
	for i := pg.Offset(); i < len(picked) && i < pg.Offset()+pg.Size; i++ {
		items = append(items, channelItem(picked[i]))
	}
	return newPaged(items, pg, len(picked)), nil
}

func (a *API) channelView(r *http.Request, caller chat.User, p *params) (any, error) {
	id := p.id("target_id", true)
	withChildren := flagParam(p, "need_children")
	if p.err != nil {
		return nil, p.err
	}
	c, err := a.svc.Channel(r.Context(), caller, id)
	if err != nil {
		return nil, err
	}
	var children []string
	if withChildren && c.IsCategory() {
		chans, err := a.svc.Channels(r.Context(), caller, c.GuildID)
		if err != nil {
			return nil, err
		}
		children = []string{}
		for _, ch := range chans {
			if ch.ParentID == c.ID {
				children = append(children, idString(ch.ID))
			}
		}
	}
	return channel(c, children), nil
}

func (a *API) channelCreate(r *http.Request, caller chat.User, p *params) (any, error) {
	in := chat.NewChannel{
		GuildID:  p.id("guild_id", true),
		Name:     p.str("name", true),
		Type:     chat.ChannelType(p.integer("type", int(chat.ChannelText))),
		Category: flagParam(p, "is_category"),
	}
	in.ParentID, _ = parentParam(p)
	voiceParams(p)
	if p.err != nil {
		return nil, p.err
	}
	c, err := a.svc.CreateChannel(r.Context(), caller, in)
	if err != nil {
		return nil, err
	}
	return channel(c, nil), nil
}

func (a *API) channelUpdate(r *http.Request, caller chat.User, p *params) (any, error) {
	in := chat.ChannelUpdate{ID: p.id("channel_id", true)}
	if s, ok := p.raw("name"); ok {
		in.Name = &s
	}
	if s, ok := p.raw("topic"); ok {
		in.Topic = &s
	}
	if p.has("level") {
		n := p.integer("level", 0)
		in.Level = &n
	}
	if p.has("slow_mode") {
		n := p.integer("slow_mode", 0)
		in.SlowMode = &n
	}
	if id, ok := parentParam(p); ok {
		in.ParentID = &id
	}
	voiceParams(p)
	if s, ok := p.raw("password"); ok && utf8.RuneCountInString(s) > 12 {
		p.fail("password", "at most 12 characters")
	}
	if p.err != nil {
		return nil, p.err
	}
	c, err := a.svc.UpdateChannel(r.Context(), caller, in)
	if err != nil {
		return nil, err
	}
	return channel(c, nil), nil
}

func (a *API) channelDelete(r *http.Request, caller chat.User, p *params) (any, error) {
	id := p.id("channel_id", true)
	if p.err != nil {
		return nil, p.err
	}
	return nil, a.svc.DeleteChannel(r.Context(), caller, id)
}

// parentParam reads parent_id, where "" and "0" mean "no category"; it
// reports whether the parameter was given.
func parentParam(p *params) (int64, bool) {
	s, ok := p.raw("parent_id")
	if !ok || s == "" || s == "0" {
		return 0, ok
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		p.fail("parent_id", "must be a numeric id or 0, got %q", s)
		return 0, true
	}
	return n, true
}

// voiceParams checks the voice parameters of channel/create and
// channel/update. chatd has no voice, so they are validated and not kept.
func voiceParams(p *params) {
	if n := p.integer("limit_amount", 0); n < 0 || n > 99 {
		p.fail("limit_amount", "must be between 0 and 99, got %d", n)
	}
	switch q, _ := p.raw("voice_quality"); q {
	case "", "1", "2", "3":
	default:
		p.fail("voice_quality", "must be \"1\", \"2\" or \"3\", got %q", q)
	}
}

// flagParam reads a boolean given as true/false (JSON or text) or 1/0.
func flagParam(p *params, name string) bool {
	if v, ok := p.jsonValue(name); ok {
		switch string(v) {
		case "true":
			return true
		case "false":
			return false
		}
	}
	s, ok := p.raw(name)
	if !ok {
		return false
	}
	switch s {
	case "1", "true":
		return true
	case "0", "false", "":
		return false
	}
	p.fail(name, "must be 0, 1, true or false, got %q", s)
	return false
}
