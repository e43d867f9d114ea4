// Package webhook delivers events to bots in webhook mode, for any face.
// It knows the generic part: which bots to serve, a hub session per bot,
// the durable outbox, one delivery in flight per bot, the retry schedule
// and the lease that makes one node deliver. A face gives it a Renderer
// (an event → an outbox payload; a payload → the body of one attempt).
//
// Each bot in webhook mode has a hub session that chatd keeps open, so the
// bot is online and sees exactly what a socket session would. Two
// goroutines serve it: the pump takes its deliveries, renders them and
// writes them to the bot's durable outbox; the sender POSTs the outbox in
// order, one delivery in flight at a time, retrying with backoff. An event
// is in the outbox before its first attempt, so a restart resumes what was
// not delivered.
//
// Between the commit of a change and its outbox row the event lives only
// in memory, and a node that takes over delivery opens its sessions after
// its predecessor died. So the pump marks, every second, how far the bot's
// outbox is complete (the time when it had taken every delivery waiting),
// and whoever starts serving a bot first replays into its session what was
// made since that mark, less backfillMargin (realtime.Hub.Backfill). An
// event near the mark may then be delivered twice: webhooks are at least
// once.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/realtime"
)

// Options configure delivery; zero fields take defaults.
type Options struct {
	// Timeout bounds one delivery attempt: no 2xx answer within it is a
	// failure (default 5 s).
	Timeout time.Duration
	// Retries are the waits before each retry of a failed delivery; after
	// the last one it is given up (default DefaultRetries).
	Retries []time.Duration
	// Client sends the requests (default: its own client that does not
	// follow redirects).
	Client *http.Client
	// Registerer receives the delivery counters, labelled with the face
	// (default: not registered).
	Registerer prometheus.Registerer
	// Logger (default slog.Default()).
	Logger *slog.Logger
	// Leases, when several nodes share the store, make one node at a time
	// deliver a face's webhooks: the one holding the lease opens the bots'
	// sessions and sends their outboxes, and looks for configuration
	// changes made on other nodes every Resync (default 2 s). Nil: this
	// node delivers.
	Leases chat.Leases
	Resync time.Duration
}

// DefaultRetries are KOOK's retry waits, used by every face.
var DefaultRetries = []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second,
	16 * time.Second, 32 * time.Second}

// Renderer is a face's part of delivery.
type Renderer interface {
	// Payload renders an event for bot's outbox; false: the face has no
	// webhook event for it.
	Payload(ctx context.Context, bot chat.User, e *chat.Event) ([]byte, bool)
	// Body is what one attempt POSTs for d under the bot's current
	// configuration, and its content type.
	Body(cfg chat.Webhook, d chat.WebhookDelivery) (body []byte, contentType string, err error)
	// Started and Stopped bracket a bot's delivery (KOOK: presence).
	Started(bot chat.User)
	Stopped(bot chat.User)
}

// Deliverer serves the bots whose configuration names one face.
type Deliverer struct {
	face    string
	opts    Options
	log     *slog.Logger
	metrics metrics
	env     atomic.Pointer[env]

	mu     sync.Mutex
	bots   map[int64]*bot
	ctx    context.Context
	cancel context.CancelFunc
	closed bool
	// leading: this node delivers (always, without Leases)
	leading bool
	leader  sync.WaitGroup
}

type env struct {
	svc *chat.Service
	hub *realtime.Hub
	r   Renderer
}

type metrics struct {
	delivered, failedAttempts, givenUp prometheus.Counter
}

// New returns a deliverer of face's webhooks; it does nothing until Bind
// and Start.
func New(face string, opts Options) *Deliverer {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.Retries == nil {
		opts.Retries = DefaultRetries
	}
	if opts.Client == nil {
		opts.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is not a 2xx
		}}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Resync <= 0 {
		opts.Resync = 2 * time.Second
	}
	d := &Deliverer{face: face, opts: opts, log: opts.Logger.With("component", "webhook", "face", face),
		bots: map[int64]*bot{}}
	labels := prometheus.Labels{"face": face}
	d.metrics = metrics{
		delivered: prometheus.NewCounter(prometheus.CounterOpts{Name: "chatd_webhook_delivered_total",
			Help: "Webhook events a bot answered with 2xx.", ConstLabels: labels}),
		failedAttempts: prometheus.NewCounter(prometheus.CounterOpts{Name: "chatd_webhook_failed_attempts_total",
			Help: "Webhook delivery attempts that failed (error, timeout or non-2xx answer).", ConstLabels: labels}),
		givenUp: prometheus.NewCounter(prometheus.CounterOpts{Name: "chatd_webhook_given_up_total",
			Help: "Webhook events dropped after every retry failed.", ConstLabels: labels}),
	}
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(d.metrics.delivered, d.metrics.failedAttempts, d.metrics.givenUp)
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	return d
}

