package lanying

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/webhook"
)

// The message webhook (reference §B.7, Lanying's "信息订阅"): every message
// of an app with a webhook URL is POSTed there as
// {appId, from{uid}, to{uid}, type, ctype, content, ext, msgId}, with the
// app's secret in the `signature` header (the receiver compares it as a
// plain string). Webhooks sits in the core's publisher chain: it sees each
// committed message once, on the node that committed it, renders it and
// writes it to the app's durable outbox; a sender per app POSTs the outbox
// in order, one delivery in flight, retrying with backoff. A delivery is in
// the outbox before its first attempt, so a restart resumes it. (Between
// the commit and its outbox row the message lives only in memory, as with
// KOOK's webhooks: a crash there loses its webhook.)

// WebhookOptions configure the message webhook; zero fields take defaults.
type WebhookOptions struct {
	// Timeout bounds one attempt: no 2xx answer within it is a failure
	// (default 5 s).
	Timeout time.Duration
	// Retries are the waits before each retry of a failed delivery; after
	// the last one it is given up (default 2, 4, 8, 16, 32 s).
	Retries []time.Duration
	// Client sends the requests (default: one that does not follow
	// redirects).
	Client *http.Client
	// Logger (default slog.Default()).
	Logger *slog.Logger
	// Leases, when several nodes share the store, make one node at a time
	// send the outboxes (every node still queues its own messages). Nil:
	// this node sends.
	Leases chat.Leases
	// Resync is how often a sender looks at its outbox without being
	// told (rows queued by other nodes), and how long a node trusts what
	// it knows of an app's webhook (default 2 s).
	Resync time.Duration
}

// DefaultWebhookRetries are the waits between attempts.
var DefaultWebhookRetries = []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second,
	16 * time.Second, 32 * time.Second}

const (
	webhookLease = "lanying-webhooks"
	// maxQueued bounds the messages waiting to be written to outboxes;
	// beyond it new ones are dropped (and logged), never blocking a send.
	maxQueued   = 1 << 20
	outboxBatch = 256
)

