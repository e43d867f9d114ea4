package chat

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// idEpoch is the zero of the time part of every generated id (2024-01-01 UTC).
// Ids generated after 2024 are well above 2^53, so clients that parse them as
// doubles fail loudly in tests instead of silently in production.
const idEpoch = int64(1704067200000)

// IDGen hands out 64-bit, time-ordered, unique ids: 41 bits of milliseconds
// since idEpoch, 10 bits of node number, 12 bits of sequence within the
// millisecond. Several nodes sharing one database must use distinct node
// numbers.
type IDGen struct {
	mu   sync.Mutex
	node int64
	last int64
	seq  int64
}

// NewIDGen returns a generator for node (0..1023).
func NewIDGen(node int) *IDGen {
	return &IDGen{node: int64(node) & 0x3ff}
}

// Next returns a new id, strictly greater than every id this generator
// returned before.
func (g *IDGen) Next() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now().UnixMilli() - idEpoch
	if now < g.last { // the clock stepped back: keep counting on the last millisecond
		now = g.last
	}
	if now == g.last {
		g.seq++
		if g.seq > 0xfff {
			now++
			g.seq = 0
		}
	} else {
		g.seq = 0
	}
	g.last = now
	return now<<22 | g.node<<12 | g.seq
}

// FirstIDAt is the smallest id any IDGen hands out at t (or later).
func FirstIDAt(t time.Time) int64 {
	return max(0, t.UnixMilli()-idEpoch) << 22
}

// UUID is a message's globally unique id (KOOK msg_id, Yunhu msg_id).
type UUID [16]byte

// NewUUID returns a time-ordered (version 7) UUID: 48 bits of Unix
// milliseconds, then randomness. New messages land at the end of the uuid
// index instead of on a random page of it.
func NewUUID() UUID {
	var u UUID
	if _, err := rand.Read(u[6:]); err != nil {
		panic(fmt.Sprintf("chat: no randomness: %v", err))
	}
	ms := uint64(time.Now().UnixMilli())
	for i := range 6 {
		u[i] = byte(ms >> (40 - 8*i))
	}
	u[6] = u[6]&0x0f | 0x70
	u[8] = u[8]&0x3f | 0x80
	return u
}

var errBadUUID = errors.New("not a UUID")

// ParseUUID accepts the dashed form (KOOK) and the 32-hex form (Yunhu).
func ParseUUID(s string) (UUID, error) {
	var u UUID
	h := strings.ReplaceAll(s, "-", "")
	if len(h) != 32 || (len(s) != 32 && len(s) != 36) {
		return u, errBadUUID
	}
	if len(s) == 36 && (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') {
		return u, errBadUUID
	}
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return u, errBadUUID
	}
	return u, nil
}

// String is the dashed form.
func (u UUID) String() string {
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Hex is the 32-hex form without dashes.
func (u UUID) Hex() string { return hex.EncodeToString(u[:]) }

// IsZero reports whether u was never set.
func (u UUID) IsZero() bool { return u == UUID{} }

// newChatCode returns the 32-hex code that names a direct chat.
func newChatCode() string { return NewUUID().Hex() }

// newToken returns a fresh secret token: 32 random bytes, base64url would be
// shorter but hex keeps it safe in every header and URL unescaped.
func newToken() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("chat: no randomness: %v", err))
	}
	return hex.EncodeToString(b)
}