// Face is the face whose bots d serves.
func (d *Deliverer) Face() string { return d.face }

// Bind gives d the core, the hub its sessions come from, and the face's
// renderer. Call it before Start.
func (d *Deliverer) Bind(svc *chat.Service, hub *realtime.Hub, r Renderer) {
	d.env.Store(&env{svc: svc, hub: hub, r: r})
}

// Bound reports whether Bind was called.
func (d *Deliverer) Bound() bool { return d.env.Load() != nil }

// Start opens a session for every bot of the face in webhook mode and
// resumes its pending outbox.
func (d *Deliverer) Start(ctx context.Context) error {
	e := d.env.Load()
	if e == nil || e.hub == nil || e.svc == nil {
		return fmt.Errorf("webhook: %s delivery needs Bind with a hub", d.face)
	}
	d.leader.Add(1)
	go d.markLoop()
	if d.opts.Leases != nil {
		d.leader.Add(1)
		go d.lead()
		return nil
	}
	d.mu.Lock()
	d.leading = true
	d.mu.Unlock()
	return d.startAll(ctx)
}

// startAll starts delivery for every bot in webhook mode not yet started,
// updates the configuration of the others, and stops the bots that left
// webhook mode or the face.
func (d *Deliverer) startAll(ctx context.Context) error {
	e := d.env.Load()
	bots, err := e.svc.WebhookBots(ctx, d.face)
	if err != nil {
		return fmt.Errorf("webhook: list %s webhook bots: %w", d.face, err)
	}
	ids := make([]int64, 0, len(bots))
	for id := range bots {
		ids = append(ids, id)
	}
	users, err := e.svc.UsersByID(ctx, ids)
	if err != nil {
		return fmt.Errorf("webhook: list %s webhook bots: %w", d.face, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.leading {
		return nil
	}
	var replay []*realtime.Session
	var since time.Time
	for id, cfg := range bots {
		if b := d.bots[id]; b != nil {
			b.cfg.Store(&cfg)
			continue
		}
		sess, err := d.startLocked(ctx, users[id], cfg)
		if err != nil {
			return err
		}
		// What the previous deliverer (another node, or this one before
		// a crash) may not have put in the outbox is replayed, for all the
		// bots started now at once from the oldest of their marks.
		mark, err := e.svc.WebhookCaughtUp(ctx, id)
		if err != nil {
			d.log.Error("reading where a webhook bot's outbox is complete failed; not replaying", "user", id, "err", err)
		} else if sess != nil && !mark.IsZero() {
			replay = append(replay, sess)
			if since.IsZero() || mark.Before(since) {
				since = mark
			}
		}
	}
	if len(replay) > 0 {
		if err := e.hub.Backfill(ctx, replay, since.Add(-backfillMargin)); err != nil {
			d.log.Error("replaying webhook bots' recent events failed", "bots", len(replay), "err", err)
		}
	}
	for id, b := range d.bots {
		if _, ok := bots[id]; !ok {
			b.stop()
			delete(d.bots, id)
		}
	}
	return nil
}

// lead waits for the face's lease, delivers while it holds it, and waits
// again when it is lost. Another node's configuration changes reach the
// holder through the store, read every Resync.
func (d *Deliverer) lead() {
	defer d.leader.Done()
	Lead(d.ctx, d.opts.Leases, LeaseName(d.face), d.opts.Resync, d.log, func(held context.Context) error {
		d.mu.Lock()
		d.leading = true
		d.mu.Unlock()
		return d.startAll(held)
	}, func() {
		d.mu.Lock()
		d.leading = false
		for id, b := range d.bots {
			b.stop()
			delete(d.bots, id)
		}
		d.mu.Unlock()
	})
}

// markLoop writes the bots' marks (bot.caughtUp) that moved, every
// markEvery, until d closes.
func (d *Deliverer) markLoop() {
	defer d.leader.Done()
	t := time.NewTicker(markEvery)
	defer t.Stop()
	for {
		select {
		case <-d.ctx.Done():
			return
		case <-t.C:
		}
		at := map[int64]time.Time{}
		var moved []*bot
		d.mu.Lock()
		for id, b := range d.bots {
			if c := b.caughtUp.Load(); c > b.marked.Load() {
				at[id] = time.Unix(0, c)
				moved = append(moved, b)
			}
		}
		d.mu.Unlock()
		if len(at) == 0 {
			continue
		}
		if err := d.env.Load().svc.MarkWebhooksCaughtUp(d.ctx, at); err != nil {
			if d.ctx.Err() == nil {
				d.log.Error("writing how far webhook outboxes are complete failed", "err", err)
			}
			continue
		}
		for _, b := range moved {
			b.marked.Store(at[b.user.ID].UnixNano())
		}
	}
}

// LeaseName names the lease of a face's webhook delivery ("kook-webhooks"
// for KOOK, as before there were several faces).
func LeaseName(face string) string { return face + "-webhooks" }

// Close stops every delivery; what is pending stays in the outbox for the
// next start.
func (d *Deliverer) Close() {
	d.mu.Lock()
	d.closed = true
	d.cancel()
	for id, b := range d.bots {
		b.stop()
		delete(d.bots, id)
	}
	d.mu.Unlock()
	d.leader.Wait()
}

// Changed starts, reconfigures or stops a bot's delivery after its
// configuration was stored. A configuration of another face stops it.
func (d *Deliverer) Changed(ctx context.Context, user chat.User, cfg chat.Webhook) {
	if d.env.Load() == nil {
		return
	}
	mine := cfg.Enabled() && cfg.Face == d.face
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	b := d.bots[user.ID]
	switch {
	case mine && b != nil:
		b.cfg.Store(&cfg)
	case mine && !d.leading:
		// The node holding the webhook lease starts it at its next resync.
	case mine:
		if _, err := d.startLocked(ctx, user, cfg); err != nil {
			d.log.Error("starting webhook delivery failed", "user", user.ID, "err", err)
		}
	case b != nil:
		b.stop()
		delete(d.bots, user.ID)
	}
}

// Active reports whether user's events go to its webhook through d.
func (d *Deliverer) Active(userID int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.bots[userID] != nil
}

// startLocked starts user's delivery and returns its session (nil when
// this node does not deliver).
func (d *Deliverer) startLocked(ctx context.Context, user chat.User, cfg chat.Webhook) (*realtime.Session, error) {
	if d.closed || !d.leading {
		return nil, nil
	}
	e := d.env.Load()
	sess, err := e.hub.Open(ctx, user)
	if err != nil {
		return nil, fmt.Errorf("webhook: open the webhook session of %d: %w", user.ID, err)
	}
	bctx, cancel := context.WithCancel(d.ctx)
	b := &bot{d: d, e: e, user: user, cancel: cancel, kick: make(chan struct{}, 1)}
	b.cfg.Store(&cfg)
	d.bots[user.ID] = b
	e.r.Started(user)
	b.wg.Add(2)
	go b.pump(bctx, sess)
	go b.send(bctx)
	return sess, nil
}

// bot is one webhook bot's delivery.
type bot struct {
	d      *Deliverer
	e      *env
	user   chat.User
	cfg    atomic.Pointer[chat.Webhook]
	cancel context.CancelFunc
	kick   chan struct{} // holds a token when the outbox grew
	wg     sync.WaitGroup
	// caughtUp (unix nanos) is when the pump last had every delivery of
	// the session in the outbox; marked, the one last written.
	caughtUp, marked atomic.Int64
}

func (b *bot) stop() {
	b.cancel()
	b.wg.Wait()
	b.e.r.Stopped(b.user)
}

// batchSize bounds the deliveries taken from the session at once.
const batchSize = 64

// markEvery is how often the pump marks how far the outbox is complete and
// the marks are written to the store.
const markEvery = time.Second

// backfillMargin is how far before a bot's mark its replay starts: events
// committed before the mark may still have been on their way to the
// session (ordering, gap repair, the bus).
const backfillMargin = 2 * time.Second

// pump moves the session's deliveries into the outbox.
func (b *bot) pump(ctx context.Context, sess *realtime.Session) {
	defer b.wg.Done()
	defer func() { sess.Close() }()
	tick := time.NewTicker(markEvery)
	defer tick.Stop()
	var batch []realtime.Delivery
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if len(sess.Ready()) == 0 { // nothing waits: the outbox has it all
				b.caughtUp.Store(time.Now().UnixNano())
			}
		case <-sess.Ready():
			for {
				at := time.Now().UnixNano()
				var err error
				batch, err = sess.Take(batch[:0], batchSize)
				if len(batch) > 0 && !b.queue(ctx, batch) {
					return
				}
				n := len(batch)
				clear(batch)
				if err == nil && n < batchSize {
					b.caughtUp.Store(at) // what was waiting then is in the outbox
				}
				if err != nil || n < batchSize {
					break
				}
			}
		case <-sess.Done():
			next, ok := b.reattach(ctx, sess)
			if !ok {
				return
			}
			sess = next
		}
	}
}

