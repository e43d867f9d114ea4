package kook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/webhook"
)

// Webhook mode (reference/kook.md §2). The generic delivery (a hub session
// per bot, the durable outbox, retries, the lease) is internal/webhook's;
// this file renders KOOK's frames and bodies and answers KOOK's challenge.

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

// DefaultWebhookRetries are KOOK's retry waits.
var DefaultWebhookRetries = webhook.DefaultRetries

// Webhooks delivers events to kook-face bots in webhook mode and proves
// callback URLs; it is the core's chat.WebhookFace for KOOK. Make it
// before the Service (chat.WithWebhooks), give it to the KOOK face
// (WithWebhooks), then Start.
type Webhooks struct {
	d                *webhook.Deliverer
	challengeTimeout time.Duration
	api              atomic.Pointer[API]
}

var _ chat.WebhookFace = (*Webhooks)(nil)

// NewWebhooks returns a deliverer; it does nothing until Start.
func NewWebhooks(opts WebhookOptions) *Webhooks {
	if opts.ChallengeTimeout <= 0 {
		opts.ChallengeTimeout = 5 * time.Second
	}
	d := webhook.New(chat.WebhookFaceKOOK, webhook.Options{Timeout: opts.Timeout, Retries: opts.Retries,
		Client: opts.Client, Registerer: opts.Registerer, Logger: opts.Logger, Leases: opts.Leases,
		Resync: opts.Resync})
	return &Webhooks{d: d, challengeTimeout: opts.ChallengeTimeout}
}

// WithWebhooks makes the KOOK face deliver webhooks through w (and refuse
// gateway connections of webhook bots).
func WithWebhooks(w *Webhooks) Option {
	return func(a *API) {
		a.webhooks = w
		w.api.Store(a)
	}
}

// Face is chat.WebhookFaceKOOK.
func (w *Webhooks) Face() string { return chat.WebhookFaceKOOK }

// Start opens a session for every kook-face bot in webhook mode and
// resumes its pending outbox. The KOOK face must have been made with
// WithWebhooks and a hub.
func (w *Webhooks) Start(ctx context.Context) error {
	a := w.api.Load()
	if a == nil || a.hub == nil {
		return errors.New("kook: webhooks need the KOOK face made WithWebhooks and WithHub")
	}
	w.d.Bind(a.svc, a.hub, kookRenderer{a})
	return w.d.Start(ctx)
}

// Close stops every delivery; what is pending stays in the outbox for the
// next start.
func (w *Webhooks) Close() { w.d.Close() }

// WebhookChanged starts, reconfigures or stops a bot's delivery after its
// configuration was stored. A bot entering KOOK webhook mode loses its
// gateway connections.
func (w *Webhooks) WebhookChanged(ctx context.Context, user chat.User, cfg chat.Webhook) {
	a := w.api.Load()
	if a == nil {
		return
	}
	w.d.Changed(ctx, user, cfg)
	if cfg.Enabled() && cfg.Face == chat.WebhookFaceKOOK {
		a.gateways.closeUser(user.ID)
	}
}

// active reports whether user's events go to its webhook.
func (w *Webhooks) active(userID int64) bool { return w.d.Active(userID) }

// kookRenderer renders the frames the gateway would send.
type kookRenderer struct{ a *API }

func (r kookRenderer) Payload(_ context.Context, bot chat.User, e *chat.Event) ([]byte, bool) {
	return r.a.frameOf(e).variant(bot.ID).head, true
}

// Body: the frame the gateway would send, with the bot's current verify
// token and the delivery's sn, encoded for its current configuration.
func (kookRenderer) Body(cfg chat.Webhook, d chat.WebhookDelivery) ([]byte, string, error) {
	frame := appendTail(append(make([]byte, 0, len(d.Payload)+64), d.Payload...), cfg.VerifyToken, d.SN)
	body, err := encodeWebhookBody(frame, cfg)
	return body, "application/json", err
}

func (r kookRenderer) Started(bot chat.User) { r.a.presence.add(bot.ID) }
func (r kookRenderer) Stopped(bot chat.User) { r.a.presence.drop(bot.ID) }

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
	ctx, cancel := context.WithTimeout(ctx, w.challengeTimeout)
	defer cancel()
	status, answer, err := w.d.Post(ctx, cfg.URL, "application/json", body)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %v", w.challengeTimeout)
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
