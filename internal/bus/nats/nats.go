// Package nats is the bus between chatd nodes over NATS. Events go into a
// JetStream stream (in memory, kept for Options.Replay) and each node
// reads it with an ordered consumer, so a node whose connection drops for
// a while receives what it missed when it reconnects, in order. Nodes
// also send heartbeats on plain NATS: a node that goes silent is reported
// lost (its last events may never come; the hub then checks the store),
// and a second live node with the same name is refused at Open.
package nats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/chatd/chatd/internal/bus"
	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/realtime"
)

// Options configure a Bus; zero fields take defaults.
type Options struct {
	// URL of the NATS server(s), comma-separated (nats://127.0.0.1:4222).
	URL string
	// Prefix starts every subject and names the stream: the nodes of one
	// service share it, and two services (or test runs) on one NATS server
	// use different ones (default "chatd"; letters, digits, _ and -).
	Prefix string
	// Node is this node's name, unique among the live nodes of the service.
	Node string
	// Heartbeat is how often a node says it is alive (default 1 s); a
	// node silent for PeerTimeout (default 3 heartbeats) is lost. Open
	// listens for one and a half heartbeats for another node of the same
	// name.
	Heartbeat   time.Duration
	PeerTimeout time.Duration
	// Replay is how long the stream keeps events for a node that
	// reconnects (default 2 minutes).
	Replay time.Duration
	// Logger (default slog.Default()).
	Logger *slog.Logger
}

// ErrNodeInUse is Open's error when another live node has the same name.
var ErrNodeInUse = errors.New("nats bus: another live node has this name")

var validPrefix = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Bus is one node's connection; it implements realtime.Bus.
type Bus struct {
	opts     Options
	log      *slog.Logger
	nc       *nats.Conn
	js       jetstream.JetStream
	stream   string
	instance string

	mu       sync.Mutex
	peers    map[string]peer
	conflict string
	handlers map[*realtime.BusHandler]struct{}

	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

var _ realtime.Bus = (*Bus)(nil)

type peer struct {
	instance string
	seen     time.Time
}

type heartbeatJSON struct {
	Node     string `json:"node"`
	Instance string `json:"instance"`
}

// Open connects to NATS, makes sure the stream exists, and starts the
// heartbeats. It fails with ErrNodeInUse when another node of the same
// name answers.
func Open(ctx context.Context, opts Options) (*Bus, error) {
	if opts.Prefix == "" {
		opts.Prefix = "chatd"
	}
	if !validPrefix.MatchString(opts.Prefix) {
		return nil, fmt.Errorf("nats bus: prefix %q: use letters, digits, _ and -", opts.Prefix)
	}
	if opts.Node == "" || strings.ContainsAny(opts.Node, " .*>") {
		return nil, fmt.Errorf("nats bus: node name %q: want a non-empty name without spaces, dots, * or >", opts.Node)
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = time.Second
	}
	if opts.PeerTimeout <= 0 {
		opts.PeerTimeout = 3 * opts.Heartbeat
	}
	if opts.Replay <= 0 {
		opts.Replay = 2 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	b := &Bus{opts: opts, log: opts.Logger.With("component", "bus", "node", opts.Node),
		stream:   strings.ToUpper(strings.ReplaceAll(opts.Prefix, "-", "_")) + "_EVENTS",
		instance: chat.NewUUID().String(), peers: map[string]peer{},
		handlers: map[*realtime.BusHandler]struct{}{}, stop: make(chan struct{})}
	nc, err := nats.Connect(opts.URL, nats.Name("chatd node "+opts.Node), nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond), nats.Timeout(5*time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				b.log.Warn("lost the NATS connection; reconnecting", "err", err)
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) { b.log.Info("reconnected to NATS") }))
	if err != nil {
		return nil, fmt.Errorf("nats bus: connect %s: %w", opts.URL, err)
	}
	b.nc = nc
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(16384),
		jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, m *nats.Msg, err error) {
			b.log.Error("an event did not reach the bus", "subject", m.Subject, "err", err)
		}))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats bus: %w", err)
	}
	b.js = js
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: b.stream,
		Subjects: []string{b.eventSubjects()}, Storage: jetstream.MemoryStorage, Retention: jetstream.LimitsPolicy,
		Discard: jetstream.DiscardOld, MaxAge: opts.Replay, Replicas: 1}); err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats bus: stream %s: %w", b.stream, err)
	}
	if _, err := nc.Subscribe(b.heartbeatSubject(), b.heard); err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats bus: heartbeats: %w", err)
	}
	b.beat()
	b.wg.Add(1)
	go b.heartbeats()
	// Another node of this name would have beaten once meanwhile.
	select {
	case <-time.After(opts.Heartbeat * 3 / 2):
	case <-ctx.Done():
		b.Close()
		return nil, ctx.Err()
	}
	b.mu.Lock()
	conflict := b.conflict
	b.mu.Unlock()
	if conflict != "" {
		b.Close()
		return nil, fmt.Errorf("%w: %s", ErrNodeInUse, opts.Node)
	}
	return b, nil
}

