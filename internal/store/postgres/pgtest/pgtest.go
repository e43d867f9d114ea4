// Package pgtest gives tests a PostgreSQL database of their own: an empty
// schema on the test server, dropped when the test ends. Tests that need
// PostgreSQL fail when it is unreachable under CI=true, and skip elsewhere.
package pgtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the machine's PostgreSQL (trust auth on loopback);
// CHATD_TEST_POSTGRES overrides it (scripts/test sets it).
const DefaultURL = "postgres://root@127.0.0.1:5432/test?sslmode=disable"

// URL returns the test server's URL once it answers, or ends the test: a
// failure under CI=true, where the server must be there, a skip elsewhere.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("CHATD_TEST_POSTGRES")
	if u == "" {
		u = DefaultURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err == nil {
		err = conn.Ping(ctx)
		conn.Close(ctx)
	}
	if err != nil {
		msg := fmt.Sprintf("PostgreSQL at %s is unreachable (%v); scripts/test starts it, or set CHATD_TEST_POSTGRES", u, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return u
}

// Schema creates an empty schema, dropped when the test ends, and returns
// the test server's URL with search_path set to it (pgx sends a parameter
// it does not know to the server as a setting), so every connection made
// from that URL works in the schema.
func Schema(t testing.TB) string {
	t.Helper()
	base := URL(t)
	name := "chatd_test_" + strings.ToLower(rand.Text()[:12])
	ctx := context.Background()
	exec := func(sql string) error {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE SCHEMA " + name); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		if err := exec("DROP SCHEMA " + name + " CASCADE"); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("pgtest: %q is not a postgres:// URL", base)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}
