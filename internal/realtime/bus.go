package realtime

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// Bus carries committed events between the nodes of one service. It is
// defined here, by its one consumer, rather than in chat: the core
// publishes to a chat.Publisher and neither knows nor cares whether other
// nodes exist; only the live-event layer needs their events.
// internal/bus/local and internal/bus/nats implement it and pass
// internal/bus/bustest.
type Bus interface {
	// Publish hands e to every other node and returns without waiting for
	// them. An error means e may not reach them: the hub's gap repair and
	// tail check then recover message events from the store.
	Publish(ctx context.Context, e chat.Event) error
	// Subscribe delivers to h what other nodes publish from now on (never
	// this node's own events), each event once, in the order each node
	// published them, one call at a time. Events survive a brief loss of
	// the connection to the bus. stop ends the subscription.
	Subscribe(ctx context.Context, h BusHandler) (stop func(), err error)
}

// BusHandler receives a subscription's events.
type BusHandler struct {
	Event func(chat.Event)
	// PeerLost (optional) is called when a node that was heard from goes
	// silent: it died or lost the bus, and events of changes it committed
	// may never come.
	PeerLost func(node string)
}

// lostPeerWindow is how far back a lost node's unannounced changes are
// looked for in chats this node never saw an event of: it is reported lost
// seconds after its last heartbeat, and what it failed to announce was
// committed just before it fell silent.
const lostPeerWindow = 30 * time.Second

// Relay makes a hub one node of several: it is the core's publisher,
// handing each committed event to the local hub and to the bus, and it
// feeds the events of other nodes into the hub.
type Relay struct {
	hub    *Hub
	bus    Bus
	forget func(chat.Event)
	log    *slog.Logger

	mu   sync.Mutex
	stop func()
}

var _ chat.Publisher = (*Relay)(nil)

// NewRelay connects hub to bus. forget (optional) is called with each
// event of another node before the hub sees it, so caches of this node
// (the core's directory) drop what that change made stale.
func NewRelay(hub *Hub, bus Bus, forget func(chat.Event)) *Relay {
	if forget == nil {
		forget = func(chat.Event) {}
	}
	return &Relay{hub: hub, bus: bus, forget: forget, log: hub.log.With("component", "relay")}
}

// Publish delivers a committed event locally and to the other nodes.
func (r *Relay) Publish(ctx context.Context, e chat.Event) {
	r.hub.Publish(ctx, e)
	if err := r.bus.Publish(ctx, e); err != nil {
		r.log.Error("publishing an event to the other nodes failed", "kind", e.Kind, "chat", e.Chat.ID, "err", err)
	}
}

// Start subscribes to the other nodes' events.
func (r *Relay) Start(ctx context.Context) error {
	stop, err := r.bus.Subscribe(ctx, BusHandler{
		Event: func(e chat.Event) {
			r.forget(e)
			r.hub.Publish(context.Background(), e)
		},
		PeerLost: func(node string) {
			r.log.Warn("a node went silent; checking every chat for changes it committed but did not announce", "node", node)
			r.hub.CheckTails(true)
			// A store query: not on the bus's delivery goroutine.
			go r.hub.CheckUnseen(context.Background(), r.hub.opts.Now().Add(-lostPeerWindow))
		},
	})
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.stop = stop
	r.mu.Unlock()
	return nil
}

// Close ends the subscription.
func (r *Relay) Close() {
	r.mu.Lock()
	stop := r.stop
	r.stop = nil
	r.mu.Unlock()
	if stop != nil {
		stop()
	}
}
