package chat

import (
	"context"
	"sync"
)

// directory caches what the access checks of every request read: users by
// token and by id, guilds, their roles, memberships and chat metadata. These change
// rarely and only through the Service, which forgets an entry when it
// changes it. Message counters (Chat.LastSeq) are never served from here.
type directory struct {
	mu     sync.RWMutex
	tokens map[string]User
	users  map[int64]User
	// apps never change once created; nor do the admin and device tokens
	// that name them.
	apps      map[int64]App
	appTokens map[string]App
	devTokens map[string]deviceSession
	guilds    map[int64]Guild
	roles     map[int64][]Role
	members   map[[2]int64]Member
	chats     map[int64]Chat
	groups    map[[2]int64]GroupMember // (chat, user)
}

// directoryLimit bounds each map; a full map is emptied and refills from
// the store, which is cheaper than tracking recency on every read.
const directoryLimit = 100_000

func newDirectory() *directory {
	return &directory{tokens: map[string]User{}, users: map[int64]User{}, apps: map[int64]App{},
		appTokens: map[string]App{}, devTokens: map[string]deviceSession{}, guilds: map[int64]Guild{}, roles: map[int64][]Role{},
		members: map[[2]int64]Member{}, chats: map[int64]Chat{}, groups: map[[2]int64]GroupMember{}}
}

// cached returns m[k], loading and remembering it on a miss. Errors (not
// found included) are not remembered.
func cached[K comparable, V any](d *directory, m map[K]V, k K, load func() (V, error)) (V, error) {
	d.mu.RLock()
	v, ok := m[k]
	d.mu.RUnlock()
	if ok {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	d.mu.Lock()
	if len(m) >= directoryLimit {
		clear(m)
	}
	m[k] = v
	d.mu.Unlock()
	return v, nil
}

func forget[K comparable, V any](d *directory, m map[K]V, k K) {
	d.mu.Lock()
	delete(m, k)
	d.mu.Unlock()
}

func (s *Service) userByToken(ctx context.Context, hash []byte) (User, error) {
	return cached(s.dir, s.dir.tokens, string(hash), func() (User, error) { return s.store.UserByTokenHash(ctx, hash) })
}

func (s *Service) user(ctx context.Context, id int64) (User, error) {
	return cached(s.dir, s.dir.users, id, func() (User, error) { return s.store.User(ctx, id) })
}

func (s *Service) guild(ctx context.Context, id int64) (Guild, error) {
	return cached(s.dir, s.dir.guilds, id, func() (Guild, error) { return s.store.Guild(ctx, id) })
}

func (s *Service) guildRoles(ctx context.Context, guildID int64) ([]Role, error) {
	return cached(s.dir, s.dir.roles, guildID, func() ([]Role, error) { return s.store.Roles(ctx, guildID) })
}

func (s *Service) member(ctx context.Context, guildID, userID int64) (Member, error) {
	return cached(s.dir, s.dir.members, [2]int64{guildID, userID}, func() (Member, error) {
		return s.store.Member(ctx, guildID, userID)
	})
}

func (s *Service) groupMember(ctx context.Context, chatID, userID int64) (GroupMember, error) {
	return cached(s.dir, s.dir.groups, [2]int64{chatID, userID}, func() (GroupMember, error) {
		return s.store.GroupMember(ctx, chatID, userID)
	})
}

// chatMeta returns a chat whose LastSeq and LastMsgAt may be stale: enough
// for access checks, not for counting messages.
func (s *Service) chatMeta(ctx context.Context, id int64) (Chat, error) {
	return cached(s.dir, s.dir.chats, id, func() (Chat, error) { return s.store.Chat(ctx, id) })
}

// usersByID returns the users among ids that exist: those in the directory
// from it, the rest in one store call, remembered for the next page.
func (s *Service) usersByID(ctx context.Context, ids []int64) (map[int64]User, error) {
	return cachedMany(s.dir, s.dir.users, ids, func(k int64) int64 { return k },
		func(missing []int64) (map[int64]User, error) { return s.store.UsersByID(ctx, missing) })
}

// membersByUser returns the memberships in guildID of those among userIDs
// who belong to it, as store.MembersByUser does, through the directory.
func (s *Service) membersByUser(ctx context.Context, guildID int64, userIDs []int64) (map[int64]Member, error) {
	return cachedMany(s.dir, s.dir.members, userIDs, func(id int64) [2]int64 { return [2]int64{guildID, id} },
		func(missing []int64) (map[int64]Member, error) { return s.store.MembersByUser(ctx, guildID, missing) })
}

// cachedMany is cached for many ids at once: the ids m lacks are loaded
// with one call of load, which leaves out those that do not exist (and are
// not remembered).
func cachedMany[K comparable, V any](d *directory, m map[K]V, ids []int64, key func(int64) K,
	load func(missing []int64) (map[int64]V, error)) (map[int64]V, error) {
	out := make(map[int64]V, len(ids))
	var missing []int64
	d.mu.RLock()
	for _, id := range ids {
		if v, ok := m[key(id)]; ok {
			out[id] = v
		} else {
			missing = append(missing, id)
		}
	}
	d.mu.RUnlock()
	if len(missing) == 0 {
		return out, nil
	}
	loaded, err := load(missing)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, v := range loaded {
		if len(m) >= directoryLimit {
			clear(m)
		}
		m[key(id)] = v
		out[id] = v
	}
	return out, nil
}

// deviceSession is the user and device a device token names.
type deviceSession struct {
	user   User
	device int32
}

func (s *Service) app(ctx context.Context, id int64) (App, error) {
	return cached(s.dir, s.dir.apps, id, func() (App, error) { return s.store.App(ctx, id) })
}

func (s *Service) appByToken(ctx context.Context, hash []byte) (App, error) {
	return cached(s.dir, s.dir.appTokens, string(hash), func() (App, error) { return s.store.AppByTokenHash(ctx, hash) })
}

func (s *Service) deviceToken(ctx context.Context, hash []byte) (deviceSession, error) {
	return cached(s.dir, s.dir.devTokens, string(hash), func() (deviceSession, error) {
		u, dev, err := s.store.UserByDeviceTokenHash(ctx, hash)
		return deviceSession{user: u, device: dev}, err
	})
}
