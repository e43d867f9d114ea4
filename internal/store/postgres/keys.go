package postgres

import (
	"context"
	"time"
)

// Expired send keys are purged in slices so no purge holds many rows long.
const (
	purgeEvery = 5 * time.Minute
	purgeSlice = 2000
)

// noteTime records the newest message time this store wrote (unix ms): the
// clock the purge measures expiry against, so a test clock governs it too.
func (s *Store) noteTime(at int64) {
	for {
		cur := s.now.Load()
		if at <= cur || s.now.CompareAndSwap(cur, at) {
			return
		}
	}
}

// runJanitor purges expired send keys until ctx ends. Every node runs one;
// two purging at once only delete the same rows twice.
func (s *Store) runJanitor(ctx context.Context) {
	defer close(s.janitorDone)
	t := time.NewTicker(purgeEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for {
				n, err := s.purgeKeys(ctx)
				if err != nil || n < purgeSlice {
					break
				}
			}
		}
	}
}

// purgeKeys deletes up to purgeSlice expired send keys.
func (s *Store) purgeKeys(ctx context.Context) (int64, error) {
	now := s.now.Load()
	if now == 0 {
		return 0, nil
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM send_keys WHERE ctid = ANY (ARRAY(
		SELECT ctid FROM send_keys WHERE expires_at < $1 ORDER BY expires_at LIMIT $2))`, now, purgeSlice)
	return tag.RowsAffected(), err
}
