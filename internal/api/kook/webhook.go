package kook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/realtime"
)

// Webhook mode (reference/kook.md §2). Each bot in webhook mode has a hub
// session that chatd keeps open, so the bot is online and sees exactly what
// its gateway session would. Two goroutines serve it: the pump takes its
// deliveries, renders them as the gateway does and writes them to the
// bot's durable outbox; the sender POSTs the outbox in order, one delivery
// in flight at a time, retrying with backoff. An event is in the outbox
// before its first attempt, so a restart resumes what was not delivered.
// (Between the commit of a change and its outbox row the event lives only
// in memory: a crash there loses it for webhook bots.)

// WebhookOptions configure webhook delivery; zero fields take defaults.
type WebhookOptions struct {
	// Timeout bounds one delivery attempt: no 2xx answer within it is a
	// failure (default 5 s).
	Timeout time.Duration
	// ChallengeTimeout bounds the challenge sent before a callback URL is
	// stored (default 5 s).
	ChallengeTimeout time.Duration
	// Retries are the waits before each retry of a failed delivery; after
	// the last one it is given up (default 2, 4, 8, 16, 32 s).
	Retries []time.Duration
	// Client sends the requests (default: its own client that does not
	// follow redirects).
	Client *http.Client
	// Registerer receives the delivery counters (default: not registered).
	Registerer prometheus.Registerer
	// Logger (default slog.Default()).
	Logger *slog.Logger
	// Leases, when several nodes share the store, make one node at a time
	// deliver webhooks: the one holding the lease opens the bots' sessions
	// and sends their outboxes, and looks for configuration changes made
	// on other nodes every Resync (default 2 s). Nil: this node delivers.
	Leases chat.Leases
	Resync time.Duration
}

// webhookLease names the lease of webhook delivery.
const webhookLease = "kook-webhooks"

// DefaultWebhookRetries are KOOK's retry waits.
var DefaultWebhookRetries = []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second,
	16 * time.Second, 32 * time.Second}

// Webhooks delivers events to bots in webhook mode and proves callback
// URLs; it is the core's chat.WebhookFace. Make it before the Service
// (chat.WithWebhooks), give it to the KOOK face (WithWebhooks), then Start.
type Webhooks struct {
	opts    WebhookOptions
	log     *slog.Logger
	api     atomic.Pointer[API]
	metrics webhookMetrics

	mu     sync.Mutex
	bots   map[int64]*hookBot
	ctx    context.Context
	cancel context.CancelFunc
	closed bool
	// leading: this node delivers (always, without Leases)
	leading bool
	leader  sync.WaitGroup
}

var _ chat.WebhookFace = (*Webhooks)(nil)

type webhookMetrics struct {
	delivered, failedAttempts, givenUp prometheus.Counter
}

// NewWebhooks returns a deliverer; it does nothing until Start.
func NewWebhooks(opts WebhookOptions) *Webhooks {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.ChallengeTimeout <= 0 {
		opts.ChallengeTimeout = 5 * time.Second
	}
	if opts.Retries == nil {
		opts.Retries = DefaultWebhookRetries
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
	w := &Webhooks{opts: opts, log: opts.Logger.With("component", "webhook"), bots: map[int64]*hookBot{}}
	w.metrics = webhookMetrics{
		delivered: prometheus.NewCounter(prometheus.CounterOpts{Name: "chatd_webhook_delivered_total",
			Help: "Webhook events a bot answered with 2xx."}),
		failedAttempts: prometheus.NewCounter(prometheus.CounterOpts{Name: "chatd_webhook_failed_attempts_total",
			Help: "Webhook delivery attempts that failed (error, timeout or non-2xx answer)."}),
		givenUp: prometheus.NewCounter(prometheus.CounterOpts{Name: "chatd_webhook_given_up_total",
			Help: "Webhook events dropped after every retry failed."}),
	}
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(w.metrics.delivered, w.metrics.failedAttempts, w.metrics.givenUp)
	}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	return w
}