// Webhooks delivers apps' message webhooks; it is the core's
// chat.AppWebhookFace. Make it before the Service, put Tap(next) in the
// Service's publisher chain and chat.WithAppWebhooks(w) in its options,
// give it to the Lanying face (WithWebhooks), then Start.
type Webhooks struct {
	opts WebhookOptions
	log  *slog.Logger
	svc  atomic.Pointer[chat.Service]

	qmu     sync.Mutex
	queue   []chat.Event
	spare   []chat.Event // the pump's last batch, emptied: the next queue
	dropped int
	wake    chan struct{}

	mu      sync.Mutex
	known   map[int64]knownApp
	senders map[int64]*appSender
	leading bool
	started bool
	closed  bool

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var _ chat.AppWebhookFace = (*Webhooks)(nil)

// knownApp is what this node last read of an app's webhook.
type knownApp struct {
	enabled bool
	at      time.Time
}

// NewWebhooks returns a deliverer; it queues from the first message and
// sends after Start.
func NewWebhooks(opts WebhookOptions) *Webhooks {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.Retries == nil {
		opts.Retries = DefaultWebhookRetries
	}
	if opts.Client == nil {
		opts.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Resync <= 0 {
		opts.Resync = 2 * time.Second
	}
	w := &Webhooks{opts: opts, log: opts.Logger.With("component", "lanying-webhook"), wake: make(chan struct{}, 1),
		known: map[int64]knownApp{}, senders: map[int64]*appSender{}}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	return w
}

// WithWebhooks makes the Lanying face's Service the one w reads from.
func WithWebhooks(w *Webhooks) Option {
	return func(a *API) { w.svc.Store(a.svc) }
}

// Tap returns a publisher that hands every event to next and notes each
// new message for the webhook.
func (w *Webhooks) Tap(next chat.Publisher) chat.Publisher { return tap{w, next} }

type tap struct {
	w    *Webhooks
	next chat.Publisher
}

func (t tap) Publish(ctx context.Context, e chat.Event) {
	t.next.Publish(ctx, e)
	if e.Kind == chat.EventMessageCreated && e.Message.TempTargetID == 0 {
		t.w.enqueue(e)
	}
}

func (w *Webhooks) enqueue(e chat.Event) {
	w.qmu.Lock()
	if len(w.queue) >= maxQueued {
		w.dropped++
		w.qmu.Unlock()
		return
	}
	w.queue = append(w.queue, e)
	w.qmu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Start begins writing outboxes and, on the node that sends, delivering
// every app's pending outbox. The Lanying face must have been made
// WithWebhooks.
func (w *Webhooks) Start(ctx context.Context) error {
	if w.svc.Load() == nil {
		return errors.New("lanying: webhooks need the Lanying face made WithWebhooks")
	}
	w.mu.Lock()
	if w.started {
		w.mu.Unlock()
		return nil
	}
	w.started = true
	w.mu.Unlock()
	w.wg.Add(1)
	go w.pump()
	if w.opts.Leases != nil {
		w.wg.Add(1)
		go w.lead()
		return nil
	}
	w.mu.Lock()
	w.leading = true
	w.mu.Unlock()
	return w.startAll(ctx)
}

// Close stops queueing and delivery; what is in the outbox stays for the
// next start.
func (w *Webhooks) Close() {
	w.mu.Lock()
	w.closed = true
	w.cancel()
	for id, s := range w.senders {
		s.stop()
		delete(w.senders, id)
	}
	w.mu.Unlock()
	w.wg.Wait()
}

// AppWebhookChanged starts or stops an app's sender after its webhook was
// stored on this node.
func (w *Webhooks) AppWebhookChanged(_ context.Context, appID int64, cfg chat.AppWebhook) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.known[appID] = knownApp{enabled: cfg.Enabled(), at: time.Now()}
	if cfg.Enabled() {
		w.startLocked(appID)
		return
	}
	if s := w.senders[appID]; s != nil {
		s.stop()
		delete(w.senders, appID)
	}
}

// startAll starts a sender for every app with a webhook or a pending
// delivery.
func (w *Webhooks) startAll(ctx context.Context) error {
	apps, err := w.svc.Load().AppWebhookApps(ctx)
	if err != nil {
		return fmt.Errorf("lanying: list webhook apps: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, id := range apps {
		w.startLocked(id)
	}
	return nil
}

func (w *Webhooks) startLocked(appID int64) {
	if w.closed || !w.leading || w.senders[appID] != nil {
		return
	}
	ctx, cancel := context.WithCancel(w.ctx)
	s := &appSender{w: w, appID: appID, cancel: cancel, kick: make(chan struct{}, 1)}
	w.senders[appID] = s
	s.wg.Add(1)
	go s.run(ctx)
}

func (w *Webhooks) kick(appID int64) {
	w.mu.Lock()
	s := w.senders[appID]
	w.mu.Unlock()
	if s == nil {
		w.mu.Lock()
		w.startLocked(appID)
		w.mu.Unlock()
		return
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// lead holds the webhook lease and sends while it holds it.
func (w *Webhooks) lead() {
	defer w.wg.Done()
	webhook.Lead(w.ctx, w.opts.Leases, webhookLease, w.opts.Resync, w.log, func(held context.Context) error {
		w.mu.Lock()
		w.leading = true
		w.mu.Unlock()
		return w.startAll(held)
	}, func() {
		w.mu.Lock()
		w.leading = false
		for id, s := range w.senders {
			s.stop()
			delete(w.senders, id)
		}
		w.mu.Unlock()
	})
}

// pump renders queued messages and writes them to their apps' outboxes.
func (w *Webhooks) pump() {
	defer w.wg.Done()
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-w.wake:
		}
		for {
			w.qmu.Lock()
			batch := w.queue
			w.queue, w.spare = w.spare[:0], nil
			dropped := w.dropped
			w.dropped = 0
			w.qmu.Unlock()
			if dropped > 0 {
				w.log.Error("message webhook queue overflowed: messages were not queued", "dropped", dropped)
			}
			if len(batch) == 0 {
				w.qmu.Lock()
				w.spare = batch
				w.qmu.Unlock()
				break
			}
			if !w.queueBatch(batch) {
				return
			}
			// Every send passes through here: the two buffers take turns
			// rather than a new one growing for each batch.
			clear(batch)
			w.qmu.Lock()
			w.spare = batch[:0]
			w.qmu.Unlock()
		}
	}
}

// queueBatch writes the messages of apps with a webhook to their outboxes;
// false: chatd stops.
func (w *Webhooks) queueBatch(batch []chat.Event) bool {
	byApp := map[int64][][]byte{}
	var order []int64
	for i := range batch {
		e := &batch[i]
		app := e.Chat.AppID
		if app == 0 {
			app = chat.DefaultAppID
		}
		if !w.enabled(app) {
			continue
		}
		p, err := renderWebhook(app, e)
		if err != nil {
			w.log.Error("rendering a message webhook failed", "app", app, "msg", e.Message.ID, "err", err)
			continue
		}
		if byApp[app] == nil {
			order = append(order, app)
		}
		byApp[app] = append(byApp[app], p)
	}
	svc := w.svc.Load()
	for _, app := range order {
		ps := byApp[app]
		for start := 0; start < len(ps); start += outboxBatch {
			chunk := ps[start:min(start+outboxBatch, len(ps))]
			if !w.append(svc, app, chunk) {
				return false
			}
		}
		w.kick(app)
	}
	return true
}

// append retries a failing store until it works, the app has no webhook
// any more, or chatd stops (false).
func (w *Webhooks) append(svc *chat.Service, app int64, payloads [][]byte) bool {
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		_, err := svc.QueueAppWebhookDeliveries(w.ctx, app, payloads)
		if err == nil || errors.Is(err, chat.ErrNotFound) {
			if err != nil {
				w.forget(app)
			}
			return true
		}
		if w.ctx.Err() != nil {
			return false
		}
		w.log.Error("writing message webhooks to the outbox failed; retrying", "app", app, "err", err)
		if !webhook.Sleep(w.ctx, wait) {
			return false
		}
	}
}

// enabled reports whether app has a webhook URL, from what this node knows
// if it is recent enough, else from the store.
func (w *Webhooks) enabled(app int64) bool {
	w.mu.Lock()
	k, ok := w.known[app]
	w.mu.Unlock()
	if ok && time.Since(k.at) < w.opts.Resync {
		return k.enabled
	}
	cfg, err := w.svc.Load().AppWebhook(w.ctx, app)
	if err != nil {
		w.log.Error("reading an app's webhook failed", "app", app, "err", err)
		return ok && k.enabled
	}
	w.mu.Lock()
	w.known[app] = knownApp{enabled: cfg.Enabled(), at: time.Now()}
	w.mu.Unlock()
	return cfg.Enabled()
}

func (w *Webhooks) forget(app int64) {
	w.mu.Lock()
	delete(w.known, app)
	w.mu.Unlock()
}

// webhookJSON is the body of one delivery (reference §B.7).
type webhookJSON struct {
	AppID   string  `json:"appId"`
	From    uidJSON `json:"from"`
	To      uidJSON `json:"to"`
	Type    string  `json:"type"`
	CType   string  `json:"ctype"`
	Content string  `json:"content"`
	Ext     string  `json:"ext"`
	MsgID   int64   `json:"msgId"`
}

type uidJSON struct {
	UID int64 `json:"uid"`
}

// renderWebhook renders a new message: type CHAT for a direct chat (to is
// the peer), GROUPCHAT otherwise (to is the group).
func renderWebhook(app int64, e *chat.Event) ([]byte, error) {
	m := e.Message
	typ := "GROUPCHAT"
	if e.Chat.Kind == chat.ChatDirect {
		typ = "CHAT"
	}
	return json.Marshal(webhookJSON{AppID: strconv.FormatInt(app, 10), From: uidJSON{m.AuthorID},
		To: uidJSON{conversationID(e.Chat, m.AuthorID)}, Type: typ, CType: ctypeName(m.Type), Content: m.Content,
		Ext: m.Extra.Ext, MsgID: m.ID})
}

// appSender delivers one app's outbox in order.
type appSender struct {
	w      *Webhooks
	appID  int64
	cancel context.CancelFunc
	kick   chan struct{}
	wg     sync.WaitGroup
}

func (s *appSender) stop() {
	s.cancel()
	s.wg.Wait()
}

func (s *appSender) run(ctx context.Context) {
	defer s.wg.Done()
	svc := s.w.svc.Load()
	t := time.NewTicker(s.w.opts.Resync)
	defer t.Stop()
	var after int64
	for {
		ds, err := svc.PendingAppWebhookDeliveries(ctx, s.appID, after, 64)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.w.log.Error("reading the webhook outbox failed", "app", s.appID, "err", err)
			if !webhook.Sleep(ctx, time.Second) {
				return
			}
			continue
		}
		if len(ds) == 0 {
			select {
			case <-s.kick:
			case <-t.C:
			case <-ctx.Done():
				return
			}
			continue
		}
		for _, d := range ds {
			if !s.deliver(ctx, d) {
				return
			}
			after = d.ID
		}
	}
}

// deliver tries one delivery until it succeeds or is given up; false: the
// sender stops and the delivery stays in the outbox.
func (s *appSender) deliver(ctx context.Context, d chat.AppWebhookDelivery) bool {
	err := webhook.Retry(ctx, s.w.opts.Retries, func(ctx context.Context) error { return s.post(ctx, d) }, nil)
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		s.w.log.Warn("message webhook given up", "app", s.appID, "msg_delivery", d.ID,
			"attempts", len(s.w.opts.Retries)+1, "err", err)
	}
	s.finish(d)
	return true
}

func (s *appSender) finish(d chat.AppWebhookDelivery) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.w.svc.Load().FinishAppWebhookDelivery(ctx, d.ID); err != nil {
		// It stays in the outbox and is sent again after a restart.
		s.w.log.Error("removing a webhook delivery from the outbox failed", "app", s.appID, "err", err)
	}
}

// post makes one attempt with the app's current URL and secret.
func (s *appSender) post(ctx context.Context, d chat.AppWebhookDelivery) error {
	cfg, err := s.w.svc.Load().AppWebhook(ctx, s.appID)
	if err != nil {
		return err
	}
	if !cfg.Enabled() {
		return errors.New("the app has no webhook URL")
	}
	ctx, cancel := context.WithTimeout(ctx, s.w.opts.Timeout)
	defer cancel()
	var header map[string]string
	if cfg.Secret != "" {
		header = map[string]string{"signature": cfg.Secret}
	}
	status, _, err := webhook.Post(ctx, s.w.opts.Client, cfg.URL, "application/json", d.Payload, header)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return fmt.Errorf("answered HTTP %d", status)
	}
	return nil
}
