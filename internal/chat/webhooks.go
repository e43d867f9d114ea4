package chat

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Webhook is a bot's callback configuration. With a URL the bot is in
// webhook mode: its events are POSTed there and it may not open a gateway
// connection. VerifyToken goes into every event the bot receives, by
// webhook or gateway; EncryptKey, when set, encrypts webhook bodies.
type Webhook struct {
	URL         string
	VerifyToken string
	EncryptKey  string
	// Face is the face whose event format the bot receives (WebhookFaceKOOK
	// or WebhookFaceYunhu). Stores keep it as given; the Service reads ""
	// as WebhookFaceKOOK.
	Face string
}

// Enabled reports whether the bot is in webhook mode.
func (w Webhook) Enabled() bool { return w.URL != "" }

// Faces a callback configuration may name.
const (
	WebhookFaceKOOK  = "kook" // the default
	WebhookFaceYunhu = "yunhu"
)

// withFace fills in the default face.
func (w Webhook) withFace() Webhook {
	if w.Face == "" {
		w.Face = WebhookFaceKOOK
	}
	return w
}

// WebhookDelivery is one event waiting in a bot's webhook outbox. The
// payload is opaque to the core and the store: the face that renders it
// also sends it.
type WebhookDelivery struct {
	ID        int64 // outbox order: deliveries to one bot go out by ascending ID
	UserID    int64
	SN        int64 // the bot's webhook sn: 1..MaxWebhookSN, then 1 again
	Payload   []byte
	CreatedAt time.Time
}

// MaxWebhookSN is where webhook sns wrap back to 1 (KOOK: after 65535).
const MaxWebhookSN = 65535

// Limits of a callback configuration.
const (
	maxWebhookURL   = 2048
	maxVerifyToken  = 128
	maxEncryptKey   = 32 // AES-256: the key is NUL-padded to 32 bytes
	webhookFieldURL = "webhook_url"
)

// WebhookStore keeps callback configurations and the webhook outbox.
type WebhookStore interface {
	// SetWebhook stores userID's configuration; a zero Webhook removes it.
	// A configuration without URL also drops the user's pending outbox
	// deliveries, in the same transaction, and so does a change of Face
	// (they are in the old face's format). An unknown user is NotFound.
	SetWebhook(ctx context.Context, userID int64, w Webhook) error
	// Webhook returns userID's configuration, the zero Webhook when it has
	// none.
	Webhook(ctx context.Context, userID int64) (Webhook, error)
	// WebhookUsers lists the users in webhook mode (with a URL), by id.
	WebhookUsers(ctx context.Context) ([]int64, error)
	// AppendWebhookDeliveries adds one outbox delivery per payload for
	// userID, in order, in one transaction, numbering them with the user's
	// next webhook sns (continuing from the last one it ever assigned,
	// wrapping after MaxWebhookSN). A user not in webhook mode is NotFound
	// (of WhatWebhook) and nothing is added.
	AppendWebhookDeliveries(ctx context.Context, userID int64, payloads [][]byte, at time.Time) ([]WebhookDelivery, error)
	// WebhookDeliveries lists up to limit pending deliveries of userID with
	// an ID greater than afterID, by ascending ID.
	WebhookDeliveries(ctx context.Context, userID, afterID int64, limit int) ([]WebhookDelivery, error)
	// DeleteWebhookDelivery removes a delivery; removing one that is gone
	// is not an error.
	DeleteWebhookDelivery(ctx context.Context, id int64) error
	// MarkWebhooksCaughtUp records, for each user in webhook mode, the
	// time its deliverer had every event up to (a mark never moves back).
	// A configuration without URL clears the user's mark.
	MarkWebhooksCaughtUp(ctx context.Context, at map[int64]time.Time) error
	// WebhookCaughtUp returns userID's mark, the zero time when it has none.
	WebhookCaughtUp(ctx context.Context, userID int64) (time.Time, error)
}

