package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"
)

func (s *Store) SetWebhook(ctx context.Context, userID int64, wh chat.Webhook) error {
	return s.write(ctx, func(w *writer) error {
		if ok, err := w.exists(`SELECT 1 FROM users WHERE id = ?`, userID); err != nil || !ok {
			return orNotFound(err, chat.WhatUser)
		}
		// Pending deliveries are in the old face's format.
		if _, err := w.exec(`DELETE FROM webhook_outbox WHERE user_id = ?
			AND EXISTS (SELECT 1 FROM webhooks WHERE user_id = ? AND face <> ?)`, userID, userID, wh.Face); err != nil {
			return err
		}
		if wh == (chat.Webhook{}) {
			if _, err := w.exec(`DELETE FROM webhooks WHERE user_id = ?`, userID); err != nil {
				return err
			}
		} else if _, err := w.exec(`INSERT INTO webhooks (user_id, url, verify_token, encrypt_key, face) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET url = excluded.url, verify_token = excluded.verify_token,
			encrypt_key = excluded.encrypt_key, face = excluded.face`, userID, wh.URL, wh.VerifyToken, wh.EncryptKey, wh.Face); err != nil {
			return err
		}
		if !wh.Enabled() {
			if _, err := w.exec(`UPDATE webhooks SET caught_up_at = 0 WHERE user_id = ?`, userID); err != nil {
				return err
			}
			_, err := w.exec(`DELETE FROM webhook_outbox WHERE user_id = ?`, userID)
			return err
		}
		return nil
	})
}

func (s *Store) MarkWebhooksCaughtUp(ctx context.Context, at map[int64]time.Time) error {
	if len(at) == 0 {
		return nil
	}
	return s.write(ctx, func(w *writer) error {
		for id, t := range at {
			if _, err := w.exec(`UPDATE webhooks SET caught_up_at = MAX(caught_up_at, ?) WHERE user_id = ? AND url <> ''`,
				storecodec.MS(t), id); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) WebhookCaughtUp(ctx context.Context, userID int64) (time.Time, error) {
	var ms int64
	err := s.queryRow(ctx, `SELECT caught_up_at FROM webhooks WHERE user_id = ?`, userID).Scan(&ms)
	if errors.Is(err, sql.ErrNoRows) || ms == 0 {
		return time.Time{}, nil
	}
	return storecodec.FromMS(ms), err
}

func (s *Store) Webhook(ctx context.Context, userID int64) (chat.Webhook, error) {
	var wh chat.Webhook
	err := s.queryRow(ctx, `SELECT url, verify_token, encrypt_key, face FROM webhooks WHERE user_id = ?`, userID).
		Scan(&wh.URL, &wh.VerifyToken, &wh.EncryptKey, &wh.Face)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.Webhook{}, nil
	}
	return wh, err
}

func (s *Store) WebhookUsers(ctx context.Context) ([]int64, error) {
	return s.ids(ctx, `SELECT user_id FROM webhooks WHERE url <> '' ORDER BY user_id`)
}

func (s *Store) AppendWebhookDeliveries(ctx context.Context, userID int64, payloads [][]byte, at time.Time) ([]chat.WebhookDelivery, error) {
	var out []chat.WebhookDelivery
	err := s.write(ctx, func(w *writer) error {
		out = out[:0]
		var sn int64
		err := w.queryRow(`SELECT last_sn FROM webhooks WHERE user_id = ? AND url <> ''`, userID).Scan(&sn)
		if errors.Is(err, sql.ErrNoRows) {
			return chat.NotFound(chat.WhatWebhook)
		}
		if err != nil {
			return err
		}
		for _, p := range payloads {
			sn = sn%chat.MaxWebhookSN + 1
			res, err := w.exec(`INSERT INTO webhook_outbox (user_id, sn, payload, created_at) VALUES (?, ?, ?, ?)`,
				userID, sn, p, storecodec.MS(at))
			if err != nil {
				return err
			}
			id, err := res.LastInsertId()
			if err != nil {
				return err
			}
			out = append(out, chat.WebhookDelivery{ID: id, UserID: userID, SN: sn, Payload: p, CreatedAt: at})
		}
		_, err = w.exec(`UPDATE webhooks SET last_sn = ? WHERE user_id = ?`, sn, userID)
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
	rows, err := s.query(ctx, `SELECT id, sn, payload, created_at FROM webhook_outbox
		WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?`, userID, afterID, limit)
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
	return s.writeSingle(ctx, func(w *writer) error {
		_, err := w.exec(`DELETE FROM webhook_outbox WHERE id = ?`, id)
		return err
	})
}