func (b *Bus) eventSubjects() string    { return b.opts.Prefix + ".events.>" }
func (b *Bus) heartbeatSubject() string { return b.opts.Prefix + ".nodes" }

// subject is per chat (guild for guild-level events), so that a consumer
// could filter; order across subjects holds within the one stream.
func (b *Bus) subject(e chat.Event) string {
	if e.Chat.ID != 0 {
		return b.opts.Prefix + ".events.c" + strconv.FormatInt(e.Chat.ID, 10)
	}
	return b.opts.Prefix + ".events.g" + strconv.FormatInt(e.Chat.GuildID, 10)
}

// Publish sends e to the stream without waiting for its acknowledgement;
// a failure to store it is logged when the acknowledgement says so.
func (b *Bus) Publish(_ context.Context, e chat.Event) error {
	data, err := bus.Encode(b.opts.Node, e)
	if err != nil {
		return err
	}
	_, err = b.js.PublishAsync(b.subject(e), data)
	return err
}

// Subscribe reads the stream from its end with an ordered consumer, which
// continues after its last message when the connection comes back.
func (b *Bus) Subscribe(ctx context.Context, h realtime.BusHandler) (func(), error) {
	if h.Event == nil {
		return nil, errors.New("nats bus: a handler needs Event")
	}
	cons, err := b.js.OrderedConsumer(ctx, b.stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{b.eventSubjects()}, DeliverPolicy: jetstream.DeliverNewPolicy,
		MaxResetAttempts: -1})
	if err != nil {
		return nil, fmt.Errorf("nats bus: consumer: %w", err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		env, err := bus.Decode(m.Data())
		if err != nil {
			b.log.Error("dropping an event that cannot be read", "subject", m.Subject(), "err", err)
			return
		}
		if env.Origin == b.opts.Node {
			return // delivered locally when it was published
		}
		h.Event(env.Event)
	}, jetstream.PullHeartbeat(2*time.Second), jetstream.PullExpiry(10*time.Second),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if !errors.Is(err, jetstream.ErrNoHeartbeat) {
				b.log.Warn("event consumer", "err", err)
			}
		}))
	if err != nil {
		return nil, fmt.Errorf("nats bus: consume: %w", err)
	}
	hp := &h
	b.mu.Lock()
	b.handlers[hp] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.handlers, hp)
			b.mu.Unlock()
			cc.Stop()
			<-cc.Closed()
		})
	}, nil
}

// Flush waits until every event published so far is stored in the stream.
func (b *Bus) Flush(ctx context.Context) error {
	select {
	case <-b.js.PublishAsyncComplete():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the heartbeats and closes the connection, after the events
// published so far reached the stream (within a few seconds).
func (b *Bus) Close() error {
	b.stopOnce.Do(func() { close(b.stop) })
	b.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = b.Flush(ctx)
	b.nc.Close()
	return nil
}

func (b *Bus) beat() {
	data, _ := json.Marshal(heartbeatJSON{Node: b.opts.Node, Instance: b.instance})
	if err := b.nc.Publish(b.heartbeatSubject(), data); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		b.log.Warn("sending a heartbeat failed", "err", err)
	}
}

// heard records a heartbeat.
func (b *Bus) heard(m *nats.Msg) {
	var hb heartbeatJSON
	if json.Unmarshal(m.Data, &hb) != nil || hb.Node == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if hb.Node == b.opts.Node {
		if hb.Instance != b.instance {
			if b.conflict == "" {
				b.log.Error("another live node has this node's name; node names (--node) must differ", "other", hb.Instance)
			}
			b.conflict = hb.Instance
		}
		return
	}
	b.peers[hb.Node] = peer{instance: hb.Instance, seen: time.Now()}
}

// heartbeats beats and reports the peers that went silent.
func (b *Bus) heartbeats() {
	defer b.wg.Done()
	t := time.NewTicker(b.opts.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
		}
		b.beat()
		now := time.Now()
		var lost []string
		var hs []*realtime.BusHandler
		b.mu.Lock()
		for name, p := range b.peers {
			if now.Sub(p.seen) > b.opts.PeerTimeout {
				lost = append(lost, name)
				delete(b.peers, name)
			}
		}
		if len(lost) > 0 {
			for h := range b.handlers {
				hs = append(hs, h)
			}
		}
		b.mu.Unlock()
		for _, name := range lost {
			b.log.Warn("a node went silent", "peer", name)
			for _, h := range hs {
				if h.PeerLost != nil {
					h.PeerLost(name)
				}
			}
		}
	}
}

// Peers lists the other nodes heard from within PeerTimeout.
func (b *Bus) Peers() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, 0, len(b.peers))
	for name := range b.peers {
		out = append(out, name)
	}
	return out
}
