package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/api/kook"
	"github.com/chatd/chatd/internal/chat"
)

// The KOOK history benchmark lives here, not in the kook package, only
// because filling a channel with a million messages needs the store's
// bulk fill; every request still goes through the whole stack: HTTP
// server, the KOOK face, the core's access checks and views, the store.

const (
	bigChannelMessages = 1_000_000
	bigChannelFill     = 1 // bump when buildBigChannel changes what it writes
)

// bigChannel is a cached database holding one guild whose default channel
// has bigChannelMessages messages by the guild's owner, whose token it
// keeps; anchors are message ids spread over the channel.
type bigChannel struct {
	path, token string
	channelID   int64
	anchors     []string
}

var bigChannelOnce struct {
	sync.Once
	ch  bigChannel
	err error
}

func bigChannelDB(b *testing.B) bigChannel {
	b.Helper()
	bigChannelOnce.Do(func() {
		path := filepath.Join(os.TempDir(), fmt.Sprintf("chatd-bench-channel-schema%d-fill%d-%d.db",
			schemaVersion(), bigChannelFill, bigChannelMessages))
		meta := path + ".json"
		if raw, err := os.ReadFile(meta); err == nil {
			if _, err := os.Stat(path); err == nil && json.Unmarshal(raw, &bigChannelOnce.ch) == nil {
				bigChannelOnce.ch.path = path
				return
			}
		}
		tmp := fmt.Sprintf("%s.tmp%d", path, os.Getpid())
		ch, err := buildBigChannel(tmp)
		if err == nil {
			err = os.Rename(tmp, path)
		}
		os.Remove(tmp)
		if err == nil {
			var raw []byte
			raw, err = json.Marshal(ch)
			if err == nil {
				err = os.WriteFile(meta, raw, 0o644)
			}
		}
		ch.path = path
		bigChannelOnce.ch, bigChannelOnce.err = ch, err
	})
	if bigChannelOnce.err != nil {
		b.Fatalf("building the benchmark database: %v", bigChannelOnce.err)
	}
	return bigChannelOnce.ch
}

func (c bigChannel) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"token": c.token, "channel": c.channelID, "anchors": c.anchors})
}

func (c *bigChannel) UnmarshalJSON(raw []byte) error {
	var v struct {
		Token   string   `json:"token"`
		Channel int64    `json:"channel"`
		Anchors []string `json:"anchors"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	c.token, c.channelID, c.anchors = v.Token, v.Channel, v.Anchors
	return nil
}

func buildBigChannel(path string) (bigChannel, error) {
	start := time.Now()
	var ch bigChannel
	s, err := Open(path)
	if err != nil {
		return ch, err
	}
	defer s.Close()
	ctx := context.Background()
	svc := chat.NewService(s)
	owner, token, err := svc.CreateUser(ctx, chat.NewUser{Username: "owner", Bot: true})
	if err != nil {
		return ch, err
	}
	_, channel, err := svc.CreateGuild(ctx, "big", owner.ID)
	if err != nil {
		return ch, err
	}
	ch.token, ch.channelID = token, channel.ID
	if err := s.write(ctx, func(w *writer) error {
		_, err := w.conn.ExecContext(w.ctx, `
			WITH RECURSIVE seqs(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seqs WHERE x < ?1)
			INSERT INTO messages (id, uuid, chat_id, seq, author_id, type, content, mentions, created_at)
			SELECT x, randomblob(16), ?2, x, ?3, 9,
			       'benchmark message number ' || x || ', long enough to look like chat text', '{}', ?4 + x
			FROM seqs`, bigChannelMessages, channel.ID, owner.ID, channel.CreatedAt.UnixMilli())
		if err != nil {
			return err
		}
		_, err = w.exec(`UPDATE chats SET last_seq = ?, last_msg_at = ? WHERE id = ?`,
			bigChannelMessages, channel.CreatedAt.UnixMilli()+bigChannelMessages, channel.ID)
		return err
	}); err != nil {
		return ch, err
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		m, err := oneMessage(s.queryRow(ctx, `SELECT `+msgCols+` FROM messages WHERE chat_id = ? AND seq = ?`,
			channel.ID, 51+rng.Int64N(bigChannelMessages-50)))
		if err != nil {
			return ch, err
		}
		ch.anchors = append(ch.anchors, m.UUID.String())
	}
	fmt.Fprintf(os.Stderr, "built %s in %v\n", path, time.Since(start).Round(time.Millisecond))
	return ch, nil
}

// BenchmarkMessageList reads 50-message pages of a channel of a million
// messages through GET /api/v3/message/list: the newest page, and pages
// before anchors spread over the whole channel. It reports the median and
// 99th percentile latency.
func BenchmarkMessageList(b *testing.B) {
	ch := bigChannelDB(b)
	s, err := Open(ch.path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	mux := http.NewServeMux()
	kook.New(chat.NewService(s)).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := srv.Client()
	base := fmt.Sprintf("%s/api/v3/message/list?target_id=%d&page_size=50", srv.URL, ch.channelID)

	for _, bc := range []struct {
		name   string
		anchor bool
	}{{"newest", false}, {"before", true}} {
		b.Run(bc.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(5, 6))
			latency := make([]time.Duration, 0, 1<<16)
			b.ReportAllocs()
			for b.Loop() {
				url := base
				if bc.anchor {
					url += "&msg_id=" + ch.anchors[rng.IntN(len(ch.anchors))]
				}
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("Authorization", "Bot "+ch.token)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				latency = append(latency, time.Since(t0))
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d: %s (%v)", resp.StatusCode, body, err)
				}
			}
			slices.Sort(latency)
			b.ReportMetric(float64(latency[len(latency)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(latency[min(len(latency)-1, len(latency)*99/100)].Microseconds())/1000, "p99-ms")
		})
	}
}