// reattach continues after the session's attachment ended: an overflow
// (the store was slower than the events) resumes where the pump stopped.
func (b *bot) reattach(ctx context.Context, sess *realtime.Session) (*realtime.Session, bool) {
	err := sess.Err()
	if !errors.Is(err, realtime.ErrOverflow) || ctx.Err() != nil {
		return nil, false
	}
	next, rerr := b.e.hub.Resume(b.user, sess.ID(), sess.Taken())
	if rerr == nil {
		return next, true
	}
	b.d.log.Error("webhook session lost events: it overflowed and cannot resume", "user", b.user.ID, "err", rerr)
	sess.Close()
	next, err = b.e.hub.Open(ctx, b.user)
	if err != nil {
		b.d.log.Error("reopening a webhook session failed", "user", b.user.ID, "err", err)
		return nil, false
	}
	return next, true
}

// queue renders a batch and writes it to the outbox, retrying a failing
// store until it works or the bot stops; false: stop pumping.
func (b *bot) queue(ctx context.Context, batch []realtime.Delivery) bool {
	payloads := make([][]byte, 0, len(batch))
	for _, dl := range batch {
		if p, ok := b.e.r.Payload(ctx, b.user, dl.Event); ok {
			payloads = append(payloads, p)
		}
	}
	if len(payloads) == 0 {
		return true
	}
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		_, err := b.e.svc.QueueWebhookDeliveries(ctx, b.user.ID, payloads)
		if err == nil {
			select {
			case b.kick <- struct{}{}:
			default:
			}
			return true
		}
		if errors.Is(err, chat.ErrNotFound) || ctx.Err() != nil {
			return false // the bot left webhook mode, or chatd stops
		}
		b.d.log.Error("writing webhook events to the outbox failed; retrying", "user", b.user.ID, "err", err)
		if !Sleep(ctx, wait) {
			return false
		}
	}
}

