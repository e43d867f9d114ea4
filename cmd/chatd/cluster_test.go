package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/jackc/pgx/v5"

	"github.com/chatd/chatd/internal/bus/nats/natstest"
	"github.com/chatd/chatd/internal/store/postgres/pgtest"
)

// A cluster of chatd processes on one PostgreSQL schema and one NATS
// subject prefix, set up the way an operator and bots would: the operator
// API, KOOK's REST API and raw gateway WebSockets (compress=0).
type cluster struct {
	t      *testing.T
	db     string
	token  string
	nodes  []*server
	args   [][]string // each node's serve arguments
	client *http.Client

	guild    string
	channels []string
	owner    string            // owner's token
	bots     map[string]string // username → token
}

func newCluster(t *testing.T, n, channels int) *cluster {
	t.Helper()
	binary(t)
	db := pgtest.Schema(t)
	natsURL, prefix := natstest.URL(t), natstest.Prefix(t)
	c := &cluster{t: t, db: db, token: "cluster-operator", bots: map[string]string{},
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	if out, err := execOutput(binary(t), "migrate", "--db", db); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	for i := range n {
		c.args = append(c.args, []string{"--data", t.TempDir(), "--db", db, "--bus", natsURL,
			"--bus-prefix", prefix, "--node", strconv.Itoa(i)})
		c.nodes = append(c.nodes, startServerArgs(t, c.args[i], "CHATD_ADMIN_TOKEN="+c.token))
	}
	owner := c.createBot("owner")
	c.owner = owner.token
	var g struct {
		ID string `json:"id"`
	}
	c.admin(0, "POST", "/guilds", map[string]any{"name": "cluster", "owner_id": owner.id}, &g)
	c.guild = g.ID
	for i := range channels {
		var ch struct {
			ID string `json:"id"`
		}
		c.kook(i%n, c.owner, "/channel/create", map[string]any{"guild_id": c.guild, "name": fmt.Sprintf("c%d", i)}, &ch)
		c.channels = append(c.channels, ch.ID)
	}
	return c
}

type botUser struct{ id, token string }

// createBot makes a bot and adds it to the guild (when there is one).
func (c *cluster) createBot(name string) botUser {
	c.t.Helper()
	var u struct{ ID, Token string }
	c.admin(0, "POST", "/users", map[string]any{"username": name, "bot": true}, &u)
	if c.guild != "" {
		c.admin(0, "POST", "/guilds/"+c.guild+"/members", map[string]any{"user_id": u.ID}, nil)
	}
	c.bots[name] = u.Token
	return botUser{u.ID, u.Token}
}

func (c *cluster) admin(node int, method, path string, body any, out any) {
	c.t.Helper()
	status, resp := c.do(node, method, "/api/admin/v1"+path, "Bearer "+c.token, body)
	if status/100 != 2 {
		c.t.Fatalf("admin %s %s on node %d: %d %s", method, path, node, status, resp)
	}
	if out != nil {
		if err := json.Unmarshal(resp, out); err != nil {
			c.t.Fatalf("admin %s: %s: %v", path, resp, err)
		}
	}
}

// kook calls a KOOK endpoint that must succeed and decodes its data.
func (c *cluster) kook(node int, token, path string, body any, out any) {
	c.t.Helper()
	status, resp := c.do(node, "POST", "/api/v3"+path, "Bot "+token, body)
	var env struct {
		Code int             `json:"code"`
		Data json.RawMessage `json:"data"`
	}
	if status != 200 || json.Unmarshal(resp, &env) != nil || env.Code != 0 {
		c.t.Fatalf("kook %s on node %d: %d %s", path, node, status, resp)
	}
	if out != nil {
		if err := json.Unmarshal(env.Data, out); err != nil {
			c.t.Fatalf("kook %s: %s: %v", path, resp, err)
		}
	}
}

func (c *cluster) do(node int, method, path, auth string, body any) (int, []byte) {
	status, resp, err := c.try(node, method, path, auth, body)
	if err != nil {
		c.t.Fatalf("%s %s on node %d: %v", method, path, node, err)
	}
	return status, resp
}

func (c *cluster) try(node int, method, path, auth string, body any) (int, []byte, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(method, c.nodes[node].url+path, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// send posts a message; it returns the msg_id when the server acknowledged it.
func (c *cluster) send(node int, token, channel, content string) (string, error) {
	status, resp, err := c.try(node, "POST", "/api/v3/message/create", "Bot "+token,
		map[string]any{"target_id": channel, "content": content, "nonce": content})
	if err != nil {
		return "", err
	}
	var env struct {
		Code int `json:"code"`
		Data struct {
			MsgID string `json:"msg_id"`
		} `json:"data"`
	}
	if status != 200 || json.Unmarshal(resp, &env) != nil || env.Code != 0 {
		return "", fmt.Errorf("message/create: %d %s", status, resp)
	}
	return env.Data.MsgID, nil
}

// received is one channel message event a gateway session got.
type received struct {
	channel, msgID, content string
	sn                      int64
	at                      time.Time
}

// listener is a gateway session reading every frame.
type listener struct {
	node  int
	conn  *websocket.Conn
	mu    sync.Mutex
	got   []received
	reads []reactionEvent // added_reaction events, in arrival order
	err   error
}

// reactionEvent is an added_reaction system event: msg_id and emoji id.
type reactionEvent struct{ msgID, emoji string }

func (c *cluster) listen(node int, token string) *listener {
	c.t.Helper()
	u := "ws" + strings.TrimPrefix(c.nodes[node].url, "http") + "/gateway?compress=0&token=" + url.QueryEscape(token)
	conn, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		c.t.Fatalf("dial the gateway of node %d: %v", node, err)
	}
	c.t.Cleanup(func() { conn.Close() })
	var hello struct {
		S int `json:"s"`
		D struct {
			Code int `json:"code"`
		} `json:"d"`
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := conn.ReadJSON(&hello); err != nil || hello.S != 1 || hello.D.Code != 0 {
		c.t.Fatalf("HELLO on node %d: %+v %v", node, hello, err)
	}
	conn.SetReadDeadline(time.Time{})
	l := &listener{node: node, conn: conn}
	go l.read()
	go func() { // PING now and then, as a client must
		for sn := int64(0); ; {
			time.Sleep(20 * time.Second)
			l.mu.Lock()
			if n := len(l.got); n > 0 {
				sn = l.got[n-1].sn
			}
			err := l.err
			l.mu.Unlock()
			if err != nil || conn.WriteJSON(map[string]any{"s": 2, "sn": sn}) != nil {
				return
			}
		}
	}()
	return l
}

func (l *listener) read() {
	for {
		_, data, err := l.conn.ReadMessage()
		now := time.Now()
		if err != nil {
			l.mu.Lock()
			l.err = err
			l.mu.Unlock()
			return
		}
		var f struct {
			S  int   `json:"s"`
			SN int64 `json:"sn"`
			D  struct {
				ChannelType string `json:"channel_type"`
				Type        int    `json:"type"`
				TargetID    string `json:"target_id"`
				MsgID       string `json:"msg_id"`
				Content     string `json:"content"`
				Extra       struct {
					Type any `json:"type"` // a number for messages, a name for system events
					Body struct {
						MsgID string `json:"msg_id"`
						Emoji struct {
							ID string `json:"id"`
						} `json:"emoji"`
					} `json:"body"`
				} `json:"extra"`
			} `json:"d"`
		}
		if json.Unmarshal(data, &f) != nil || f.S != 0 || f.D.ChannelType != "GROUP" {
			continue
		}
		if f.D.Type == 255 {
			if f.D.Extra.Type == "added_reaction" {
				l.mu.Lock()
				l.reads = append(l.reads, reactionEvent{f.D.Extra.Body.MsgID, f.D.Extra.Body.Emoji.ID})
				l.mu.Unlock()
			}
			continue
		}
		l.mu.Lock()
		l.got = append(l.got, received{channel: f.D.TargetID, msgID: f.D.MsgID, content: f.D.Content, sn: f.SN, at: now})
		l.mu.Unlock()
	}
}

func (l *listener) snapshot() []received {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.got)
}

// waitFor waits until every listener has at least n message events.
func waitFor(t *testing.T, ls []*listener, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for _, l := range ls {
		for {
			l.mu.Lock()
			have, err := len(l.got), l.err
			l.mu.Unlock()
			if have >= n {
				break
			}
			if err != nil || time.Now().After(deadline) {
				t.Fatalf("session on node %d has %d of %d message events (connection: %v)", l.node, have, n, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	time.Sleep(300 * time.Millisecond) // a duplicate would arrive meanwhile
}

// stored reads every message's msg_id → (channel, seq) from the database.
func (c *cluster) stored() map[string][2]int64 {
	c.t.Helper()
	out := map[string][2]int64{}
	var id string
	var chatID, seq int64
	c.each(`SELECT uuid::text, chat_id, seq FROM messages`, []any{&id, &chatID, &seq}, func() {
		out[id] = [2]int64{chatID, seq}
	})
	return out
}

// each runs query on the cluster's database, scanning every row into
// dest and calling fn.
func (c *cluster) each(query string, dest []any, fn func()) {
	c.t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.db)
	if err != nil {
		c.t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, query)
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := pgx.ForEachRow(rows, dest, func() error { fn(); return nil }); err != nil {
		c.t.Fatal(err)
	}
}

// checkSessions checks that each session got every stored message once,
// each channel's in seq order 1, 2, 3, ... under increasing session sns.
func checkSessions(t *testing.T, ls []*listener, stored map[string][2]int64) {
	t.Helper()
	for _, l := range ls {
		got := l.snapshot()
		seen := map[string]bool{}
		next := map[int64]int64{}
		var lastSN int64
		for _, r := range got {
			if r.sn <= lastSN { // system events (type 255) take sns too
				t.Fatalf("node %d session: sn %d after %d", l.node, r.sn, lastSN)
			}
			lastSN = r.sn
			if seen[r.msgID] {
				t.Fatalf("node %d session: message %s delivered twice", l.node, r.msgID)
			}
			seen[r.msgID] = true
			s, ok := stored[r.msgID]
			if !ok {
				t.Fatalf("node %d session: message %s is not stored", l.node, r.msgID)
			}
			if strconv.FormatInt(s[0], 10) != r.channel {
				t.Fatalf("node %d session: message %s in channel %s, stored in %d", l.node, r.msgID, r.channel, s[0])
			}
			if s[1] != next[s[0]]+1 {
				t.Fatalf("node %d session: channel %d seq %d delivered after seq %d", l.node, s[0], s[1], next[s[0]])
			}
			next[s[0]] = s[1]
		}
		if len(seen) != len(stored) {
			t.Fatalf("node %d session: %d messages delivered, %d stored", l.node, len(seen), len(stored))
		}
	}
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// TestCluster runs three nodes, a gateway session on each, and 3 × 2,000
// messages sent through all three at once into 10 channels: every session
// gets every message once, each channel's in seq order, with no gap.
func TestCluster(t *testing.T) {
	const nodes, channels, perNode, senders = 3, 10, 2000, 4
	c := newCluster(t, nodes, channels)
	var tokens []string
	var ls []*listener
	for i := range nodes {
		tokens = append(tokens, c.createBot(fmt.Sprintf("sender%d", i)).token)
		ls = append(ls, c.listen(i, c.createBot(fmt.Sprintf("listener%d", i)).token))
	}

	var sentAt sync.Map // content → time.Time
	var wg sync.WaitGroup
	var failed atomic.Int64
	start := time.Now()
	for node := range nodes {
		for s := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := s; k < perNode; k += senders {
					content := fmt.Sprintf("n%d-k%d", node, k)
					sentAt.Store(content, time.Now())
					if _, err := c.send(node, tokens[node], c.channels[k%channels], content); err != nil {
						if failed.Add(1) == 1 {
							t.Errorf("send through node %d: %v", node, err)
						}
					}
				}
			}()
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	if failed.Load() > 0 {
		t.Fatalf("%d sends failed", failed.Load())
	}
	waitFor(t, ls, nodes*perNode, time.Minute)
	stored := c.stored()
	if len(stored) != nodes*perNode {
		t.Fatalf("%d messages stored, want %d", len(stored), nodes*perNode)
	}
	checkSessions(t, ls, stored)

	var cross []time.Duration
	for _, l := range ls {
		for _, r := range l.snapshot() {
			var from, k int
			if _, err := fmt.Sscanf(r.content, "n%d-k%d", &from, &k); err != nil || from == l.node {
				continue
			}
			if at, ok := sentAt.Load(r.content); ok {
				cross = append(cross, r.at.Sub(at.(time.Time)))
			}
		}
	}
	t.Logf("%d sends through %d nodes in %v (%.0f/s); cross-node send→receive p50 %v, p99 %v over %d deliveries",
		nodes*perNode, nodes, elapsed.Round(time.Millisecond), float64(nodes*perNode)/elapsed.Seconds(),
		percentile(cross, 0.50), percentile(cross, 0.99), len(cross))

	// Changes other than sends, made through every node at once on one
	// message, reach every session once each in the one order they were
	// committed in (the chat's change log).
	var target string
	for id, at := range stored {
		if at[1] == 1 && strconv.FormatInt(at[0], 10) == c.channels[0] {
			target = id
		}
	}
	const reactionsPerNode = 60
	for node := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range reactionsPerNode {
				c.kook(node, tokens[node], "/message/add-reaction", map[string]any{"msg_id": target, "emoji": fmt.Sprintf("n%d-%d", node, k)}, nil)
			}
		}()
	}
	wg.Wait()
	waitForReactions(t, ls, nodes*reactionsPerNode, time.Minute)
	var committed []string
	var emoji string
	c.each(`SELECT emoji FROM changes WHERE stream = `+c.channels[0]+` AND emoji <> '' ORDER BY seq`, []any{&emoji}, func() {
		committed = append(committed, emoji)
	})
	if len(committed) != nodes*reactionsPerNode {
		t.Fatalf("%d changes logged, want %d", len(committed), nodes*reactionsPerNode)
	}
	for _, l := range ls {
		l.mu.Lock()
		var got []string
		for _, r := range l.reads {
			got = append(got, r.emoji)
		}
		l.mu.Unlock()
		if !slices.Equal(got, committed) {
			t.Fatalf("node %d session: reactions in the order %v, committed as %v", l.node, got, committed)
		}
	}
}

// TestClusterNodeKill kills a node with SIGKILL while it is taking sends:
// every message it acknowledged is stored, and the sessions on the other
// nodes still get every stored message (those it committed but never
// announced included), once each, in seq order.
func TestClusterNodeKill(t *testing.T) {
	const nodes, channels, senders, reactors = 3, 4, 16, 4
	c := newCluster(t, nodes, channels)
	token := c.createBot("sender").token
	var ls []*listener
	for i := 1; i < nodes; i++ {
		ls = append(ls, c.listen(i, c.createBot(fmt.Sprintf("listener%d", i)).token))
	}

	var mu sync.Mutex
	var acked, reacted []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// Reactors react to the newest acknowledged messages through the dying
	// node: changes other than sends must survive its death as well.
	for s := range reactors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			untilClosed(stop, func(k int) {
				mu.Lock()
				var id string
				if n := len(acked); n > 0 {
					id = acked[n-1-(k%min(n, 8))]
				}
				mu.Unlock()
				if id == "" {
					time.Sleep(10 * time.Millisecond)
					return
				}
				emoji := fmt.Sprintf("r%d-%d", s, k)
				status, _, err := c.try(0, "POST", "/api/v3/message/add-reaction", "Bot "+token,
					map[string]any{"msg_id": id, "emoji": emoji})
				if err == nil && status == 200 {
					mu.Lock()
					reacted = append(reacted, id+" "+emoji)
					mu.Unlock()
				}
			})
		}()
	}
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			untilClosed(stop, func(k int) {
				id, err := c.send(0, token, c.channels[(s+k)%channels], fmt.Sprintf("s%d-k%d", s, k))
				if err != nil {
					return // the node died: unacknowledged, may or may not be stored
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
			})
		}()
	}
	// Under load for a while, then SIGKILL, then the senders stop.
	time.Sleep(1500 * time.Millisecond)
	if err := c.nodes[0].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.nodes[0].exited
	close(stop)
	wg.Wait()
	if len(acked) < 50 {
		t.Fatalf("only %d sends acknowledged before the kill; the load was too light to test anything", len(acked))
	}

	if len(reacted) < 10 {
		t.Fatalf("only %d reactions acknowledged before the kill", len(reacted))
	}

	stored := c.stored()
	for _, id := range acked {
		if _, ok := stored[id]; !ok {
			t.Fatalf("acknowledged message %s is not stored", id)
		}
	}
	reactions := c.storedReactions()
	for _, r := range reacted {
		if !reactions[r] {
			t.Fatalf("acknowledged reaction %q is not stored", r)
		}
	}
	// The survivors notice the silence (3 s) or the quiet chats (1 s) and
	// read what the dead node committed but never announced.
	waitFor(t, ls, len(stored), 30*time.Second)
	checkSessions(t, ls, stored)
	waitForReactions(t, ls, len(reactions), 30*time.Second)
	for _, l := range ls {
		l.mu.Lock()
		got := slices.Clone(l.reads)
		l.mu.Unlock()
		seen := map[string]bool{}
		for _, r := range got {
			key := r.msgID + " " + r.emoji
			if seen[key] || !reactions[key] {
				t.Fatalf("node %d session: reaction %q delivered twice or never stored", l.node, key)
			}
			seen[key] = true
		}
		if len(seen) != len(reactions) {
			t.Fatalf("node %d session: %d reactions delivered, %d stored", l.node, len(seen), len(reactions))
		}
	}
	t.Logf("%d sends and %d reactions acknowledged, %d and %d stored, before the SIGKILL; every stored one reached the sessions of the other nodes",
		len(acked), len(reacted), len(stored), len(reactions))
}

// hookBot puts bot in KOOK webhook mode through node, with a callback
// (plain JSON) that answers the challenge and hands each message event's
// msg_id and content to onMessage.
func (c *cluster) hookBot(node int, botID string, onMessage func(msgID, content string)) {
	c.t.Helper()
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var f struct {
			D struct {
				Challenge string `json:"challenge"`
				Type      int    `json:"type"`
				MsgID     string `json:"msg_id"`
				Content   string `json:"content"`
			} `json:"d"`
		}
		_ = json.NewDecoder(r.Body).Decode(&f)
		switch {
		case f.D.Challenge != "":
			_ = json.NewEncoder(w).Encode(map[string]string{"challenge": f.D.Challenge})
		case f.D.Type != 255:
			onMessage(f.D.MsgID, f.D.Content)
		}
	}))
	c.t.Cleanup(hook.Close)
	c.admin(node, "PATCH", "/users/"+botID, map[string]any{"webhook_url": hook.URL + "/?compress=0", "verify_token": "vt"}, nil)
}

