// Package storecodec holds the column encodings every store backend shares:
// times as unix milliseconds, mentions and extras as JSON text, and the
// bounds of a page. Backends differ in SQL, not in how a value is kept.
package storecodec

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// MS stores a time as unix milliseconds; the zero time is 0.
func MS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// FromMS is the inverse of MS.
func FromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}

// NoMentions is how a message without mentions keeps them.
const NoMentions = "{}"

// EncodeMentions renders m as JSON text.
func EncodeMentions(m chat.Mentions) (string, error) {
	if len(m.Users) == 0 && len(m.Roles) == 0 && len(m.Channels) == 0 && !m.All && !m.Here {
		return NoMentions, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode mentions: %w", err)
	}
	return string(b), nil
}

// DecodeMentions reads what EncodeMentions wrote.
func DecodeMentions(s string) (chat.Mentions, error) {
	var m chat.Mentions
	if s == NoMentions || s == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return m, fmt.Errorf("decode mentions: %w", err)
	}
	return m, nil
}

// EncodeExtra keeps an empty Extra as "", so most messages decode nothing.
func EncodeExtra(e chat.Extra) (string, error) {
	if e.IsZero() {
		return "", nil
	}
	b, err := json.Marshal(e)
	if err != nil {
		return "", fmt.Errorf("encode extra: %w", err)
	}
	return string(b), nil
}

// DecodeExtra reads what EncodeExtra wrote.
func DecodeExtra(s string) (chat.Extra, error) {
	var e chat.Extra
	if s == "" {
		return e, nil
	}
	if err := json.Unmarshal([]byte(s), &e); err != nil {
		return e, fmt.Errorf("decode extra: %w", err)
	}
	return e, nil
}

// PageBounds is LIMIT and OFFSET of p, with the defaults of chat.Page.
func PageBounds(p chat.Page) (limit, offset int) {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.Size < 1 {
		p.Size = 50
	}
	return p.Size, p.Offset()
}
