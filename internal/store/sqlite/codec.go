package sqlite

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/chatd/chatd/internal/chat"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
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

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

const noMentions = "{}"

func encodeMentions(m chat.Mentions) (string, error) {
	if len(m.Users) == 0 && len(m.Roles) == 0 && len(m.Channels) == 0 && !m.All && !m.Here {
		return noMentions, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("sqlite: encode mentions: %w", err)
	}
	return string(b), nil
}

func decodeMentions(s string) (chat.Mentions, error) {
	var m chat.Mentions
	if s == noMentions || s == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return m, fmt.Errorf("sqlite: decode mentions: %w", err)
	}
	return m, nil
}

// encodeExtra keeps an empty Extra as ”, so most messages decode nothing.
func encodeExtra(e chat.Extra) (string, error) {
	if e.IsZero() {
		return "", nil
	}
	b, err := json.Marshal(e)
	if err != nil {
		return "", fmt.Errorf("sqlite: encode extra: %w", err)
	}
	return string(b), nil
}

func decodeExtra(s string) (chat.Extra, error) {
	var e chat.Extra
	if s == "" {
		return e, nil
	}
	if err := json.Unmarshal([]byte(s), &e); err != nil {
		return e, fmt.Errorf("sqlite: decode extra: %w", err)
	}
	return e, nil
}

func encodeRoles(roles []int) (string, error) {
	if len(roles) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(roles)
	if err != nil {
		return "", fmt.Errorf("sqlite: encode roles: %w", err)
	}
	return string(b), nil
}

func decodeRoles(s string) ([]int, error) {
	if s == "[]" || s == "" {
		return nil, nil
	}
	var roles []int
	if err := json.Unmarshal([]byte(s), &roles); err != nil {
		return nil, fmt.Errorf("sqlite: decode roles: %w", err)
	}
	return roles, nil
}

// idArray renders ids as a JSON array, for `IN (SELECT value FROM
// json_each(?))`: one prepared statement serves any number of ids.
func idArray(ids []int64) string {
	b := make([]byte, 0, 2+len(ids)*20)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY conflict.
func isUniqueViolation(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// conflict turns a uniqueness violation into chat.ErrConflict.
func conflict(err error, what string) error {
	if isUniqueViolation(err) {
		return fmt.Errorf("%s: %w", what, chat.ErrConflict)
	}
	return err
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