// WhatWebhook is the NotFound kind of a missing callback configuration.
const WhatWebhook = "webhook"

// WebhookFace is a face that speaks to callback URLs (KOOK's webhook,
// Yunhu's event subscription). The core decides what a valid configuration
// is; the face proves a URL answers and learns of every stored change.
type WebhookFace interface {
	// Face is the configuration's face this one delivers (WebhookFaceKOOK,
	// WebhookFaceYunhu).
	Face() string
	// Challenge proves that w.URL answers for user; it returns why not.
	Challenge(ctx context.Context, user User, w Webhook) error
	// WebhookChanged is told of user's configuration after it was stored,
	// whatever its face: a face stops delivering to a bot whose
	// configuration now names another face.
	WebhookChanged(ctx context.Context, user User, w Webhook)
}

// WithWebhooks lets the Service accept callback URLs of f's face, proven
// and delivered by f; give it once per face. Without it only verify tokens
// can be set.
func WithWebhooks(f WebhookFace) Option {
	return func(s *Service) {
		if s.webhooks == nil {
			s.webhooks = map[string]WebhookFace{}
		}
		s.webhooks[f.Face()] = f
	}
}

// WebhookUpdate changes a callback configuration; nil fields keep their
// value. An empty URL leaves webhook mode.
type WebhookUpdate struct {
	URL         *string
	VerifyToken *string
	EncryptKey  *string
	Face        *string
}

// SetWebhook updates the callback configuration of a bot. A configuration
// with a URL is stored only after the URL answered the challenge.
func (s *Service) SetWebhook(ctx context.Context, userID int64, up WebhookUpdate) (User, Webhook, error) {
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return User{}, Webhook{}, err
	}
	if !u.Bot {
		return User{}, Webhook{}, invalid("id", "user %d is not a bot: only bots have callbacks", userID)
	}
	w, err := s.store.Webhook(ctx, userID)
	if err != nil {
		return User{}, Webhook{}, err
	}
	w = w.withFace()
	if up.Face != nil {
		w.Face = *up.Face
		w = w.withFace() // "" is the default
	}
	if up.URL != nil {
		w.URL = *up.URL
	}
	if up.VerifyToken != nil {
		w.VerifyToken = *up.VerifyToken
	}
	if up.EncryptKey != nil {
		w.EncryptKey = *up.EncryptKey
	}
	if err := validWebhook(w); err != nil {
		return User{}, Webhook{}, err
	}
	if w == (Webhook{Face: WebhookFaceKOOK}) {
		w = Webhook{} // nothing set: no configuration
	}
	if w.Enabled() {
		face := s.webhooks[w.Face]
		if face == nil {
			return User{}, Webhook{}, invalid(webhookFieldURL, "this server does not deliver %s webhooks", w.Face)
		}
		if err := face.Challenge(ctx, u, w); err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return User{}, Webhook{}, ctxErr
			}
			return User{}, Webhook{}, invalid(webhookFieldURL, "the callback did not answer the challenge: %v", err)
		}
	}
	if err := s.store.SetWebhook(ctx, userID, w); err != nil {
		return User{}, Webhook{}, err
	}
	w = w.withFace()
	s.tellFaces(ctx, u, w)
	s.publish(ctx, Event{Kind: EventWebhookChanged, UserID: userID, ActorID: userID})
	return u, w, nil
}

// tellFaces hands a stored configuration to every face: each starts,
// reconfigures or stops its delivery, and KOOK's closes the gateway
// connections of a bot that entered its webhook mode.
func (s *Service) tellFaces(ctx context.Context, u User, w Webhook) {
	for _, f := range s.webhooks {
		f.WebhookChanged(ctx, u, w)
	}
}

// webhookChangedElsewhere tells the faces of a configuration another node
// stored.
func (s *Service) webhookChangedElsewhere(userID int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u, err := s.user(ctx, userID)
	if err != nil {
		return // gone, or the store is down: the deliverer's resync catches up
	}
	w, err := s.Webhook(ctx, userID)
	if err != nil {
		return
	}
	s.tellFaces(ctx, u, w)
}

