package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// chatdBinary builds the command once per test binary run.
var chatdBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "chatd-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "chatd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", errors.New("go build: " + err.Error() + "\n" + string(out))
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if bin, err := chatdBinary(); err == nil {
		os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the chatd binary")
	}
	bin, err := chatdBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// cleanEnv is the test's environment without any CHATD_ variable, plus extra.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHATD_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// lockedBuffer collects a process's stderr while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type server struct {
	url    string
	cmd    *exec.Cmd
	stderr *lockedBuffer
	exited chan error
}

var listeningLine = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startServer runs "chatd serve" on a free port over dataDir and waits
// until it listens.
func startServer(t *testing.T, dataDir string, env ...string) *server {
	t.Helper()
	return startServerArgs(t, []string{"--data", dataDir}, env...)
}

// startServerArgs is startServer with serve's flags besides --addr.
func startServerArgs(t *testing.T, args []string, env ...string) *server {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = cleanEnv(env...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stderr: &lockedBuffer{}, exited: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			s.stderr.Write(append(sc.Bytes(), '\n'))
			if m := listeningLine.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		s.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-s.exited
		}
	})
	select {
	case a := <-addr:
		s.url = "http://" + a
	case err := <-s.exited:
		t.Fatalf("chatd serve exited before listening: %v\n%s", err, s.stderr)
	case <-time.After(20 * time.Second):
		t.Fatalf("chatd serve did not listen within 20s:\n%s", s.stderr)
	}
	return s
}

// stop sends SIGTERM and expects a clean exit within a few seconds.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.exited:
		if err != nil {
			t.Fatalf("chatd serve exited with %v after SIGTERM:\n%s", err, s.stderr)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("chatd serve still running 5s after SIGTERM:\n%s", s.stderr)
	}
}

// chatd runs the binary to completion.
func chatd(t *testing.T, env []string, args ...string) (stdout, stderr string, exitCode int) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		exitCode = exit.ExitCode()
	case err != nil:
		t.Fatalf("chatd %v: %v", args, err)
	}
	return out.String(), errOut.String(), exitCode
}

// adminJSON runs a "chatd admin" command that must succeed and decodes
// what it prints.
func adminJSON(t *testing.T, env []string, args ...string) map[string]any {
	t.Helper()
	stdout, stderr, code := chatd(t, env, append([]string{"admin"}, args...)...)
	if code != 0 {
		t.Fatalf("chatd admin %v: exit %d\nstdout: %s\nstderr: %s", args, code, stdout, stderr)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("chatd admin %v printed %q: %v", args, stdout, err)
	}
	return out
}

func TestServeAdminRestart(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)

	tokenPath := filepath.Join(data, "admin-token")
	fi, err := os.Stat(tokenPath)
	if err != nil {
		t.Fatalf("no operator token file: %v", err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("admin-token mode %o, want 600", perm)
	}
	b, _ := os.ReadFile(tokenPath)
	token := strings.TrimSpace(string(b))
	if token == "" {
		t.Fatal("admin-token is empty")
	}
	if n := strings.Count(srv.stderr.String(), token); n != 1 {
		t.Errorf("token printed %d times on stderr at first start, want 1", n)
	}

	resp, err := http.Get(srv.url + "/api/admin/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
		t.Errorf("health: %d %s", resp.StatusCode, body)
	}

	// The admin commands find the token through --data, the server through --url.
	env := cleanEnv("CHATD_DATA="+data, "CHATD_URL="+srv.url)
	bot := adminJSON(t, env, "create-bot", "robo")
	if bot["bot"] != true || bot["username"] != "robo" || bot["token"] == "" {
		t.Errorf("create-bot printed %v", bot)
	}
	botID, _ := bot["id"].(string)
	alice := adminJSON(t, env, "create-user", "alice", "--nickname", "Alice")
	if alice["bot"] != false || alice["nickname"] != "Alice" {
		t.Errorf("create-user printed %v", alice)
	}
	aliceID, _ := alice["id"].(string)
	guild := adminJSON(t, env, "create-guild", "Home", "--owner", aliceID)
	guildID, _ := guild["id"].(string)
	if guild["owner_id"] != aliceID || guild["default_channel_id"] == "" {
		t.Errorf("create-guild printed %v", guild)
	}
	role := adminJSON(t, env, "create-role", guildID, "mods", "--permissions", "8192")
	if role["role_id"] != 1.0 || role["permissions"] != 8192.0 {
		t.Errorf("create-role printed %v", role)
	}
	member := adminJSON(t, env, "add-member", guildID, botID, "--role", "1")
	if member["user_id"] != botID || len(member["roles"].([]any)) != 1 {
		t.Errorf("add-member printed %v", member)
	}

	// A wrong token is refused, and the command fails.
	_, stderr, code := chatd(t, env, "admin", "create-user", "mallory", "--token", "wrong")
	if code == 0 || !strings.Contains(stderr, "401") {
		t.Errorf("wrong token: exit %d, stderr %q", code, stderr)
	}
	// The API's refusal of a bad request reaches the operator.
	_, stderr, code = chatd(t, env, "admin", "create-guild", "Nowhere", "--owner", "12345")
	if code == 0 || !strings.Contains(stderr, "owner_id") {
		t.Errorf("unknown owner: exit %d, stderr %q", code, stderr)
	}

	srv.stop(t)

	// A restart on the same data keeps the token and the users.
	srv = startServer(t, data)
	if strings.Contains(srv.stderr.String(), token) {
		t.Error("token printed again on restart")
	}
	b, _ = os.ReadFile(tokenPath)
	if got := strings.TrimSpace(string(b)); got != token {
		t.Errorf("token changed on restart: %q → %q", token, got)
	}
	env = cleanEnv("CHATD_ADMIN_TOKEN="+token, "CHATD_URL="+srv.url)
	got := adminJSON(t, env, "get-user", botID)
	if got["username"] != "robo" || got["bot"] != true || got["token"] != nil {
		t.Errorf("after restart get-user printed %v", got)
	}
	if _, stderr, code := chatd(t, env, "admin", "create-bot", "robo"); code == 0 || !strings.Contains(stderr, "username") {
		t.Errorf("re-creating a kept username: exit %d, stderr %q", code, stderr)
	}
	srv.stop(t)
}

