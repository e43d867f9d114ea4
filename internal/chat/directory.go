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
	mu      sync.RWMutex
	tokens  map[string]User
	users   map[int64]User
	guilds  map[int64]Guild
	roles   map[int64][]Role
	members map[[2]int64]Member
	chats   map[int64]Chat
}

// directoryLimit bounds each map; a full map is emptied and refills from
// the store, which is cheaper than tracking recency on every read.
const directoryLimit = 100_000

func newDirectory() *directory {
	return &directory{tokens: map[string]User{}, users: map[int64]User{}, guilds: map[int64]Guild{}, roles: map[int64][]Role{},
		members: map[[2]int64]Member{}, chats: map[int64]Chat{}}
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

// chatMeta returns a chat whose LastSeq and LastMsgAt may be stale: enough
// for access checks, not for counting messages.
func (s *Service) chatMeta(ctx context.Context, id int64) (Chat, error) {
	return cached(s.dir, s.dir.chats, id, func() (Chat, error) { return s.store.Chat(ctx, id) })
}
