package kook_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/testenv"
)

// BenchmarkGatewayFanout: messages into one channel read by 1,000 gateway
// sessions over real WebSockets (compress=0); the clients run in this
// process, on the same 2 cores as the server. Reports deliveries/s and
// send→receive latency (from before message/create to the frame read).
func BenchmarkGatewayFanout(b *testing.B) {
	const sessions, users, senders = 1000, 10, 4
	env := testenv.New(b)
	owner := env.CreateUser("owner", true)
	guild, channel := env.CreateGuild("g", owner.ID)
	var members []testenv.User
	for i := range users {
		u := env.CreateUser(fmt.Sprint("r", i), true)
		env.AddMember(guild, u.ID)
		members = append(members, u)
	}
	n := max(b.N, 200)
	starts := make([]atomic.Int64, n)
	lat := make([][]time.Duration, sessions)
	var ready, done sync.WaitGroup
	for s := range sessions {
		c, _ := hello(b, env, members[s%users].Token)
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			l := make([]time.Duration, 0, n)
			for range n {
				data, err := c.readRaw(60 * time.Second)
				if err != nil {
					b.Errorf("session %d: %v", s, err)
					return
				}
				now := time.Now().UnixNano()
				i := bytes.Index(data, []byte(`"content":"`))
				j := bytes.IndexByte(data[i+11:], '"')
				k, _ := strconv.Atoi(string(data[i+11 : i+11+j]))
				l = append(l, time.Duration(now-starts[k].Load()))
			}
			lat[s] = l
		}()
	}
	ready.Wait()
	b.ResetTimer()
	t0 := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= n {
					return
				}
				starts[k].Store(time.Now().UnixNano())
				env.KOOK(owner.Token, "POST", "/message/create", map[string]any{"target_id": channel, "content": strconv.Itoa(k), "type": 1})
			}
		}()
	}
	wg.Wait()
	done.Wait()
	el := time.Since(t0)
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	b.ReportMetric(float64(len(all))/el.Seconds(), "deliveries/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(n)/el.Seconds(), "sends/s")
}

// BenchmarkGatewayIdleSessions opens 10,000 idle gateway sessions and
// reports what each costs the server: the Go heap and stacks in use
// (HeapInuse+StackInuse delta after GC) and the process's VmRSS delta. The
// clients are bare TCP connections that did the handshake and read HELLO;
// they live in a child process (this test binary again), so neither figure
// includes them.
func BenchmarkGatewayIdleSessions(b *testing.B) {
	const sessions = 10000
	env := testenv.New(b)
	bot := env.CreateUser("bot", true)
	env.CreateGuild("g", bot.ID)
	gw := env.GatewayURL(bot.Token, 0)
	run := func(n int) (*exec.Cmd, *bufio.Reader) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestIdleClients$")
		cmd.Env = append(os.Environ(), "CHATD_IDLE_CLIENTS="+strconv.Itoa(n), "CHATD_IDLE_URL="+gw)
		cmd.Stderr = os.Stderr
		out, _ := cmd.StdoutPipe()
		in, _ := cmd.StdinPipe()
		_ = in // closed by Wait: the child holds its connections until stdin closes
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		br := bufio.NewReader(out)
		line, err := br.ReadString('\n')
		if err != nil || line != "OK\n" {
			b.Fatalf("clients: %q %v", line, err)
		}
		return cmd, br
	}
	warm, _ := run(50) // warm up pools and the hub's user entry
	defer warm.Process.Kill()
	heap0, rss0 := inUse(), vmRSS()
	cmd, _ := run(sessions)
	time.Sleep(time.Second)
	heap1, rss1 := inUse(), vmRSS()
	b.ReportMetric(float64(heap1-heap0)/sessions, "heap+stack-B/session")
	b.ReportMetric(float64(rss1-rss0)/sessions, "rss-B/session")
	b.ReportMetric(float64(env.Hub.Stats().Sessions), "sessions")
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// TestIdleClients is the client side of BenchmarkGatewayIdleSessions; it
// does nothing unless that benchmark started it.
func TestIdleClients(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CHATD_IDLE_CLIENTS"))
	if n == 0 {
		t.Skip("only run by BenchmarkGatewayIdleSessions")
	}
	u, _ := url.Parse(os.Getenv("CHATD_IDLE_URL"))
	conns := make([]net.Conn, 0, n)
	for range n {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", "http://"+u.Host+u.RequestURI(), nil)
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Sec-WebSocket-Version", "13")
		req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		if err := req.Write(c); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReaderSize(c, 512)
		resp, err := http.ReadResponse(br, req)
		if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("upgrade: %v %v", err, resp)
		}
		hdr := make([]byte, 2)
		if _, err := io.ReadFull(br, hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := br.Discard(int(hdr[1] & 0x7f)); err != nil { // HELLO
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	fmt.Println("OK")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
}

// vmRSS is this process's resident set, in bytes.
func vmRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func inUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}
