package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// bulkFill appends n messages to chatID in one transaction with one
// statement: benchmark setup, far faster than n AppendMessage calls. The
// chat must be empty.
func (s *Store) bulkFill(ctx context.Context, chatID int64, n int, start time.Time) error {
	return s.write(ctx, func(w *writer) error {
		t0 := start.UnixMilli()
		if _, err := w.conn.ExecContext(w.ctx, `
			WITH RECURSIVE seqs(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seqs WHERE x < ?1)
			INSERT INTO messages (id, uuid, chat_id, seq, author_id, type, content, mentions, created_at)
			SELECT ?2 * 10000000 + x, randomblob(16), ?2, x, 1 + x % 7, 9,
			       'benchmark message number ' || x || ', long enough to look like chat text', '{}', ?3 + x
			FROM seqs`, n, chatID, t0); err != nil {
			return err
		}
		_, err := w.exec(`UPDATE chats SET last_seq = ?, last_msg_at = ? WHERE id = ?`, n, t0+int64(n), chatID)
		return err
	})
}

const (
	bigChatID       = 42
	bigChatMessages = 1_000_000
	bigFillFormat   = 1 // bump when bulkFill changes what it writes
)

var bigOnce struct {
	sync.Once
	path string
	err  error
}

// bigChatDB returns the path of a database whose chat bigChatID holds
// bigChatMessages messages. It is built once and cached in the system temp
// directory under a name keyed by schema and fill version, so repeated
// benchmark runs reuse it.
func bigChatDB(b *testing.B) string {
	b.Helper()
	bigOnce.Do(func() {
		path := filepath.Join(os.TempDir(), fmt.Sprintf("chatd-bench-schema%d-fill%d-%d.db",
			schemaVersion(), bigFillFormat, bigChatMessages))
		bigOnce.path = path
		if _, err := os.Stat(path); err == nil {
			return
		}
		tmp := fmt.Sprintf("%s.tmp%d", path, os.Getpid())
		bigOnce.err = buildBigChat(tmp)
		if bigOnce.err == nil {
			bigOnce.err = os.Rename(tmp, path)
		}
		os.Remove(tmp)
	})
	if bigOnce.err != nil {
		b.Fatalf("building the benchmark database: %v", bigOnce.err)
	}
	return bigOnce.path
}

func buildBigChat(path string) error {
	start := time.Now()
	s, err := Open(path)
	if err != nil {
		return err
	}
	ctx := context.Background()
	c := chat.Chat{ID: bigChatID, Kind: chat.ChatGroup, Name: "big", CreatedAt: time.UnixMilli(1_750_000_000_000)}
	if err := s.CreateChat(ctx, c, nil); err != nil {
		s.Close()
		return err
	}
	if err := s.bulkFill(ctx, bigChatID, bigChatMessages, c.CreatedAt); err != nil {
		s.Close()
		return err
	}
	// Closing the last connection checkpoints the WAL into the file.
	if err := s.Close(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "built %s in %v\n", path, time.Since(start).Round(time.Millisecond))
	return nil
}

func TestBulkFill(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	c := chat.Chat{ID: 7, Kind: chat.ChatGroup, Name: "g", CreatedAt: time.UnixMilli(1_750_000_000_000)}
	if err := s.CreateChat(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.bulkFill(ctx, c.ID, 1000, c.CreatedAt); err != nil {
		t.Fatal(err)
	}
	got, err := s.Chat(ctx, c.ID)
	if err != nil || got.LastSeq != 1000 {
		t.Fatalf("Chat after fill: %+v, %v", got, err)
	}
	ms, err := s.ListMessages(ctx, chat.MessageQuery{ChatID: c.ID, Direction: chat.Before, AnchorSeq: 501, Limit: 3})
	if err != nil || len(ms) != 3 || ms[0].Seq != 498 || ms[2].Seq != 500 {
		t.Fatalf("ListMessages after fill: %v, %v", ms, err)
	}
	m, _, err := s.AppendMessage(ctx, chat.Message{ID: 1, UUID: chat.NewUUID(), ChatID: c.ID, AuthorID: 1,
		Type: chat.TypeText, Content: "next", CreatedAt: time.Now()}, nil)
	if err != nil || m.Seq != 1001 {
		t.Fatalf("append after fill: seq %d, %v", m.Seq, err)
	}
}