// WithWebhooks makes the KOOK face deliver webhooks through w (and refuse
// gateway connections of webhook bots).
func WithWebhooks(w *Webhooks) Option {
	return func(a *API) {
		a.webhooks = w
		w.api.Store(a)
	}
}

// Start opens a session for every bot in webhook mode and resumes its
// pending outbox. The KOOK face must have been made with WithWebhooks and
// a hub.
func (w *Webhooks) Start(ctx context.Context) error {
	a := w.api.Load()
	if a == nil || a.hub == nil {
		return errors.New("kook: webhooks need the KOOK face made WithWebhooks and WithHub")
	}
	if w.opts.Leases != nil {
		w.leader.Add(1)
		go w.lead()
		return nil
	}
	w.mu.Lock()
	w.leading = true
	w.mu.Unlock()
	return w.startAll(ctx)
}

// startAll starts delivery for every bot in webhook mode not yet started,
// updates the configuration of the others, and stops the bots that left
// webhook mode.
func (w *Webhooks) startAll(ctx context.Context) error {
	a := w.api.Load()
	bots, err := a.svc.WebhookBots(ctx)
	if err != nil {
		return fmt.Errorf("kook: list webhook bots: %w", err)
	}
	users, err := a.svc.UsersByID(ctx, mapKeys(bots))
	if err != nil {
		return fmt.Errorf("kook: list webhook bots: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.leading {
		return nil
	}
	for id, cfg := range bots {
		if b := w.bots[id]; b != nil {
			b.cfg.Store(&cfg)
			continue
		}
		if err := w.startLocked(ctx, users[id], cfg); err != nil {
			return err
		}
	}
	for id, b := range w.bots {
		if _, ok := bots[id]; !ok {
			b.stop()
			delete(w.bots, id)
		}
	}
	return nil
}

// lead waits for the webhook lease, delivers while it holds it, and waits
// again when it is lost. Another node's configuration changes reach the
// holder through the store, read every Resync.
func (w *Webhooks) lead() {
	defer w.leader.Done()
	for w.ctx.Err() == nil {
		held, release, err := w.opts.Leases.Hold(w.ctx, webhookLease)
		if err != nil {
			if w.ctx.Err() == nil {
				w.log.Error("waiting for the webhook lease failed; retrying", "err", err)
				sleep(w.ctx, time.Second)
			}
			continue
		}
		w.log.Info("this node delivers webhooks")
		w.mu.Lock()
		w.leading = true
		w.mu.Unlock()
		t := time.NewTicker(w.opts.Resync)
		for held.Err() == nil {
			if err := w.startAll(held); err != nil && held.Err() == nil {
				w.log.Error("starting webhook delivery failed", "err", err)
			}
			select {
			case <-held.Done():
			case <-t.C:
			}
		}
		t.Stop()
		w.mu.Lock()
		w.leading = false
		for id, b := range w.bots {
			b.stop()
			delete(w.bots, id)
		}
		w.mu.Unlock()
		release()
		if w.ctx.Err() == nil {
			w.log.Warn("lost the webhook lease; another node delivers")
		}
	}
}

// Close stops every delivery; what is pending stays in the outbox for the
// next start.
func (w *Webhooks) Close() {
	w.mu.Lock()
	w.closed = true
	w.cancel()
	for id, b := range w.bots {
		b.stop()
		delete(w.bots, id)
	}
	w.mu.Unlock()
	w.leader.Wait()
}

// WebhookChanged starts, reconfigures or stops a bot's delivery after its
// configuration was stored. A bot entering webhook mode loses its gateway
// connections.
func (w *Webhooks) WebhookChanged(ctx context.Context, user chat.User, cfg chat.Webhook) {
	a := w.api.Load()
	if a == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	b := w.bots[user.ID]
	switch {
	case cfg.Enabled() && b != nil:
		b.cfg.Store(&cfg)
	case cfg.Enabled() && !w.leading:
		// The node holding the webhook lease starts it at its next resync.
	case cfg.Enabled():
		if err := w.startLocked(ctx, user, cfg); err != nil {
			w.log.Error("starting webhook delivery failed", "user", user.ID, "err", err)
		}
	case b != nil:
		b.stop()
		delete(w.bots, user.ID)
	}
	if cfg.Enabled() {
		a.gateways.closeUser(user.ID)
	}
}

// active reports whether user's events go to its webhook.
func (w *Webhooks) active(userID int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bots[userID] != nil
}

func (w *Webhooks) startLocked(ctx context.Context, user chat.User, cfg chat.Webhook) error {
	if w.closed || !w.leading {
		return nil
	}
	a := w.api.Load()
	if a.hub == nil {
		return errors.New("kook: webhook delivery needs the hub")
	}
	sess, err := a.hub.Open(ctx, user)
	if err != nil {
		return fmt.Errorf("kook: open the webhook session of %d: %w", user.ID, err)
	}
	bctx, cancel := context.WithCancel(w.ctx)
	b := &hookBot{w: w, a: a, user: user, cancel: cancel, kick: make(chan struct{}, 1)}
	b.cfg.Store(&cfg)
	w.bots[user.ID] = b
	a.presence.add(user.ID)
	b.wg.Add(2)
	go b.pump(bctx, sess)
	go b.send(bctx)
	return nil
}

// hookBot is one webhook bot's delivery.
type hookBot struct {
	w      *Webhooks
	a      *API
	user   chat.User
	cfg    atomic.Pointer[chat.Webhook]
	cancel context.CancelFunc
	kick   chan struct{} // holds a token when the outbox grew
	wg     sync.WaitGroup
}

func (b *hookBot) stop() {
	b.cancel()
	b.wg.Wait()
	b.a.presence.drop(b.user.ID)
}

// pump moves the session's deliveries into the outbox.
func (b *hookBot) pump(ctx context.Context, sess *realtime.Session) {
	defer b.wg.Done()
	defer func() { sess.Close() }()
	var batch []realtime.Delivery
	for {
		select {
		case <-ctx.Done():
			return
		case <-sess.Ready():
			for {
				var err error
				batch, err = sess.Take(batch[:0], batchSize)
				if len(batch) > 0 && !b.queue(ctx, batch) {
					return
				}
				n := len(batch)
				clear(batch)
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
func (b *hookBot) reattach(ctx context.Context, sess *realtime.Session) (*realtime.Session, bool) {
	err := sess.Err()
	if !errors.Is(err, realtime.ErrOverflow) || ctx.Err() != nil {
		return nil, false
	}
	next, rerr := b.a.hub.Resume(b.user, sess.ID(), sess.Taken())
	if rerr == nil {
		return next, true
	}
	b.w.log.Error("webhook session lost events: it overflowed and cannot resume", "user", b.user.ID, "err", rerr)
	sess.Close()
	next, err = b.a.hub.Open(ctx, b.user)
	if err != nil {
		b.w.log.Error("reopening a webhook session failed", "user", b.user.ID, "err", err)
		return nil, false
	}
	return next, true
}

// queue renders a batch and writes it to the outbox, retrying a failing
// store until it works or the bot stops; false: stop pumping.
func (b *hookBot) queue(ctx context.Context, batch []realtime.Delivery) bool {
	payloads := make([][]byte, len(batch))
	for i, d := range batch {
		payloads[i] = b.a.frameOf(d.Event).variant(b.user.ID).head
	}
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		_, err := b.a.svc.QueueWebhookDeliveries(ctx, b.user.ID, payloads)
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
		b.w.log.Error("writing webhook events to the outbox failed; retrying", "user", b.user.ID, "err", err)
		if !sleep(ctx, wait) {
			return false
		}
	}
}

// send delivers the outbox in order, one delivery at a time.
func (b *hookBot) send(ctx context.Context) {
	defer b.wg.Done()
	var after int64
	for {
		ds, err := b.a.svc.PendingWebhookDeliveries(ctx, b.user.ID, after, 64)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			b.w.log.Error("reading the webhook outbox failed", "user", b.user.ID, "err", err)
			if !sleep(ctx, time.Second) {
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
		for _, d := range ds {
			if !b.deliver(ctx, d) {
				return
			}
			after = d.ID
		}
	}
}

// deliver tries one delivery until it succeeds or is given up; false: the
// bot stops, and the delivery stays in the outbox.
func (b *hookBot) deliver(ctx context.Context, d chat.WebhookDelivery) bool {
	for attempt := 0; ; attempt++ {
		err := b.post(ctx, d)
		if err == nil {
			b.w.metrics.delivered.Inc()
			b.finish(d)
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		b.w.metrics.failedAttempts.Inc()
		if attempt >= len(b.w.opts.Retries) {
			b.w.metrics.givenUp.Inc()
			b.w.log.Warn("webhook delivery given up", "user", b.user.ID, "sn", d.SN, "attempts", attempt+1, "err", err)
			b.finish(d)
			return true
		}
		if !sleep(ctx, b.w.opts.Retries[attempt]) {
			return false
		}
	}
}

func (b *hookBot) finish(d chat.WebhookDelivery) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.a.svc.FinishWebhookDelivery(ctx, d.ID); err != nil {
		// It stays in the outbox and is sent again after a restart.
		b.w.log.Error("removing a webhook delivery from the outbox failed", "user", b.user.ID, "sn", d.SN, "err", err)
	}
}

// post makes one attempt: the frame the gateway would send, with the
// bot's current verify token, encoded for its current configuration.
func (b *hookBot) post(ctx context.Context, d chat.WebhookDelivery) error {
	cfg := *b.cfg.Load()
	frame := appendTail(append(make([]byte, 0, len(d.Payload)+64), d.Payload...), cfg.VerifyToken, d.SN)
	body, err := encodeWebhookBody(frame, cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, b.w.opts.Timeout)
	defer cancel()
	status, _, err := b.w.postBody(ctx, cfg.URL, body)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return fmt.Errorf("answered HTTP %d", status)
	}
	return nil
}

// postBody POSTs body and returns the status and up to 64 KiB of the answer.
func (w *Webhooks) postBody(ctx context.Context, url string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytesReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "chatd-webhook")
	resp, err := w.opts.Client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, answer, nil
}

// challengeJSON is the challenge KOOK sends before it uses a callback URL.
type challengeJSON struct {
	S int               `json:"s"`
	D challengeDataJSON `json:"d"`
}

type challengeDataJSON struct {
	Type        int    `json:"type"`
	ChannelType string `json:"channel_type"`
	Challenge   string `json:"challenge"`
	VerifyToken string `json:"verify_token"`
}

// Challenge POSTs KOOK's challenge to cfg.URL, encoded as events will be,
// and requires {"challenge":"<the same>"} back in time.
func (w *Webhooks) Challenge(ctx context.Context, _ chat.User, cfg chat.Webhook) error {
	c := newChallenge()
	plain, err := jsonMarshal(challengeJSON{S: 0, D: challengeDataJSON{Type: 255, ChannelType: "WEBHOOK_CHALLENGE",
		Challenge: c, VerifyToken: cfg.VerifyToken}})
	if err != nil {
		return err
	}
	body, err := encodeWebhookBody(plain, cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, w.opts.ChallengeTimeout)
	defer cancel()
	status, answer, err := w.postBody(ctx, cfg.URL, body)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %v", w.opts.ChallengeTimeout)
	}
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return fmt.Errorf("answered HTTP %d", status)
	}
	var got struct {
		Challenge *string `json:"challenge"`
	}
	if jsonUnmarshal(answer, &got) != nil || got.Challenge == nil {
		return fmt.Errorf(`answered %s, want {"challenge":%s}`, clip(answer), strconv.Quote(c))
	}
	if *got.Challenge != c {
		return fmt.Errorf("answered challenge %q, want %q", *got.Challenge, c)
	}
	return nil
}

func clip(b []byte) string {
	if len(b) > 200 {
		return strconv.Quote(string(b[:200]) + "...")
	}
	return strconv.Quote(string(b))
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func mapKeys[V any](m map[int64]V) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
