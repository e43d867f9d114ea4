package realtime

import (
	"context"
	"slices"
	"sync/atomic"

	"github.com/chatd/chatd/internal/chat"
)

// Visibility. The core decides who may read a chat (Core.CanView); the hub
// only avoids asking it per event per session. A channel's audience (the
// online users that may view it) is computed once and reused until its
// guild changes: every session open, member join or guild-level change
// bumps or extends the guild's state under the hub's lock, synchronously in
// Publish, so the next event of any chat of that guild sees it.

// userEntry is a user with at least one live or detached session.
type userEntry struct {
	user     chat.User
	sessions atomic.Pointer[[]*session] // copy on write

	// under Hub.mu
	guilds  map[int64]struct{}
	loaded  chan struct{} // closed once guilds is filled from the core
	loadErr error
}

func (u *userEntry) add(s *session) {
	var ss []*session
	if p := u.sessions.Load(); p != nil {
		ss = slices.Clone(*p)
	}
	ss = append(ss, s)
	u.sessions.Store(&ss)
}

// drop removes s and returns how many sessions remain.
func (u *userEntry) drop(s *session) int {
	p := u.sessions.Load()
	if p == nil {
		return 0
	}
	ss := slices.DeleteFunc(slices.Clone(*p), func(x *session) bool { return x == s })
	u.sessions.Store(&ss)
	return len(ss)
}

// guildState is the online members of one guild.
type guildState struct {
	gen     uint64 // changes whenever cached audiences must be recomputed
	members map[int64]*userEntry
	// added lists members that came online since gen last changed, so that
	// cached audiences check only them.
	added []*userEntry
}

// chanAudience is a channel's cached audience.
type chanAudience struct {
	gen   uint64
	added int
	users []*userEntry
}

