package kook

import (
	"sync"

	"github.com/chatd/chatd/internal/realtime"
)

// A bot is websocket or webhook, not both (reference/kook.md §2): the
// gateway refuses a bot in webhook mode, and a bot switched to webhook mode
// loses the gateway sessions it has.

// codeWebhookMode is the HELLO failure of a bot in webhook mode
// (docs/errors.md).
const codeWebhookMode = 40104

// gatewaySessions tracks the gateway attachments of each user, so that a
// switch to webhook mode can end them.
type gatewaySessions struct {
	mu sync.Mutex
	m  map[int64]map[*realtime.Session]struct{}
}

func (g *gatewaySessions) add(user int64, s *realtime.Session) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m == nil {
		g.m = map[int64]map[*realtime.Session]struct{}{}
	}
	if g.m[user] == nil {
		g.m[user] = map[*realtime.Session]struct{}{}
	}
	g.m[user][s] = struct{}{}
}

func (g *gatewaySessions) remove(user int64, s *realtime.Session) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.m[user], s)
	if len(g.m[user]) == 0 {
		delete(g.m, user)
	}
}

// closeUser ends every gateway session of user for good; their sockets
// close, and a reconnect is refused while the bot stays in webhook mode.
func (g *gatewaySessions) closeUser(user int64) {
	g.mu.Lock()
	all := make([]*realtime.Session, 0, len(g.m[user]))
	for s := range g.m[user] {
		all = append(all, s)
	}
	g.mu.Unlock()
	for _, s := range all {
		s.Close()
	}
}
