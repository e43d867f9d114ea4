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

func (s *Store) SetWebhook(ctx context.Context, userID int64, wh chat.Webhook) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1`, userID).Scan(&one); err != nil {
			return notFoundIfNoRows(err, chat.WhatUser)
		}
		// Pending deliveries are in the old face's format.
		if _, err := tx.Exec(ctx, `DELETE FROM webhook_outbox WHERE user_id = $1
			AND EXISTS (SELECT 1 FROM webhooks WHERE user_id = $1 AND face <> $2)`, userID, wh.Face); err != nil {
			return err
		}
		if wh == (chat.Webhook{}) {
			if _, err := tx.Exec(ctx, `DELETE FROM webhooks WHERE user_id = $1`, userID); err != nil {
				return err
			}
		} else if _, err := tx.Exec(ctx, `INSERT INTO webhooks (user_id, url, verify_token, encrypt_key, face) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (user_id) DO UPDATE SET url = excluded.url, verify_token = excluded.verify_token,
			encrypt_key = excluded.encrypt_key, face = excluded.face`, userID, wh.URL, wh.VerifyToken, wh.EncryptKey, wh.Face); err != nil {
			return mapErr(err, "webhook")
		}
		if !wh.Enabled() {
			if _, err := tx.Exec(ctx, `UPDATE webhooks SET caught_up_at = 0 WHERE user_id = $1`, userID); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `DELETE FROM webhook_outbox WHERE user_id = $1`, userID)
			return err
		}
		return nil
	})
}

func (s *Store) MarkWebhooksCaughtUp(ctx context.Context, at map[int64]time.Time) error {
	if len(at) == 0 {
		return nil
	}
	ids, ms := make([]int64, 0, len(at)), make([]int64, 0, len(at))
	for id, t := range at {
		ids, ms = append(ids, id), append(ms, storecodec.MS(t))
	}
	_, err := s.pool.Exec(ctx, `UPDATE webhooks w SET caught_up_at = GREATEST(w.caught_up_at, v.at)
		FROM unnest($1::bigint[], $2::bigint[]) AS v(id, at) WHERE w.user_id = v.id AND w.url <> ''`, ids, ms)
	return err
}

func (s *Store) WebhookCaughtUp(ctx context.Context, userID int64) (time.Time, error) {
	var ms int64
	err := s.pool.QueryRow(ctx, `SELECT caught_up_at FROM webhooks WHERE user_id = $1`, userID).Scan(&ms)
	if errors.Is(err, pgx.ErrNoRows) || ms == 0 {
		return time.Time{}, nil
	}
	return storecodec.FromMS(ms), err
}

func (s *Store) Webhook(ctx context.Context, userID int64) (chat.Webhook, error) {
	var wh chat.Webhook
	err := s.pool.QueryRow(ctx, `SELECT url, verify_token, encrypt_key, face FROM webhooks WHERE user_id = $1`, userID).
		Scan(&wh.URL, &wh.VerifyToken, &wh.EncryptKey, &wh.Face)
	if errors.Is(err, pgx.ErrNoRows) {
		return chat.Webhook{}, nil
	}
	return wh, err
}

func (s *Store) WebhookUsers(ctx context.Context) ([]int64, error) {
	return s.ids(ctx, `SELECT user_id FROM webhooks WHERE url <> '' ORDER BY user_id`)
}

// AppendWebhookDeliveries holds the user's webhooks row from reading its
// last sn to the commit, so appends for one user on any nodes take turns:
// sns never repeat and ids ascend in the order sns were assigned.
func (s *Store) AppendWebhookDeliveries(ctx context.Context, userID int64, payloads [][]byte, at time.Time) ([]chat.WebhookDelivery, error) {
	var out []chat.WebhookDelivery
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var sn int64
		err := tx.QueryRow(ctx, `SELECT last_sn FROM webhooks WHERE user_id = $1 AND url <> '' FOR NO KEY UPDATE`, userID).Scan(&sn)
		if err != nil {
			return notFoundIfNoRows(err, chat.WhatWebhook)
		}
		out = make([]chat.WebhookDelivery, len(payloads))
		sns := make([]int64, len(payloads))
		for i, p := range payloads {
			sn = sn%chat.MaxWebhookSN + 1
			sns[i] = sn
			out[i] = chat.WebhookDelivery{UserID: userID, SN: sn, Payload: p, CreatedAt: at}
		}
		// Rows are inserted, and so numbered, in ordinality order.
		rows, err := tx.Query(ctx, `INSERT INTO webhook_outbox (user_id, sn, payload, created_at)
			SELECT $1, t.sn, t.payload, $4 FROM unnest($2::bigint[], $3::bytea[]) WITH ORDINALITY AS t(sn, payload, ord)
			ORDER BY t.ord RETURNING id`, userID, sns, payloads, storecodec.MS(at))
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		slices.Sort(ids)
		for i := range out {
			out[i].ID = ids[i]
		}
		_, err = tx.Exec(ctx, `UPDATE webhooks SET last_sn = $1 WHERE user_id = $2`, sn, userID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) WebhookDeliveries(ctx context.Context, userID, afterID int64, limit int) ([]chat.WebhookDelivery, error) {
	out := []chat.WebhookDelivery{}
	if limit <= 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT id, sn, payload, created_at FROM webhook_outbox
		WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3`, userID, afterID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		d := chat.WebhookDelivery{UserID: userID}
		var created int64
		if err := rows.Scan(&d.ID, &d.SN, &d.Payload, &created); err != nil {
			return nil, err
		}
		d.CreatedAt = storecodec.FromMS(created)
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s *Store) DeleteWebhookDelivery(ctx context.Context, id int64) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM webhook_outbox WHERE id = $1`, id)
	return err
}
