package sqlite

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/chatd/chatd/internal/chat"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
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
