package kook

import (
	"context"
	"errors"
	"net/http"

	"github.com/chatd/chatd/internal/chat"
)

func (a *API) guildRoutes(r map[string]handler) {
	r["GET /api/v3/guild/list"] = a.guildList
	r["GET /api/v3/guild/view"] = a.guildView
	r["GET /api/v3/guild/user-list"] = a.guildUserList
	r["POST /api/v3/guild/leave"] = a.guildLeave
	r["POST /api/v3/guild/kickout"] = a.guildKickout
}

func (a *API) guildLeave(r *http.Request, caller chat.User, p *params) (any, error) {
	guildID := p.id("guild_id", true)
	if p.err != nil {
		return nil, p.err
	}
	return nil, a.svc.LeaveGuild(r.Context(), caller, guildID)
}

func (a *API) guildKickout(r *http.Request, caller chat.User, p *params) (any, error) {
	guildID, target := p.id("guild_id", true), p.id("target_id", true)
	if p.err != nil {
		return nil, p.err
	}
	return nil, a.svc.KickMember(r.Context(), caller, guildID, target)
}

func (a *API) guildList(r *http.Request, caller chat.User, p *params) (any, error) {
	pg := p.page()
	// The core lists guilds oldest (lowest id) first; descending order is
	// not available from it, and reordering one page here would be wrong.
	switch sort := p.str("sort", false); sort {
	case "", "id":
	case "-id":
		p.fail("sort", "descending order is not supported; use id")
	default:
		p.fail("sort", "must be id or -id, got %q", sort)
	}
	if p.err != nil {
		return nil, p.err
	}
	gs, total, err := a.svc.GuildsOf(r.Context(), caller, pg)
	if err != nil {
		return nil, err
	}
	items := make([]guildJSON, 0, len(gs))
	for _, g := range gs {
		items = append(items, guild(g, caller))
	}
	out := newPaged(items, pg, total)
	out.Sort = map[string]int{"id": 1}
	return out, nil
}

func (a *API) guildView(r *http.Request, caller chat.User, p *params) (any, error) {
	guildID := p.id("guild_id", true)
	if p.err != nil {
		return nil, p.err
	}
	v, err := a.svc.Guild(r.Context(), caller, guildID)
	if err != nil {
		return nil, err
	}
	return guildView(v, caller), nil
}

// memberPage is guild/user-list: a page of members with the guild's counts.
type memberPage struct {
	paged
	UserCount    int `json:"user_count"`
	OnlineCount  int `json:"online_count"`
	OfflineCount int `json:"offline_count"`
}

func (a *API) guildUserList(r *http.Request, caller chat.User, p *params) (any, error) {
	guildID := p.id("guild_id", true)
	filterUser := p.id("filter_user_id", false)
	pg := p.page()
	// The core lists members in join order and filters on nothing else;
	// filters it cannot apply are refused rather than ignored, since an
	// ignored filter would hand back members the caller did not ask for.
	for _, name := range []string{"search", "role_id", "channel_id", "active_time"} {
		if p.str(name, false) != "" {
			p.fail(name, "filtering by %s is not supported", name)
		}
	}
	// chatd records no phone numbers: every member is unverified, and
	// ascending join order is the only order there is.
	if p.integer("mobile_verified", 0) != 0 {
		p.fail("mobile_verified", "only 0 is supported: no member has a verified phone number")
	}
	if p.integer("joined_at", 0) != 0 {
		p.fail("joined_at", "only 0 (ascending) is supported")
	}
	if p.err != nil {
		return nil, p.err
	}
	ctx := r.Context()
	if filterUser != 0 {
		return a.oneMember(ctx, caller, guildID, filterUser, pg)
	}
	ms, total, err := a.svc.GuildMembers(ctx, caller, guildID, pg)
	if err != nil {
		return nil, err
	}
	items := make([]memberJSON, 0, len(ms))
	for _, m := range ms {
		items = append(items, a.member(m.User, m.Member))
	}
	online, err := a.svc.GuildOnlineCount(ctx, caller, guildID)
	if err != nil {
		return nil, err
	}
	out := memberPage{paged: newPaged(items, pg, total), UserCount: total, OnlineCount: online,
		OfflineCount: total - online}
	out.Sort = map[string]int{"id": 1}
	return out, nil
}

// oneMember answers guild/user-list with filter_user_id: a page holding
// that member, or an empty page when the user is not one.
func (a *API) oneMember(ctx context.Context, caller chat.User, guildID, userID int64, pg chat.Page) (any, error) {
	// Reading the caller's own membership first settles whether the guild
	// is visible at all, so a later not-found is about the target only.
	if _, err := a.svc.Member(ctx, caller, guildID, caller.ID); err != nil {
		return nil, err
	}
	items := []memberJSON{}
	m, err := a.svc.Member(ctx, caller, guildID, userID)
	switch {
	case errors.Is(err, chat.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		u, err := a.svc.VisibleUser(ctx, caller, userID)
		if err != nil {
			return nil, err
		}
		items = append(items, a.member(u, m))
	}
	online := 0
	if len(items) == 1 && items[0].Online {
		online = 1
	}
	_, total, err := a.svc.GuildMembers(ctx, caller, guildID, chat.Page{Page: 1, Size: 1})
	if err != nil {
		return nil, err
	}
	out := memberPage{paged: newPaged(items, pg, len(items)), UserCount: total, OnlineCount: online,
		OfflineCount: len(items) - online}
	out.Sort = map[string]int{"id": 1}
	return out, nil
}
