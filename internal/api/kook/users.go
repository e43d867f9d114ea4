package kook

import (
	"errors"
	"net/http"

	"github.com/chatd/chatd/internal/chat"
)

func (a *API) userRoutes(r map[string]handler) {
	r["GET /api/v3/user/me"] = a.userMe
	r["GET /api/v3/user/view"] = a.userView
	r["POST /api/v3/user/online"] = a.userOnline
	r["POST /api/v3/user/offline"] = a.userOffline
	r["GET /api/v3/user/get-online-status"] = a.userOnlineStatus
}

// meJSON is user/me: the caller's own account. chatd has no phone numbers,
// memberships or invitations, so those fields say "none".
type meJSON struct {
	userJSON
	VipAmp       bool    `json:"vip_amp"`
	BotStatus    int     `json:"bot_status"`
	TagInfo      tagJSON `json:"tag_info"`
	IsSys        bool    `json:"is_sys"`
	ClientID     string  `json:"client_id"`
	Verified     bool    `json:"verified"`
	MobilePrefix string  `json:"mobile_prefix"`
	Mobile       string  `json:"mobile"`
	InvitedCount int     `json:"invited_count"`
}

func (a *API) userMe(_ *http.Request, caller chat.User, _ *params) (any, error) {
	me := meJSON{userJSON: a.user(caller, nil), ClientID: idString(caller.ID), MobilePrefix: "86"}
	if caller.Bot {
		me.TagInfo = botTag
		me.BotStatus = boolInt(me.Online)
	}
	return me, nil
}

func (a *API) userView(r *http.Request, caller chat.User, p *params) (any, error) {
	userID := p.id("user_id", true)
	guildID := p.id("guild_id", false)
	if p.err != nil {
		return nil, p.err
	}
	ctx := r.Context()
	u, err := a.svc.VisibleUser(ctx, caller, userID)
	if err != nil {
		return nil, err
	}
	if guildID == 0 {
		return a.user(u, nil), nil
	}
	// The caller's own membership proves it may look into the guild; only
	// then does a missing membership of the target mean "not a member".
	if _, err := a.svc.Member(ctx, caller, guildID, caller.ID); err != nil {
		return nil, err
	}
	m, err := a.svc.Member(ctx, caller, guildID, userID)
	if errors.Is(err, chat.ErrNotFound) {
		return a.user(u, nil), nil
	}
	if err != nil {
		return nil, err
	}
	return a.member(u, m), nil
}

func (a *API) userOnline(_ *http.Request, caller chat.User, _ *params) (any, error) {
	a.svc.SetOnline(caller.ID, true)
	return nil, nil
}

func (a *API) userOffline(_ *http.Request, caller chat.User, _ *params) (any, error) {
	a.svc.SetOnline(caller.ID, false)
	return nil, nil
}

type onlineStatusJSON struct {
	Online   bool     `json:"online"`
	OnlineOS []string `json:"online_os"`
}

func (a *API) userOnlineStatus(_ *http.Request, caller chat.User, _ *params) (any, error) {
	st := onlineStatusJSON{Online: a.svc.Online(caller.ID), OnlineOS: []string{}}
	switch {
	case st.Online && a.webhooks != nil && a.webhooks.active(caller.ID):
		st.OnlineOS = append(st.OnlineOS, "Webhook")
	case st.Online:
		st.OnlineOS = append(st.OnlineOS, "Websocket")
	}
	return st, nil
}
