// Package natstest gives tests the NATS server on 127.0.0.1:4222 (with
// JetStream) and a subject prefix of their own. Tests that need NATS fail
// when it is unreachable under CI=true, and skip elsewhere.
package natstest

import (
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// DefaultURL is the machine's NATS server; CHATD_TEST_NATS overrides it
// (scripts/test sets it).
const DefaultURL = "nats://127.0.0.1:4222"

// URL returns the test server's URL once it answers, or ends the test: a
// failure under CI=true, a skip elsewhere.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("CHATD_TEST_NATS")
	if u == "" {
		u = DefaultURL
	}
	nc, err := nats.Connect(u, nats.Timeout(5*time.Second))
	if err == nil {
		err = nc.Flush()
		nc.Close()
	}
	if err != nil {
		msg := fmt.Sprintf("NATS at %s is unreachable (%v); scripts/test starts it, or set CHATD_TEST_NATS", u, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return u
}

// Prefix is a subject prefix (and stream name) no other test run uses;
// the stream it names is deleted when the test ends.
func Prefix(t testing.TB) string {
	t.Helper()
	p := "chatdtest_" + strings.ToLower(rand.Text()[:10])
	t.Cleanup(func() {
		nc, err := nats.Connect(URL(t))
		if err != nil {
			return
		}
		defer nc.Close()
		// The stream lives in memory and ages out anyway; deleting it keeps
		// the server tidy between runs.
		_, _ = nc.Request("$JS.API.STREAM.DELETE."+strings.ToUpper(p)+"_EVENTS", nil, 2*time.Second)
	})
	return p
}
