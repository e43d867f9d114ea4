package postgres

import (
	"context"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storecodec"
)

// AddReaction relies on the foreign key to report a missing message.
func (s *Store) AddReaction(ctx context.Context, r chat.Reaction, log *chat.Change) (bool, error) {
	return s.logged(ctx, log, func(tx execer) (bool, error) {
		added, err := affected(tx.Exec(ctx, `INSERT INTO reactions (message_id, emoji, user_id, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (message_id, emoji, user_id) DO NOTHING`, r.MessageID, r.Emoji, r.UserID, storecodec.MS(r.CreatedAt)))
		return added, mapErr(err, "reaction")
	})
}

func (s *Store) RemoveReaction(ctx context.Context, messageID int64, emoji string, userID int64, log *chat.Change) (bool, error) {
	return s.logged(ctx, log, func(tx execer) (bool, error) {
		return affected(tx.Exec(ctx, `DELETE FROM reactions WHERE message_id = $1 AND emoji = $2 AND user_id = $3`,
			messageID, emoji, userID))
	})
}

// ReactionCounts orders emojis by their earliest standing reaction; the
// row id breaks ties within one millisecond.
func (s *Store) ReactionCounts(ctx context.Context, messageIDs []int64, viewerID int64) (map[int64][]chat.ReactionCount, error) {
	out := make(map[int64][]chat.ReactionCount, len(messageIDs))
	if len(messageIDs) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT message_id, emoji, COUNT(*), bool_or(user_id = $2)
		FROM reactions WHERE message_id = ANY($1)
		GROUP BY message_id, emoji ORDER BY message_id, MIN(created_at), MIN(id)`, messageIDs, viewerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c chat.ReactionCount
		if err := rows.Scan(&id, &c.Emoji, &c.Count, &c.Me); err != nil {
			return nil, err
		}
		out[id] = append(out[id], c)
	}
	return out, rows.Err()
}

func (s *Store) Reactions(ctx context.Context, messageID int64, emoji string) ([]chat.Reaction, error) {
	rows, err := s.pool.Query(ctx, `SELECT message_id, emoji, user_id, created_at FROM reactions
		WHERE message_id = $1 AND emoji = $2 ORDER BY created_at, id`, messageID, emoji)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []chat.Reaction{}
	for rows.Next() {
		var r chat.Reaction
		var created int64
		if err := rows.Scan(&r.MessageID, &r.Emoji, &r.UserID, &created); err != nil {
			return nil, err
		}
		r.CreatedAt = storecodec.FromMS(created)
		out = append(out, r)
	}
	return out, rows.Err()
}
