package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"
)

func (s *Store) SetAppWebhook(ctx context.Context, appID int64, wh chat.AppWebhook) error {
	return s.write(ctx, func(w *writer) error {
		if ok, err := w.exists(`SELECT 1 FROM apps WHERE id = ?`, appID); err != nil || !ok {
			return orNotFound(err, chat.WhatApp)
		}
		if wh == (chat.AppWebhook{}) {
			if _, err := w.exec(`DELETE FROM app_webhooks WHERE app_id = ?`, appID); err != nil {
				return err
			}
		} else if _, err := w.exec(`INSERT INTO app_webhooks (app_id, url, secret) VALUES (?, ?, ?)
			ON CONFLICT (app_id) DO UPDATE SET url = excluded.url, secret = excluded.secret`,
			appID, wh.URL, wh.Secret); err != nil {
			return err
		}
		if !wh.Enabled() {
			_, err := w.exec(`DELETE FROM app_webhook_outbox WHERE app_id = ?`, appID)
			return err
		}
		return nil
	})
}

func (s *Store) AppWebhook(ctx context.Context, appID int64) (chat.AppWebhook, error) {
	var wh chat.AppWebhook
	err := s.queryRow(ctx, `SELECT url, secret FROM app_webhooks WHERE app_id = ?`, appID).Scan(&wh.URL, &wh.Secret)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.AppWebhook{}, nil
	}
	return wh, err
}

func (s *Store) AppWebhookApps(ctx context.Context) ([]int64, error) {
	return s.ids(ctx, `SELECT app_id FROM app_webhooks WHERE url <> ''
		UNION SELECT DISTINCT app_id FROM app_webhook_outbox ORDER BY 1`)
}

func (s *Store) AppendAppWebhookDeliveries(ctx context.Context, appID int64, payloads [][]byte, at time.Time) ([]chat.AppWebhookDelivery, error) {
	var out []chat.AppWebhookDelivery
	err := s.write(ctx, func(w *writer) error {
		out = out[:0]
		if ok, err := w.exists(`SELECT 1 FROM app_webhooks WHERE app_id = ? AND url <> ''`, appID); err != nil || !ok {
			return orNotFound(err, chat.WhatWebhook)
		}
		for _, p := range payloads {
			res, err := w.exec(`INSERT INTO app_webhook_outbox (app_id, payload, created_at) VALUES (?, ?, ?)`,
				appID, p, storecodec.MS(at))
			if err != nil {
				return err
			}
			id, err := res.LastInsertId()
			if err != nil {
				return err
			}
			out = append(out, chat.AppWebhookDelivery{ID: id, AppID: appID, Payload: p, CreatedAt: at})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) AppWebhookDeliveries(ctx context.Context, appID, afterID int64, limit int) ([]chat.AppWebhookDelivery, error) {
	out := []chat.AppWebhookDelivery{}
	if limit <= 0 {
		return out, nil
	}
	rows, err := s.query(ctx, `SELECT id, payload, created_at FROM app_webhook_outbox
		WHERE app_id = ? AND id > ? ORDER BY id LIMIT ?`, appID, afterID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		d := chat.AppWebhookDelivery{AppID: appID}
		var created int64
		if err := rows.Scan(&d.ID, &d.Payload, &created); err != nil {
			return nil, err
		}
		d.CreatedAt = storecodec.FromMS(created)
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s *Store) DeleteAppWebhookDelivery(ctx context.Context, id int64) error {
	return s.writeSingle(ctx, func(w *writer) error {
		_, err := w.exec(`DELETE FROM app_webhook_outbox WHERE id = ?`, id)
		return err
	})
}
