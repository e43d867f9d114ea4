// Package local is the in-process bus: the nodes of a Network are hubs in
// one process. chatd uses it when it runs alone (one node, no peers: its
// events go nowhere), and tests use it to run several nodes in one
// process. Events pass by value, not encoded.
package local

import (
	"context"
	"errors"
	"sync"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/realtime"
)

// ErrClosed is Publish's error after the node was closed.
var ErrClosed = errors.New("local bus: node closed")

// Network is a set of nodes that hear each other.
type Network struct {
	mu    sync.Mutex
	nodes map[string]*Node
}

// New returns an empty network.
func New() *Network { return &Network{nodes: map[string]*Node{}} }

// Node joins the network as name, which must be unique within it.
func (n *Network) Node(name string) (*Node, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.nodes[name]; ok {
		return nil, errors.New("local bus: node " + name + " is already on the network")
	}
	nd := &Node{net: n, name: name}
	n.nodes[name] = nd
	return nd, nil
}

// Node is one member of a Network; it implements realtime.Bus.
type Node struct {
	net    *Network
	name   string
	mu     sync.Mutex
	subs   []*sub
	closed bool
}

var _ realtime.Bus = (*Node)(nil)

// sub is one subscription: an unbounded queue drained by its own
// goroutine, so Publish never blocks and each publisher's order holds.
type sub struct {
	h     realtime.BusHandler
	mu    sync.Mutex
	queue []func(realtime.BusHandler)
	wake  chan struct{}
	done  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup
}

func (s *sub) push(f func(realtime.BusHandler)) {
	s.mu.Lock()
	s.queue = append(s.queue, f)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *sub) run() {
	defer s.wg.Done()
	var batch []func(realtime.BusHandler)
	for {
		s.mu.Lock()
		batch, s.queue = s.queue, batch[:0]
		s.mu.Unlock()
		for i, f := range batch {
			select {
			case <-s.done:
				return
			default:
			}
			f(s.h)
			batch[i] = nil
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-s.wake:
		case <-s.done:
			return
		}
	}
}

func (s *sub) stop() {
	s.once.Do(func() { close(s.done) })
	s.wg.Wait()
}

// peers returns the subscriptions of the other nodes.
func (n *Node) peers() []*sub {
	n.net.mu.Lock()
	defer n.net.mu.Unlock()
	var out []*sub
	for name, p := range n.net.nodes {
		if name == n.name {
			continue
		}
		p.mu.Lock()
		out = append(out, p.subs...)
		p.mu.Unlock()
	}
	return out
}

// Publish queues e for every subscription of the other nodes.
func (n *Node) Publish(_ context.Context, e chat.Event) error {
	n.mu.Lock()
	closed := n.closed
	n.mu.Unlock()
	if closed {
		return ErrClosed
	}
	for _, s := range n.peers() {
		s.push(func(h realtime.BusHandler) { h.Event(e) })
	}
	return nil
}

// Subscribe delivers the other nodes' events from now on.
func (n *Node) Subscribe(_ context.Context, h realtime.BusHandler) (func(), error) {
	if h.Event == nil {
		return nil, errors.New("local bus: a handler needs Event")
	}
	s := &sub{h: h, wake: make(chan struct{}, 1), done: make(chan struct{})}
	s.wg.Add(1)
	go s.run()
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		s.stop()
		return nil, ErrClosed
	}
	n.subs = append(n.subs, s)
	n.mu.Unlock()
	return func() {
		n.mu.Lock()
		for i, x := range n.subs {
			if x == s {
				n.subs = append(n.subs[:i], n.subs[i+1:]...)
				break
			}
		}
		n.mu.Unlock()
		s.stop()
	}, nil
}

// Close takes the node off the network, as its death would: its
// subscriptions end and the other nodes are told it is lost.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	subs := n.subs
	n.subs = nil
	n.mu.Unlock()
	for _, s := range subs {
		s.stop()
	}
	others := n.peers()
	n.net.mu.Lock()
	delete(n.net.nodes, n.name)
	n.net.mu.Unlock()
	for _, s := range others {
		s.push(func(h realtime.BusHandler) {
			if h.PeerLost != nil {
				h.PeerLost(n.name)
			}
		})
	}
	return nil
}