func validWebhook(w Webhook) error {
	if w.Face != WebhookFaceKOOK && w.Face != WebhookFaceYunhu {
		return invalid("face", "unknown face %q: %q or %q", w.Face, WebhookFaceKOOK, WebhookFaceYunhu)
	}
	if w.URL != "" {
		if len(w.URL) > maxWebhookURL {
			return invalid(webhookFieldURL, "at most %d bytes", maxWebhookURL)
		}
		u, err := url.Parse(w.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalid(webhookFieldURL, "must be an absolute http or https URL, got %q", w.URL)
		}
		if u.User != nil {
			return invalid(webhookFieldURL, "must not carry credentials")
		}
		if w.VerifyToken == "" {
			return invalid("verify_token", "required when webhook_url is set")
		}
	}
	if len(w.VerifyToken) > maxVerifyToken {
		return invalid("verify_token", "at most %d bytes", maxVerifyToken)
	}
	if n := len(w.EncryptKey); n > maxEncryptKey {
		return invalid("encrypt_key", "at most %d bytes, got %d", maxEncryptKey, n)
	}
	return nil
}

// Webhook returns a user's callback configuration (zero when none).
func (s *Service) Webhook(ctx context.Context, userID int64) (Webhook, error) {
	w, err := s.store.Webhook(ctx, userID)
	return w.withFace(), err
}

// The methods below serve the webhook deliverer of a face.

// MarkWebhooksCaughtUp records, per bot, the time its deliverer had put
// every event before it in the outbox.
func (s *Service) MarkWebhooksCaughtUp(ctx context.Context, at map[int64]time.Time) error {
	return s.store.MarkWebhooksCaughtUp(ctx, at)
}

// WebhookCaughtUp is a bot's mark (zero: none): a deliverer that starts
// serving the bot replays what came after it.
func (s *Service) WebhookCaughtUp(ctx context.Context, userID int64) (time.Time, error) {
	return s.store.WebhookCaughtUp(ctx, userID)
}

// WebhookBots lists the bots in webhook mode whose configuration names
// face, with their configurations.
func (s *Service) WebhookBots(ctx context.Context, face string) (map[int64]Webhook, error) {
	ids, err := s.store.WebhookUsers(ctx)
	if err != nil {
		return nil, err
	}
	users, err := s.store.UsersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]Webhook, len(ids))
	for _, id := range ids {
		if u, ok := users[id]; !ok || !u.Bot {
			continue
		}
		w, err := s.store.Webhook(ctx, id)
		if err != nil {
			return nil, err
		}
		if w = w.withFace(); w.Enabled() && w.Face == face {
			out[id] = w
		}
	}
	return out, nil
}

// QueueWebhookDeliveries writes rendered events to a bot's durable outbox
// before any is sent, and returns them numbered. A bot no longer in
// webhook mode gets ErrNotFound.
func (s *Service) QueueWebhookDeliveries(ctx context.Context, userID int64, payloads [][]byte) ([]WebhookDelivery, error) {
	if len(payloads) == 0 {
		return nil, nil
	}
	ds, err := s.store.AppendWebhookDeliveries(ctx, userID, payloads, s.clock())
	if err != nil {
		return nil, fmt.Errorf("queue webhook deliveries of %d: %w", userID, err)
	}
	return ds, nil
}

// PendingWebhookDeliveries lists a bot's outbox after afterID, oldest first.
func (s *Service) PendingWebhookDeliveries(ctx context.Context, userID, afterID int64, limit int) ([]WebhookDelivery, error) {
	return s.store.WebhookDeliveries(ctx, userID, afterID, limit)
}

// FinishWebhookDelivery removes a delivery from the outbox: it was
// delivered, or given up on.
func (s *Service) FinishWebhookDelivery(ctx context.Context, id int64) error {
	err := s.store.DeleteWebhookDelivery(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}
