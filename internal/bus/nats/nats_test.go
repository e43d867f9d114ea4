package nats_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/bus/bustest"
	natsbus "github.com/chatd/chatd/internal/bus/nats"
	"github.com/chatd/chatd/internal/bus/nats/natstest"
	"github.com/chatd/chatd/internal/realtime"
)

// fastOptions make peers notice a death within half a second.
func fastOptions(u, prefix, node string) natsbus.Options {
	return natsbus.Options{URL: u, Prefix: prefix, Node: node, Heartbeat: 100 * time.Millisecond,
		PeerTimeout: 500 * time.Millisecond}
}

func TestBus(t *testing.T) {
	server := natstest.URL(t)
	bustest.Run(t, func(t *testing.T) bustest.Fabric {
		prefix := natstest.Prefix(t)
		buses := map[string]*natsbus.Bus{}
		proxies := map[string]*proxy{}
		return bustest.Fabric{
			Node: func(t *testing.T, name string) realtime.Bus {
				// Every node reaches NATS through a proxy of its own, which
				// Cut interrupts.
				p := newProxy(t, server)
				b, err := natsbus.Open(context.Background(), fastOptions(p.url, prefix, name))
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				t.Cleanup(func() { b.Close() })
				buses[name], proxies[name] = b, p
				return b
			},
			Kill: func(t *testing.T, name string) { proxies[name].cut() },
			Cut: func(t *testing.T, name string) func() {
				proxies[name].cut()
				return proxies[name].restore
			},
		}
	})
}

// TestNodeInUse: a second live node with a taken name is refused.
func TestNodeInUse(t *testing.T) {
	u, prefix := natstest.URL(t), natstest.Prefix(t)
	a, err := natsbus.Open(context.Background(), fastOptions(u, prefix, "7"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if b, err := natsbus.Open(context.Background(), fastOptions(u, prefix, "7")); !errors.Is(err, natsbus.ErrNodeInUse) {
		if b != nil {
			b.Close()
		}
		t.Fatalf("second node 7: err %v, want ErrNodeInUse", err)
	}
	b, err := natsbus.Open(context.Background(), fastOptions(u, prefix, "8"))
	if err != nil {
		t.Fatalf("node 8 beside node 7: %v", err)
	}
	b.Close()
	// Once node 7 is gone its name is free again.
	a.Close()
	c, err := natsbus.Open(context.Background(), fastOptions(u, prefix, "7"))
	if err != nil {
		t.Fatalf("node 7 after the first one closed: %v", err)
	}
	c.Close()
}

// proxy forwards TCP connections to the server until cut: then it drops
// them and every new one, until restored.
type proxy struct {
	url    string
	target string
	ln     net.Listener
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]struct{}
}

func newProxy(t *testing.T, server string) *proxy {
	t.Helper()
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{url: "nats://" + ln.Addr().String(), target: u.Host, ln: ln, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go p.serve()
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		s, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[s] = struct{}{}, struct{}{}
		p.mu.Unlock()
		go pipe(c, s)
		go pipe(s, c)
	}
}

func pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *proxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}