// loadGuilds registers ue in the guilds it belongs to.
func (h *Hub) loadGuilds(ctx context.Context, core Core, ue *userEntry) error {
	var ids []int64
	for page := 1; ; page++ {
		gs, total, err := core.GuildsOf(ctx, ue.user, chat.Page{Page: page, Size: 100})
		if err != nil {
			return err
		}
		for _, g := range gs {
			ids = append(ids, g.ID)
		}
		if len(gs) == 0 || len(ids) >= total {
			break
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range ids {
		h.joinGuild(ue, id)
	}
	return nil
}

// joinGuild records that ue is a member of guild gid. Under h.mu.
func (h *Hub) joinGuild(ue *userEntry, gid int64) {
	if _, ok := ue.guilds[gid]; ok {
		return
	}
	ue.guilds[gid] = struct{}{}
	g := h.guilds[gid]
	if g == nil {
		h.gen++
		g = &guildState{gen: h.gen, members: map[int64]*userEntry{}}
		h.guilds[gid] = g
	}
	g.members[ue.user.ID] = ue
	if len(g.added) >= 64 && len(g.added) > len(g.members) {
		h.resetGuild(g) // churn: recomputing once is cheaper than the list
		return
	}
	g.added = append(g.added, ue)
}

// leaveGuild records that ue is no longer a member of guild gid: no cached
// audience of the guild may include it from now on. Under h.mu.
func (h *Hub) leaveGuild(ue *userEntry, gid int64) {
	delete(ue.guilds, gid)
	g := h.guilds[gid]
	if g == nil {
		return
	}
	delete(g.members, ue.user.ID)
	if len(g.members) == 0 {
		delete(h.guilds, gid)
	} else {
		h.resetGuild(g)
	}
}

// resetGuild makes every cached audience of the guild recompute. Under h.mu.
func (h *Hub) resetGuild(g *guildState) {
	h.gen++
	g.gen = h.gen
	g.added = nil
}

// userOffline forgets a user whose last session ended. Under h.mu.
func (h *Hub) userOffline(ue *userEntry) {
	delete(h.users, ue.user.ID)
	for gid := range ue.guilds {
		g := h.guilds[gid]
		if g == nil {
			continue
		}
		delete(g.members, ue.user.ID)
		if len(g.members) == 0 {
			delete(h.guilds, gid)
		} else {
			h.resetGuild(g)
		}
	}
}

// observe applies what an event changes about visibility, before the event
// is queued, so that every event published after it is routed by the new
// state.
func (h *Hub) observe(e *chat.Event) {
	switch e.Kind {
	case chat.EventMessageCreated, chat.EventMessageUpdated, chat.EventMessageDeleted,
		chat.EventReactionAdded, chat.EventReactionRemoved, chat.EventMessagePinned,
		chat.EventMessageUnpinned, chat.EventChannelCreated, chat.EventChannelUpdated,
		chat.EventChannelDeleted, chat.EventButtonClicked,
		chat.EventGroupMemberJoined, chat.EventGroupMemberLeft:
		// Channel changes are handled by the chat's own worker, in order.
		return
	case chat.EventMemberJoined:
		h.mu.Lock()
		if ue := h.users[e.UserID]; ue != nil {
			h.joinGuild(ue, e.Chat.GuildID)
		}
		h.mu.Unlock()
		return
	case chat.EventMemberLeft:
		h.mu.Lock()
		if ue := h.users[e.UserID]; ue != nil {
			h.leaveGuild(ue, e.Chat.GuildID)
		}
		h.mu.Unlock()
		return
	}
	// A kind this hub does not know (role or member changes): whatever it
	// changed in a guild, recompute that guild's audiences.
	if e.Chat.GuildID != 0 {
		h.mu.Lock()
		if g := h.guilds[e.Chat.GuildID]; g != nil {
			h.resetGuild(g)
		}
		h.mu.Unlock()
	}
}

// audience returns who receives e: at Publish, or by the chat's worker for
// an event rebuilt from the store.
func (h *Hub) audience(ctx context.Context, core Core, cs *chatState, e *chat.Event) []*userEntry {
	if e.Message.TempTargetID != 0 && (e.Kind == chat.EventMessageCreated || e.Kind == chat.EventMessageUpdated) {
		return h.onlineUsers(e.Message.TempTargetID)
	}
	switch e.Kind {
	case chat.EventButtonClicked: // for the bot that wrote the message only
		return h.onlineUsers(e.UserID)
	case chat.EventMemberJoined:
		return h.guildMembers(e.Chat.GuildID)
	case chat.EventMemberLeft:
		// The one who left is told too, though it sees the guild no more.
		users := h.guildMembers(e.Chat.GuildID)
		for _, ue := range h.onlineUsers(e.UserID) {
			if !slices.Contains(users, ue) {
				users = append(users, ue)
			}
		}
		return users
	case chat.EventGroupMemberLeft:
		// The group's members (the core forgot the one who left), and it.
		users := h.groupAudience(ctx, core, e.Chat)
		for _, ue := range h.onlineUsers(e.UserID) {
			if !slices.Contains(users, ue) {
				users = append(users, ue)
			}
		}
		return users
	}
	switch e.Chat.Kind {
	case chat.ChatDirect:
		users := h.onlineUsers(e.Chat.Members[0], e.Chat.Members[1])
		return slices.DeleteFunc(users, func(u *userEntry) bool { return !core.CanView(ctx, u.user, e.Chat) })
	case chat.ChatChannel:
		return h.channelAudience(ctx, core, cs, e.Chat)
	case chat.ChatGroup:
		return h.groupAudience(ctx, core, e.Chat)
	}
	return nil
}

// groupAudience is the online users that may view group c. Groups are not
// cached like channels: the check is a directory lookup per online user.
func (h *Hub) groupAudience(ctx context.Context, core Core, c chat.Chat) []*userEntry {
	h.mu.RLock()
	all := make([]*userEntry, 0, len(h.users))
	for _, ue := range h.users {
		all = append(all, ue)
	}
	h.mu.RUnlock()
	return slices.DeleteFunc(all, func(u *userEntry) bool { return !core.CanView(ctx, u.user, c) })
}

func (h *Hub) onlineUsers(ids ...int64) []*userEntry {
	out := make([]*userEntry, 0, len(ids))
	h.mu.RLock()
	for _, id := range ids {
		if ue := h.users[id]; ue != nil && !slices.Contains(out, ue) {
			out = append(out, ue)
		}
	}
	h.mu.RUnlock()
	return out
}

func (h *Hub) guildMembers(gid int64) []*userEntry {
	h.mu.RLock()
	defer h.mu.RUnlock()
	g := h.guilds[gid]
	if g == nil {
		return nil
	}
	out := make([]*userEntry, 0, len(g.members))
	for _, ue := range g.members {
		out = append(out, ue)
	}
	return out
}

// channelAudience returns the online users that may view channel c, from
// the cache when its guild has not changed since.
func (h *Hub) channelAudience(ctx context.Context, core Core, cs *chatState, c chat.Chat) []*userEntry {
	cs.audMu.Lock()
	defer cs.audMu.Unlock()
	h.mu.RLock()
	g := h.guilds[c.GuildID]
	if g == nil {
		h.mu.RUnlock()
		cs.aud = nil
		return nil
	}
	if a := cs.aud; a != nil && a.gen == g.gen {
		if a.added == len(g.added) {
			h.mu.RUnlock()
			return a.users
		}
		fresh := slices.Clone(g.added[a.added:])
		a.added = len(g.added)
		h.mu.RUnlock()
		for _, ue := range fresh {
			if core.CanView(ctx, ue.user, c) {
				a.users = append(a.users, ue)
			}
		}
		return a.users
	}
	a := &chanAudience{gen: g.gen, added: len(g.added), users: make([]*userEntry, 0, len(g.members))}
	candidates := make([]*userEntry, 0, len(g.members))
	for _, ue := range g.members {
		candidates = append(candidates, ue)
	}
	h.mu.RUnlock()
	for _, ue := range candidates {
		if core.CanView(ctx, ue.user, c) {
			a.users = append(a.users, ue)
		}
	}
	cs.aud = a
	return a.users
}

// dropAudience makes the channel's next event recompute its audience.
func (cs *chatState) dropAudience() {
	cs.audMu.Lock()
	cs.aud = nil
	cs.audMu.Unlock()
}
