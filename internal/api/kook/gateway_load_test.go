package kook_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/chatd/chatd/internal/api/kook"
	"github.com/chatd/chatd/internal/realtime"
	"github.com/chatd/chatd/internal/testenv"
)

// fields pulls sn, target_id and msg_id out of an uncompressed event frame
// without decoding it all: 20 readers of 10,000 frames each under the race
// detector would otherwise spend the test decoding JSON.
func fields(data []byte) (sn int64, target, msgID string, ok bool) {
	get := func(key string) string {
		i := bytes.Index(data, []byte(`"`+key+`":"`))
		if i < 0 {
			return ""
		}
		rest := data[i+len(key)+4:]
		j := bytes.IndexByte(rest, '"')
		if j < 0 {
			return ""
		}
		return string(rest[:j])
	}
	i := bytes.LastIndex(data, []byte(`,"sn":`))
	if !bytes.HasPrefix(data, []byte(`{"s":0,`)) || i < 0 {
		return 0, "", "", false
	}
	sn, err := strconv.ParseInt(string(bytes.TrimSuffix(data[i+6:], []byte("}"))), 10, 64)
	// The first target_id is d's; the message's own msg_id is the last
	// one (a quote's would come earlier, inside extra).
	j := bytes.LastIndex(data, []byte(`"msg_id":"`))
	if err != nil || j < 0 {
		return 0, "", "", false
	}
	if len(data) < j+10+36 {
		return 0, "", "", false
	}
	return sn, get("target_id"), string(data[j+10 : j+10+36]), true
}

// 50 concurrent senders × 200 messages into 5 channels: each of 20
// sessions receives exactly the 10,000 events, sn 1..10000 without a gap,
// and each channel's events in seq order.
func TestGatewayConcurrentSenders(t *testing.T) {
	const senders, perSender, nChannels, sessions = 50, 200, 5, 20
	const total = senders * perSender
	env := testenv.New(t)
	owner := env.CreateUser("owner", true)
	guild, first := env.CreateGuild("g", owner.ID)
	channels := []string{first}
	for i := 1; i < nChannels; i++ {
		var out struct{ ID string }
		decode(t, msgOK(t, env.KOOK(owner.Token, "POST", "/channel/create",
			map[string]any{"guild_id": guild, "name": fmt.Sprint("c", i)})), &out)
		channels = append(channels, out.ID)
	}
	var senderBots []testenv.User
	for i := range 10 {
		u := env.CreateUser(fmt.Sprint("sender", i), true)
		env.AddMember(guild, u.ID)
		senderBots = append(senderBots, u)
	}
	type got struct {
		sns     []int64
		targets []string
		ids     []string
	}
	results := make([]got, sessions)
	var readerBots []testenv.User // all members before any connects: no joined_guild events
	for s := range sessions {
		u := env.CreateUser(fmt.Sprint("reader", s), true)
		env.AddMember(guild, u.ID)
		readerBots = append(readerBots, u)
	}
	var readers sync.WaitGroup
	for s := range sessions {
		c, _ := hello(t, env, readerBots[s].Token)
		readers.Add(1)
		go func() {
			defer readers.Done()
			r := &results[s]
			for len(r.sns) < total {
				data, err := c.readRaw(60 * time.Second)
				if err != nil {
					t.Errorf("session %d: after %d events: %v", s, len(r.sns), err)
					return
				}
				sn, target, id, ok := fields(data)
				if !ok {
					t.Errorf("session %d: not an event: %.200s", s, data)
					return
				}
				r.sns, r.targets, r.ids = append(r.sns, sn), append(r.targets, target), append(r.ids, id)
			}
		}()
	}
	var wg sync.WaitGroup
	for i := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bot := senderBots[i%len(senderBots)]
			for j := range perSender {
				ch := channels[(i+j)%nChannels]
				r := env.KOOK(bot.Token, "POST", "/message/create",
					map[string]any{"target_id": ch, "content": fmt.Sprint(i, "/", j), "type": 1})
				if r.Code != 0 {
					t.Errorf("send: %s", r.Body)
					return
				}
			}
		}()
	}
	wg.Wait()
	readers.Wait()
	if t.Failed() {
		return
	}
	// seq of every message, from the store, per channel.
	seqOf := map[string]int64{}
	for _, ch := range channels {
		id := mustID(t, ch)
		for after := int64(0); ; {
			msgs, err := env.Service.MessagesAfter(context.Background(), id, after, 500)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) == 0 {
				break
			}
			for _, m := range msgs {
				seqOf[m.UUID.String()] = m.Seq
				after = m.Seq
			}
		}
	}
	if len(seqOf) != total {
		t.Fatalf("store holds %d messages, want %d", len(seqOf), total)
	}
	for s, r := range results {
		last := map[string]int64{}
		seen := map[string]bool{}
		for i, sn := range r.sns {
			if sn != int64(i+1) {
				t.Fatalf("session %d: frame %d has sn %d", s, i+1, sn)
			}
			id := r.ids[i]
			seq, ok := seqOf[id]
			if !ok || seen[id] {
				t.Fatalf("session %d: sn %d: unknown or repeated message %s", s, sn, id)
			}
			seen[id] = true
			if seq != last[r.targets[i]]+1 {
				t.Fatalf("session %d: channel %s: seq %d after %d", s, r.targets[i], seq, last[r.targets[i]])
			}
			last[r.targets[i]] = seq
		}
	}
}

func mustID(t testing.TB, s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A reader that never reads gets disconnected (its queue overflows), and
// the sessions next to it receive everything meanwhile.
func TestGatewayStalledReader(t *testing.T) {
	env := testenv.NewWith(t, testenv.Config{Realtime: realtime.Options{QueueSize: 32},
		KOOK: []kook.Option{kook.WithGatewayWriteTimeout(time.Second)}})
	owner := env.CreateUser("owner", true)
	slow := env.CreateUser("slow", true)
	guild, channel := env.CreateGuild("g", owner.ID)
	env.AddMember(guild, slow.ID)

	// The stalled client asks for a tiny receive buffer, so the kernel
	// stops taking data for it early.
	dialer := websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
		c, err := net.Dial(network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4096)
		}
		return c, err
	}}
	stalled, _, err := dialer.Dial(env.GatewayURL(slow.Token, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()

	const n = 600
	var readers sync.WaitGroup
	for i := range 3 {
		c, _ := hello(t, env, owner.Token)
		readers.Add(1)
		go func() {
			defer readers.Done()
			for k := 1; k <= n; k++ {
				data, err := c.readRaw(30 * time.Second)
				if err != nil {
					t.Errorf("reader %d: after %d events: %v", i, k-1, err)
					return
				}
				if sn, _, _, ok := fields(data); !ok || sn != int64(k) {
					t.Errorf("reader %d: want sn %d, got %.100s", i, k, data)
					return
				}
			}
		}()
	}
	big := strings.Repeat("x", 7900) // 600 × 8 KB: far more than socket buffers hold
	start := time.Now()
	for i := range n {
		sendText(t, env, owner.Token, channel, fmt.Sprint(i, big))
	}
	readers.Wait()
	t.Logf("3 readers received %d events of 8 KB in %v next to a stalled one", n, time.Since(start))
	if env.Hub.Stats().Overflows == 0 {
		t.Fatal("the stalled session never overflowed")
	}
	// The server closed the stalled connection: its user, connected only
	// there, went offline.
	deadline := time.Now().Add(10 * time.Second)
	for online(t, env, slow) {
		if time.Now().After(deadline) {
			t.Fatal("the stalled connection is still open")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
