package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// A database written before send keys moved into messages keeps its live
// keys: a retry after the upgrade still returns the first message.
func TestSendKeysSurviveMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chatd.db")
	db, err := sql.Open("sqlite", dsn(path, nil))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	at := time.UnixMilli(1_750_000_000_000)
	for _, q := range []string{ms[0].SQL,
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
		`INSERT INTO schema_migrations VALUES (1, '0001_init.sql', 0)`,
		`INSERT INTO chats (id, kind, name, last_seq, last_msg_at, created_at) VALUES (7, 2, 'g', 1, 1750000000000, 1750000000000)`,
		`INSERT INTO messages (id, uuid, chat_id, seq, author_id, type, content, created_at)
			VALUES (100, x'00112233445566778899aabbccddeeff', 7, 1, 3, 9, 'first', 1750000000000)`,
		`INSERT INTO send_keys VALUES (7, 3, 'k', 100, 1750000000000, 1750086400000)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	key := &chat.SendKey{Key: "k", Expires: time.Hour}
	retry := chat.Message{ID: 101, UUID: chat.NewUUID(), ChatID: 7, AuthorID: 3, Type: chat.TypeKMarkdown,
		Content: "retry", CreatedAt: at.Add(time.Minute)}
	got, created, err := s.AppendMessage(ctx, retry, key)
	if err != nil || created || got.ID != 100 {
		t.Fatalf("retry after upgrade: id %d, created %v, %v; want 100, false", got.ID, created, err)
	}
	var n int
	if err := s.rdb.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'send_keys'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("send_keys still there (%d, %v)", n, err)
	}
}

// A send that would take over an expired key but fails (its uuid is
// taken) leaves the key with its message and the batch intact.
func TestExpiredKeyRenewalFailure(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	at := time.UnixMilli(1_750_000_000_000)
	c := chat.Chat{ID: 7, Kind: chat.ChatGroup, Name: "g", CreatedAt: at}
	if err := s.CreateChat(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	key := &chat.SendKey{Key: "k", Expires: time.Minute}
	msg := func(id int64, later time.Duration) chat.Message {
		return chat.Message{ID: id, UUID: chat.NewUUID(), ChatID: c.ID, AuthorID: 3, Type: chat.TypeKMarkdown,
			Content: "x", CreatedAt: at.Add(later)}
	}
	first, _, err := s.AppendMessage(ctx, msg(1, 0), key)
	if err != nil {
		t.Fatal(err)
	}
	dup := msg(2, time.Hour)
	dup.UUID = first.UUID
	if _, _, err := s.AppendMessage(ctx, dup, key); !errors.Is(err, chat.ErrConflict) {
		t.Fatalf("renewal with a taken uuid: %v, want ErrConflict", err)
	}
	var holder int64
	if err := s.rdb.QueryRow(`SELECT id FROM messages WHERE send_key = 'k'`).Scan(&holder); err != nil || holder != 1 {
		t.Fatalf("key holder after a failed renewal: %d, %v; want 1", holder, err)
	}
	second, created, err := s.AppendMessage(ctx, msg(3, time.Hour), key)
	if err != nil || !created || second.Seq != 2 {
		t.Fatalf("renewal: seq %d, created %v, %v; want 2, true", second.Seq, created, err)
	}
}
