package postgres

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/chatd/chatd/internal/chat"

	"github.com/jackc/pgx/v5/pgtype"
)

// ms stores a time as unix milliseconds; the zero time is 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS is the inverse of ms.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}

func pgUUID(u chat.UUID) pgtype.UUID { return pgtype.UUID{Bytes: u, Valid: true} }

const noMentions = "{}"

// encodeExtra keeps an empty Extra as ”, so most messages decode nothing.
func encodeExtra(e chat.Extra) (string, error) {
	if e.IsZero() {
		return "", nil
	}
	b, err := json.Marshal(e)
	if err != nil {
		return "", fmt.Errorf("postgres: encode extra: %w", err)
	}
	return string(b), nil
}

func decodeExtra(s string) (chat.Extra, error) {
	var e chat.Extra
	if s == "" {
		return e, nil
	}
	if err := json.Unmarshal([]byte(s), &e); err != nil {
		return e, fmt.Errorf("postgres: decode extra: %w", err)
	}
	return e, nil
}

// encodeMentions renders m as the JSON text a jsonb column takes.
func encodeMentions(m chat.Mentions) (string, error) {
	if len(m.Users) == 0 && len(m.Roles) == 0 && len(m.Channels) == 0 && !m.All && !m.Here {
		return noMentions, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("postgres: encode mentions: %w", err)
	}
	return string(b), nil
}

func decodeMentions(s string) (chat.Mentions, error) {
	var m chat.Mentions
	if s == noMentions || s == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return m, fmt.Errorf("postgres: decode mentions: %w", err)
	}
	return m, nil
}

// pageBounds is LIMIT and OFFSET of p, with the defaults of chat.Page.
func pageBounds(p chat.Page) (limit, offset int) {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.Size < 1 {
		p.Size = 50
	}
	return p.Size, p.Offset()
}
