package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/store/postgres/pgtest"
)

// TestServePostgres runs chatd on a PostgreSQL schema of its own: migrate,
// serve, create a user through the operator API, and find it again after a
// restart.
func TestServePostgres(t *testing.T) {
	bin := binary(t)
	db := pgtest.Schema(t)
	const token = "pg-operator"

	out, err := exec.Command(bin, "migrate", "--db", db).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "up to date") {
		t.Fatalf("migrate --db postgres: %v\n%s", err, out)
	}

	srv := startServerArgs(t, []string{"--data", t.TempDir(), "--db", db}, "CHATD_ADMIN_TOKEN="+token)
	env := cleanEnv("CHATD_ADMIN_TOKEN="+token, "CHATD_URL="+srv.url)
	alice := adminJSON(t, env, "create-user", "alice", "--nickname", "Alice")
	if alice["username"] != "alice" || alice["nickname"] != "Alice" {
		t.Errorf("create-user printed %v", alice)
	}
	aliceID, _ := alice["id"].(string)
	srv.stop(t)

	// Another server (as another node would) on the same database.
	srv = startServerArgs(t, []string{"--data", t.TempDir()}, "CHATD_ADMIN_TOKEN="+token, "CHATD_DB="+db)
	env = cleanEnv("CHATD_ADMIN_TOKEN="+token, "CHATD_URL="+srv.url)

	// A second live node with the same --node on this database is refused,
	// with no bus to notice it: ids would collide.
	_, stderr, code := chatd(t, cleanEnv("CHATD_ADMIN_TOKEN="+token, "CHATD_DB="+db), "serve", "--data", t.TempDir(),
		"--addr", "127.0.0.1:0")
	if code == 0 || !strings.Contains(stderr, "--node 0: another live node") {
		t.Errorf("a second node 0 on one database: exit %d, stderr %q", code, stderr)
	}
	if got := adminJSON(t, env, "get-user", aliceID); got["username"] != "alice" {
		t.Errorf("get-user on a restarted server printed %v", got)
	}
	if _, stderr, code := chatd(t, env, "admin", "create-user", "alice"); code == 0 || !strings.Contains(stderr, "username") {
		t.Errorf("re-creating a kept username: exit %d, stderr %q", code, stderr)
	}
	srv.stop(t)
}