// send delivers the outbox in order, one delivery at a time.
func (b *bot) send(ctx context.Context) {
	defer b.wg.Done()
	var after int64
	for {
		ds, err := b.e.svc.PendingWebhookDeliveries(ctx, b.user.ID, after, 64)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			b.d.log.Error("reading the webhook outbox failed", "user", b.user.ID, "err", err)
			if !Sleep(ctx, time.Second) {
				return
			}
			continue
		}
		if len(ds) == 0 {
			select {
			case <-b.kick:
				continue
			case <-ctx.Done():
				return
			}
		}
		for _, dl := range ds {
			if !b.deliver(ctx, dl) {
				return
			}
			after = dl.ID
		}
	}
}

// deliver tries one delivery until it succeeds or is given up; false: the
// bot stops, and the delivery stays in the outbox.
func (b *bot) deliver(ctx context.Context, dl chat.WebhookDelivery) bool {
	err := Retry(ctx, b.d.opts.Retries, func(ctx context.Context) error { return b.post(ctx, dl) },
		func(error) { b.d.metrics.failedAttempts.Inc() })
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		b.d.metrics.givenUp.Inc()
		b.d.log.Warn("webhook delivery given up", "user", b.user.ID, "sn", dl.SN, "attempts", len(b.d.opts.Retries)+1,
			"err", err)
	} else {
		b.d.metrics.delivered.Inc()
	}
	b.finish(dl)
	return true
}

func (b *bot) finish(dl chat.WebhookDelivery) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.e.svc.FinishWebhookDelivery(ctx, dl.ID); err != nil {
		// It stays in the outbox and is sent again after a restart.
		b.d.log.Error("removing a webhook delivery from the outbox failed", "user", b.user.ID, "sn", dl.SN, "err", err)
	}
}

// post makes one attempt, rendered for the bot's current configuration.
func (b *bot) post(ctx context.Context, dl chat.WebhookDelivery) error {
	cfg := *b.cfg.Load()
	body, ctype, err := b.e.r.Body(cfg, dl)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, b.d.opts.Timeout)
	defer cancel()
	status, _, err := b.d.Post(ctx, cfg.URL, ctype, body)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return fmt.Errorf("answered HTTP %d", status)
	}
	return nil
}

// Post POSTs body with d's client and returns the status and up to 64 KiB
// of the answer.
func (d *Deliverer) Post(ctx context.Context, url, contentType string, body []byte) (int, []byte, error) {
	return Post(ctx, d.opts.Client, url, contentType, body, nil)
}

// Sleep waits d or until ctx ends; false: ctx ended.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
