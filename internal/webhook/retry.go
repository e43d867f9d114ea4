package webhook

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// Retry calls try until it succeeds, ctx ends, or every wait of waits was
// spent; failed sees each failed attempt. It returns nil on success,
// ctx.Err() when ctx ended, else the last attempt's error (given up).
func Retry(ctx context.Context, waits []time.Duration, try func(context.Context) error, failed func(error)) error {
	for attempt := 0; ; attempt++ {
		err := try(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if failed != nil {
			failed(err)
		}
		if attempt >= len(waits) {
			return err
		}
		if !Sleep(ctx, waits[attempt]) {
			return ctx.Err()
		}
	}
}

// Post POSTs body with the given headers and returns the status and up to
// 64 KiB of the answer.
func Post(ctx context.Context, client *http.Client, url, contentType string, body []byte, header map[string]string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "chatd-webhook")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
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

// Lead holds the lease called name whenever this node can get it. While it
// holds it, start runs at once and then every resync with the lease's
// context (start must be idempotent); when the lease is lost, stop runs.
// It returns when ctx ends.
func Lead(ctx context.Context, leases chat.Leases, name string, resync time.Duration, log *slog.Logger,
	start func(held context.Context) error, stop func()) {
	for ctx.Err() == nil {
		held, release, err := leases.Hold(ctx, name)
		if err != nil {
			if ctx.Err() == nil {
				log.Error("waiting for the webhook lease failed; retrying", "lease", name, "err", err)
				Sleep(ctx, time.Second)
			}
			continue
		}
		log.Info("this node delivers webhooks", "lease", name)
		t := time.NewTicker(resync)
		for held.Err() == nil {
			if err := start(held); err != nil && held.Err() == nil {
				log.Error("starting webhook delivery failed", "lease", name, "err", err)
			}
			select {
			case <-held.Done():
			case <-t.C:
			}
		}
		t.Stop()
		stop()
		release()
		if ctx.Err() == nil {
			log.Warn("lost the webhook lease; another node delivers", "lease", name)
		}
	}
}
