package postgres

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"

	"github.com/jackc/pgx/v5"
)

func (s *Store) SetAppWebhook(ctx context.Context, appID int64, wh chat.AppWebhook) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM apps WHERE id = $1`, appID).Scan(&one); err != nil {
			return notFoundIfNoRows(err, chat.WhatApp)
		}
		if wh == (chat.AppWebhook{}) {
			if _, err := tx.Exec(ctx, `DELETE FROM app_webhooks WHERE app_id = $1`, appID); err != nil {
				return err
			}
		} else if _, err := tx.Exec(ctx, `INSERT INTO app_webhooks (app_id, url, secret) VALUES ($1, $2, $3)
			ON CONFLICT (app_id) DO UPDATE SET url = excluded.url, secret = excluded.secret`,
			appID, wh.URL, wh.Secret); err != nil {
			return mapErr(err, "app webhook")
		}
		if !wh.Enabled() {
			_, err := tx.Exec(ctx, `DELETE FROM app_webhook_outbox WHERE app_id = $1`, appID)
			return err
		}
		return nil
	})
}

func (s *Store) AppWebhook(ctx context.Context, appID int64) (chat.AppWebhook, error) {
	var wh chat.AppWebhook
	err := s.pool.QueryRow(ctx, `SELECT url, secret FROM app_webhooks WHERE app_id = $1`, appID).Scan(&wh.URL, &wh.Secret)
	if errors.Is(err, pgx.ErrNoRows) {
		return chat.AppWebhook{}, nil
	}
	return wh, err
}

func (s *Store) AppWebhookApps(ctx context.Context) ([]int64, error) {
	return s.ids(ctx, `SELECT app_id FROM app_webhooks WHERE url <> ''
		UNION SELECT DISTINCT app_id FROM app_webhook_outbox ORDER BY 1`)
}

// AppendAppWebhookDeliveries holds the app's app_webhooks row from the
// check to the commit, so appends for one app on any nodes take turns and
// ids ascend in commit order.
func (s *Store) AppendAppWebhookDeliveries(ctx context.Context, appID int64, payloads [][]byte, at time.Time) ([]chat.AppWebhookDelivery, error) {
	var out []chat.AppWebhookDelivery
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM app_webhooks WHERE app_id = $1 AND url <> '' FOR NO KEY UPDATE`, appID).Scan(&one)
		if err != nil {
			return notFoundIfNoRows(err, chat.WhatWebhook)
		}
		// Rows are inserted, and so numbered, in ordinality order.
		rows, err := tx.Query(ctx, `INSERT INTO app_webhook_outbox (app_id, payload, created_at)
			SELECT $1, t.payload, $3 FROM unnest($2::bytea[]) WITH ORDINALITY AS t(payload, ord)
			ORDER BY t.ord RETURNING id`, appID, payloads, storecodec.MS(at))
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		slices.Sort(ids)
		out = make([]chat.AppWebhookDelivery, len(payloads))
		for i, p := range payloads {
			out[i] = chat.AppWebhookDelivery{ID: ids[i], AppID: appID, Payload: p, CreatedAt: at}
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
	rows, err := s.pool.Query(ctx, `SELECT id, payload, created_at FROM app_webhook_outbox
		WHERE app_id = $1 AND id > $2 ORDER BY id LIMIT $3`, appID, afterID, limit)
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
	_, err := s.pool.Exec(ctx, `DELETE FROM app_webhook_outbox WHERE id = $1`, id)
	return err
}
