package postgres

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/postgres/pgtest"
)

// cutter is a TCP proxy to PostgreSQL that, once armed, lets a client's
// bytes containing marker through, stops answering, and then closes the
// connection: the server commits what it was sent, and the client never
// hears so.
type cutter struct {
	ln     net.Listener
	target string
	marker []byte
	armed  atomic.Bool
	cut    atomic.Int32
	wg     sync.WaitGroup
}

func newCutter(t *testing.T, target string, marker []byte) *cutter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{ln: ln, target: target, marker: marker}
	c.wg.Add(1)
	go c.accept()
	t.Cleanup(func() { ln.Close(); c.wg.Wait() })
	return c
}

func (c *cutter) accept() {
	defer c.wg.Done()
	for {
		client, err := c.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", c.target)
		if err != nil {
			client.Close()
			continue
		}
		var mute atomic.Bool // set once the marker went by: answers are dropped
		c.wg.Add(2)
		go func() { // server → client
			defer c.wg.Done()
			buf := make([]byte, 32<<10)
			for {
				n, err := server.Read(buf)
				if n > 0 && !mute.Load() {
					if _, werr := client.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					client.Close()
					return
				}
			}
		}()
		go func() { // client → server
			defer c.wg.Done()
			buf := make([]byte, 32<<10)
			for {
				n, err := client.Read(buf)
				if n > 0 {
					if c.armed.Load() && bytes.Contains(buf[:n], c.marker) && c.armed.CompareAndSwap(true, false) {
						mute.Store(true)
						server.Write(buf[:n]) //nolint:errcheck
						c.cut.Add(1)
						// Let the rest of the batch (the COMMIT) through
						// unanswered, then hang up on the client.
						go func() {
							time.Sleep(300 * time.Millisecond)
							client.Close()
							server.Close()
						}()
						continue
					}
					if _, werr := server.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					if err != io.EOF {
						server.Close()
					}
					return
				}
			}
		}()
	}
}

// A send whose COMMIT reached the server but whose answer was lost with
// the connection is reported stored, as it is, not failed: a caller
// without an idempotency key would otherwise send it again.
func TestAppendAnswerLostAfterCommit(t *testing.T) {
	u, err := url.Parse(pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	const marker = "the answer to this send is lost"
	cut := newCutter(t, u.Host, []byte(marker))
	u.Host = cut.ln.Addr().String()
	s := openURL(t, u.String())
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()

	ids := chat.NewIDGen(1)
	now := time.Now()
	alice := chat.User{ID: ids.Next(), Username: "alice", CreatedAt: now}
	if err := s.CreateUser(ctx, alice, chat.HashToken("t")); err != nil {
		t.Fatal(err)
	}
	c := chat.Chat{ID: ids.Next(), Kind: chat.ChatGroup, Name: "g", CreatorID: alice.ID, CreatedAt: now}
	if err := s.CreateChat(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	send := func(content string) (chat.Message, bool, error) {
		return s.AppendMessage(ctx, chat.Message{ID: ids.Next(), UUID: chat.NewUUID(), ChatID: c.ID, AuthorID: alice.ID,
			Type: chat.TypeText, Content: content, CreatedAt: time.Now()}, nil)
	}
	if _, _, err := send("before"); err != nil {
		t.Fatal(err)
	}

	cut.armed.Store(true)
	m, created, err := send(marker)
	if cut.cut.Load() != 1 {
		t.Fatalf("the proxy did not cut the send's connection")
	}
	if err != nil || !created || m.Seq != 2 {
		t.Fatalf("a committed send whose answer was lost: created %v, seq %d, err %v; want created, seq 2, no error",
			created, m.Seq, err)
	}
	after, _, err := send("after")
	if err != nil || after.Seq != 3 {
		t.Fatalf("the next send: seq %d, err %v", after.Seq, err)
	}
	msgs, err := s.ListMessages(ctx, chat.MessageQuery{ChatID: c.ID, Direction: chat.Latest, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 || msgs[1].Content != marker || msgs[1].ID != m.ID {
		t.Fatalf("stored %d messages (%+v), want the three once each", len(msgs), msgs)
	}
}
