package kook_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/testenv"
)

// The real client: kasumi.js (test/kasumi, installed by scripts/test)
// connects bot A through user/me, user/offline, gateway/index and the
// WebSocket, receives bot B's message, replies with message/create (kasumi
// checks the nonce echo); the reply is stored and reaches bot B live.
func TestKasumiClient(t *testing.T) {
	dir, err := filepath.Abs("../../../test/kasumi")
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(dir, "node_modules", "kasumi.js", "package.json"))
	if err != nil || modErr != nil {
		why := "node is not installed"
		if err == nil {
			why = "kasumi.js is not installed (run: npm ci --prefix test/kasumi, as scripts/test does)"
		}
		if os.Getenv("CI") == "true" {
			t.Fatalf("the real-client test cannot run: %s", why)
		}
		t.Skipf("skipping the real-client test: %s", why)
	}

	env := testenv.New(t)
	a := env.CreateUser("kasumi-a", true)
	b := env.CreateUser("raw-b", true)
	guild, channel := env.CreateGuild("g", a.ID)
	env.AddMember(guild, b.ID)
	bws, _ := hello(t, env, b.Token)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "run.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CHATD_URL="+env.URL, "TOKEN="+a.Token, "PEER_ID="+b.ID)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	next := func(prefix string) []string {
		t.Helper()
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					_ = cmd.Wait()
					t.Fatalf("run.mjs ended before %s: %s", prefix, stderr.String())
				}
				if f := strings.Fields(l); len(f) > 0 && f[0] == prefix {
					return f[1:]
				}
			case <-ctx.Done():
				t.Fatalf("no %s from run.mjs: %s", prefix, stderr.String())
			}
		}
	}
	if f := next("READY"); len(f) != 1 || !uuidRE.MatchString(f[0]) {
		t.Fatalf("READY %v: want the HELLO session id", f)
	}
	ping := sendText(t, env, b.Token, channel, "ping")
	f := next("REPLIED")
	if len(f) != 2 || f[1] != ping {
		t.Fatalf("REPLIED %v: want a reply to %s", f, ping)
	}
	reply := f[0]
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run.mjs: %v: %s", err, stderr.String())
	}

	// The reply is stored, quoting the ping.
	var stored struct {
		Content string
		Author  struct{ ID string }
		Quote   *struct{ ID string }
	}
	decode(t, msgOK(t, env.KOOK(b.Token, "GET", "/message/view", map[string]string{"msg_id": reply})), &stored)
	if stored.Content != "pong: ping" || stored.Author.ID != a.ID || stored.Quote == nil || stored.Quote.ID != ping {
		t.Fatalf("stored reply %+v", stored)
	}
	// Bot B saw its ping, then the reply, live.
	var ev struct {
		MsgID    string `json:"msg_id"`
		AuthorID string `json:"author_id"`
		Extra    struct {
			Quote struct{ ID string } `json:"quote"`
		} `json:"extra"`
	}
	bws.event(&ev)
	if ev.MsgID != ping {
		t.Fatalf("bot B's first event is %s, want its ping %s", ev.MsgID, ping)
	}
	bws.event(&ev)
	if ev.MsgID != reply || ev.AuthorID != a.ID || ev.Extra.Quote.ID != ping {
		raw, _ := json.Marshal(ev)
		t.Fatalf("bot B's second event %s, want the reply %s", raw, reply)
	}
}