func TestEnvironmentToken(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data, "CHATD_ADMIN_TOKEN=from-env")
	if _, err := os.Stat(filepath.Join(data, "admin-token")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("serve wrote an admin-token although CHATD_ADMIN_TOKEN is set (err %v)", err)
	}
	got := adminJSON(t, cleanEnv("CHATD_URL="+srv.url), "create-user", "bob", "--token", "from-env")
	if got["username"] != "bob" {
		t.Errorf("create-user printed %v", got)
	}
	srv.stop(t)
}

func TestMigrate(t *testing.T) {
	data := t.TempDir()
	cmd := exec.Command(binary(t), "migrate", "--data", data)
	cmd.Env = cleanEnv("CHATD_ADMIN_TOKEN=from-env")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(data, "chatd.db")); err != nil {
		t.Errorf("migrate made no database: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "admin-token")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("migrate wrote an admin-token (err %v)", err)
	}
}

func TestCommandLine(t *testing.T) {
	data := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		env    []string
		code   int
		stderr string // a substring
		stdout string // a substring
	}{
		{name: "help", args: []string{"help"}, stdout: "chatd admin"},
		{name: "no command", args: nil, code: 2, stderr: "Usage"},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, stderr: `unknown command "frobnicate"`},
		{name: "postgres unreachable", args: []string{"migrate", "--db", "postgres://127.0.0.1:1/chatd?connect_timeout=5"}, code: 1, stderr: "open postgres://127.0.0.1:1/chatd"},
		{name: "postgres from env", args: []string{"serve"}, env: []string{"CHATD_DB=postgres://u:secret@127.0.0.1:1/y?connect_timeout=5", "CHATD_DATA=" + data}, code: 1, stderr: "open postgres://u:xxxxx@127.0.0.1:1/y"},
		{name: "bad node", args: []string{"serve", "--node", "5000", "--data", data}, code: 1, stderr: "--node"},
		{name: "bad public url", args: []string{"serve", "--public-url", "ftp://x", "--data", data}, code: 1, stderr: "--public-url"},
		{name: "unknown admin command", args: []string{"admin", "drop-everything"}, code: 2, stderr: "unknown command"},
		{name: "admin missing argument", args: []string{"admin", "add-member", "1"}, code: 2, stderr: "GUILD_ID USER_ID"},
		{name: "create-guild without owner", args: []string{"admin", "create-guild", "x"}, code: 2, stderr: "--owner"},
		{name: "admin without token", args: []string{"admin", "get-user", "1", "--data", data}, code: 1, stderr: "CHATD_ADMIN_TOKEN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := chatd(t, cleanEnv(tc.env...), tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) || !strings.Contains(stdout, tc.stdout) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
		})
	}
}
