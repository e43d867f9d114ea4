package chat

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// AppWebhook is an app's message webhook (Lanying's "信息订阅"): every
// message of the app is POSTed to URL, with Secret in the request so the
// receiver can tell chatd from anyone else.
type AppWebhook struct {
	URL    string
	Secret string
}

// Enabled reports whether the app's messages are delivered.
func (w AppWebhook) Enabled() bool { return w.URL != "" }

// AppWebhookDelivery is one rendered message waiting in an app's webhook
// outbox. The payload is opaque to the core and the store.
type AppWebhookDelivery struct {
	ID        int64 // outbox order: an app's deliveries go out by ascending ID
	AppID     int64
	Payload   []byte
	CreatedAt time.Time
}

// maxWebhookSecret bounds an app's webhook secret.
const maxWebhookSecret = 128

// AppWebhookStore keeps apps' message webhooks and their outbox.
type AppWebhookStore interface {
	// SetAppWebhook stores appID's webhook; a zero AppWebhook removes it.
	// A webhook without URL also drops the app's pending deliveries, in
	// the same transaction. An unknown app is NotFound (of WhatApp).
	SetAppWebhook(ctx context.Context, appID int64, w AppWebhook) error
	// AppWebhook returns appID's webhook, the zero AppWebhook when none.
	AppWebhook(ctx context.Context, appID int64) (AppWebhook, error)
	// AppWebhookApps lists the apps with a webhook URL or a pending
	// delivery, by id.
	AppWebhookApps(ctx context.Context) ([]int64, error)
	// AppendAppWebhookDeliveries adds one outbox delivery per payload for
	// appID, in order, in one transaction. An app without a webhook URL is
	// NotFound (of WhatWebhook) and nothing is added.
	AppendAppWebhookDeliveries(ctx context.Context, appID int64, payloads [][]byte, at time.Time) ([]AppWebhookDelivery, error)
	// AppWebhookDeliveries lists up to limit pending deliveries of appID
	// with an ID greater than afterID, by ascending ID.
	AppWebhookDeliveries(ctx context.Context, appID, afterID int64, limit int) ([]AppWebhookDelivery, error)
	// DeleteAppWebhookDelivery removes a delivery; removing one that is
	// gone is not an error.
	DeleteAppWebhookDelivery(ctx context.Context, id int64) error
}

// AppWebhookFace is the face that delivers app webhooks; it learns of
// every stored change of a configuration on this node.
type AppWebhookFace interface {
	AppWebhookChanged(ctx context.Context, appID int64, w AppWebhook)
}

// WithAppWebhooks lets the Service accept app webhook URLs, delivered by
// f. Without it an app webhook cannot be set.
func WithAppWebhooks(f AppWebhookFace) Option { return func(s *Service) { s.appHooks = f } }

// AppWebhookUpdate changes an app's webhook; nil fields keep their value.
// An empty URL stops delivery and drops what is pending.
type AppWebhookUpdate struct {
	URL    *string
	Secret *string
}

// SetAppWebhook updates the message webhook of an app.
func (s *Service) SetAppWebhook(ctx context.Context, appID int64, up AppWebhookUpdate) (App, AppWebhook, error) {
	app, err := s.App(ctx, appID)
	if err != nil {
		return App{}, AppWebhook{}, err
	}
	w, err := s.store.AppWebhook(ctx, app.ID)
	if err != nil {
		return App{}, AppWebhook{}, err
	}
	if up.URL != nil {
		w.URL = *up.URL
	}
	if up.Secret != nil {
		w.Secret = *up.Secret
	}
	if err := validWebhookURL(w.URL); err != nil {
		return App{}, AppWebhook{}, err
	}
	if len(w.Secret) > maxWebhookSecret {
		return App{}, AppWebhook{}, invalid("webhook_secret", "at most %d bytes", maxWebhookSecret)
	}
	if w.Enabled() && s.appHooks == nil {
		return App{}, AppWebhook{}, invalid(webhookFieldURL, "this server does not deliver app webhooks")
	}
	if err := s.store.SetAppWebhook(ctx, app.ID, w); err != nil {
		return App{}, AppWebhook{}, err
	}
	if s.appHooks != nil {
		s.appHooks.AppWebhookChanged(ctx, app.ID, w)
	}
	return app, w, nil
}

// validWebhookURL is the rule for every callback URL: empty (none), or an
// absolute http(s) URL without credentials.
func validWebhookURL(raw string) error {
	if raw == "" {
		return nil
	}
	if len(raw) > maxWebhookURL {
		return invalid(webhookFieldURL, "at most %d bytes", maxWebhookURL)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid(webhookFieldURL, "must be an absolute http or https URL, got %q", raw)
	}
	if u.User != nil {
		return invalid(webhookFieldURL, "must not carry credentials")
	}
	return nil
}

// AppWebhook returns an app's message webhook (zero when none).
func (s *Service) AppWebhook(ctx context.Context, appID int64) (AppWebhook, error) {
	return s.store.AppWebhook(ctx, appOf(appID))
}

// The methods below serve the app webhook deliverer of a face.

// AppWebhookApps lists the apps whose webhook has a URL or a pending
// delivery.
func (s *Service) AppWebhookApps(ctx context.Context) ([]int64, error) {
	return s.store.AppWebhookApps(ctx)
}

// QueueAppWebhookDeliveries writes rendered messages to an app's durable
// outbox before any is sent. An app without a webhook gets ErrNotFound.
func (s *Service) QueueAppWebhookDeliveries(ctx context.Context, appID int64, payloads [][]byte) ([]AppWebhookDelivery, error) {
	if len(payloads) == 0 {
		return nil, nil
	}
	ds, err := s.store.AppendAppWebhookDeliveries(ctx, appOf(appID), payloads, s.clock())
	if err != nil {
		return nil, fmt.Errorf("queue app webhook deliveries of %d: %w", appID, err)
	}
	return ds, nil
}

// PendingAppWebhookDeliveries lists an app's outbox after afterID, oldest
// first.
func (s *Service) PendingAppWebhookDeliveries(ctx context.Context, appID, afterID int64, limit int) ([]AppWebhookDelivery, error) {
	return s.store.AppWebhookDeliveries(ctx, appOf(appID), afterID, limit)
}

// FinishAppWebhookDelivery removes a delivery from the outbox: it was
// delivered, or given up on.
func (s *Service) FinishAppWebhookDelivery(ctx context.Context, id int64) error {
	err := s.store.DeleteAppWebhookDelivery(ctx, id)
	if isNotFound(err) {
		return nil
	}
	return err
}