// untilClosed calls fn(0), fn(1), ... until stop is closed.
func untilClosed(stop <-chan struct{}, fn func(k int)) {
	for k := 0; ; k++ {
		select {
		case <-stop:
			return
		default:
		}
		fn(k)
	}
}

// storedReactions reads every reaction as "msg_id emoji" from the database.
func (c *cluster) storedReactions() map[string]bool {
	c.t.Helper()
	out := map[string]bool{}
	var key string
	c.each(`SELECT m.uuid::text || ' ' || r.emoji FROM reactions r JOIN messages m ON m.id = r.message_id`, []any{&key},
		func() { out[key] = true })
	return out
}

// waitForReactions waits until every listener has at least n reaction events.
func waitForReactions(t *testing.T, ls []*listener, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for _, l := range ls {
		for {
			l.mu.Lock()
			have := len(l.reads)
			l.mu.Unlock()
			if have >= n {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("session on node %d has %d of %d reaction events", l.node, have, n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	time.Sleep(300 * time.Millisecond) // a duplicate would arrive meanwhile
}

func execOutput(bin string, args ...string) ([]byte, error) {
	cmd := exec.Command(bin, args...)
	return cmd.CombinedOutput()
}

// A bot switched to webhook mode through one node loses its gateway
// connection on another node at once (the change is an event every node
// hands to its faces), and its events then go to the callback.
func TestClusterWebhookSwitch(t *testing.T) {
	c := newCluster(t, 2, 1)
	bot := c.createBot("switcher")
	l := c.listen(1, bot.token)

	got := make(chan string, 16)
	c.hookBot(0, bot.id, func(_, content string) { got <- content })

	deadline := time.Now().Add(5 * time.Second)
	for {
		l.mu.Lock()
		err := l.err
		l.mu.Unlock()
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the bot's gateway connection on node 1 is still open 5 s after it entered webhook mode on node 0")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := c.send(1, c.owner, c.channels[0], "to the callback"); err != nil {
		t.Fatal(err)
	}
	select {
	case content := <-got:
		if content != "to the callback" {
			t.Fatalf("the callback got %q", content)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the message never reached the callback")
	}
}

// When the node delivering webhooks dies, another takes over, and the
// events of the messages sent meanwhile still reach the callback.
func TestClusterWebhookTakeover(t *testing.T) { webhookAcrossDeath(t, 2) }

// When the only node is SIGKILLed under load and started again, the events
// it had committed but not yet put in a bot's outbox still reach the
// callback.
func TestClusterWebhookCrash(t *testing.T) { webhookAcrossDeath(t, 1) }

func webhookAcrossDeath(t *testing.T, nodes int) {
	c := newCluster(t, nodes, 1)
	leader := -1
	for deadline := time.Now().Add(10 * time.Second); leader < 0; time.Sleep(20 * time.Millisecond) {
		for i, n := range c.nodes {
			if strings.Contains(n.stderr.String(), "lease=kook-webhooks") {
				leader = i
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no node took the kook-webhooks lease")
		}
	}
	other := (leader + 1) % nodes
	bot := c.createBot("hooked")

	var mu sync.Mutex
	got := map[string]int{}
	c.hookBot(other, bot.id, func(msgID, _ string) {
		mu.Lock()
		got[msgID]++
		mu.Unlock()
	})

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for s := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			untilClosed(stop, func(k int) {
				c.send(other, c.owner, c.channels[0], fmt.Sprintf("s%d-%d", s, k)) //nolint:errcheck // all stored ones are checked
			})
		}()
	}
	time.Sleep(time.Second)
	if err := c.nodes[leader].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.nodes[leader].exited
	if nodes > 1 {
		time.Sleep(3 * time.Second) // the senders go on through the other node
	}
	close(stop)
	wg.Wait()
	if nodes == 1 {
		c.nodes[leader] = startServerArgs(t, c.args[leader], "CHATD_ADMIN_TOKEN="+c.token)
	}

	stored := c.stored()
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		var missing []string
		for id := range stored {
			if got[id] == 0 {
				missing = append(missing, id)
			}
		}
		delivered := len(got)
		mu.Unlock()
		if len(missing) == 0 {
			mu.Lock()
			twice := 0
			for _, n := range got {
				if n > 1 {
					twice++
				}
			}
			mu.Unlock()
			t.Logf("%d messages stored, all delivered to the callback across the node's death (%d of them twice)", len(stored), twice)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d stored messages never reached the callback (%d delivered)", len(missing), len(stored), delivered)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
