package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/storetest"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "chatd.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) chat.Store { return openTemp(t) })
}

func TestOpenCreatesDirectoryAndPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "chatd.db")
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	for _, tc := range []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	} {
		var got string
		err := s.write(ctx, func(w *writer) error {
			return w.conn.QueryRowContext(w.ctx, "PRAGMA "+tc.pragma).Scan(&got)
		})
		if err != nil || got != tc.want {
			t.Errorf("writer PRAGMA %s = %q (err %v), want %q", tc.pragma, got, err, tc.want)
		}
	}
	var qo string
	if err := s.rdb.QueryRowContext(ctx, "PRAGMA query_only").Scan(&qo); err != nil || qo != "1" {
		t.Errorf("reader PRAGMA query_only = %q (err %v), want 1", qo, err)
	}
	if _, err := s.rdb.ExecContext(ctx, "DELETE FROM users"); err == nil {
		t.Errorf("a reader connection could write")
	}
}

func TestMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chatd.db")
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	versions := func(s *Store) []int {
		rows, err := s.rdb.QueryContext(ctx, "SELECT version FROM schema_migrations ORDER BY version")
		if err != nil {
			t.Fatalf("schema_migrations: %v", err)
		}
		defer rows.Close()
		var vs []int
		for rows.Next() {
			var v int
			rows.Scan(&v)
			vs = append(vs, v)
		}
		return vs
	}
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		t.Fatalf("migrations: %v, %d", err, len(ms))
	}
	var want []int
	for _, m := range ms {
		want = append(want, m.Version)
	}
	if got := versions(s); !equalInts(got, want) {
		t.Errorf("applied versions %v, want %v", got, want)
	}
	s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if got := versions(s); !equalInts(got, want) {
		t.Errorf("after reopen, applied versions %v, want %v", got, want)
	}
	if schemaVersion() != want[len(want)-1] {
		t.Errorf("schemaVersion() = %d, want %d", schemaVersion(), want[len(want)-1])
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The request paths must search indexes, never scan a table.
func TestQueryPlansUseIndexes(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	for _, tc := range []struct {
		name  string
		query string
		args  []any
		want  string // a fragment the plan must hold
	}{
		{"latest", sqlListLatest, []any{1, false, 50, 0, 0, 0}, "messages USING INDEX messages_chat_seq (chat_id=?)"},
		{"before", sqlListBefore, []any{1, false, 50, 100, 0, 0}, "messages USING INDEX messages_chat_seq (chat_id=? AND seq<?)"},
		{"after", sqlListAfter, []any{1, false, 50, 100, 0, 0}, "messages USING INDEX messages_chat_seq (chat_id=? AND seq>?)"},
		{"latest with recalled", sqlListLatest, []any{1, true, 50, 0, 0, 0}, "messages USING INDEX messages_chat_seq (chat_id=?)"},
		{"before, hidden for a user", sqlListBefore, []any{1, false, 50, 100, 7, 2}, "SEARCH h USING PRIMARY KEY (user_id=? AND message_id=?)"},
		{"message by uuid", `SELECT ` + msgCols + ` FROM messages WHERE uuid = ?`, []any{[]byte("0123456789abcdef")}, "USING INDEX"},
		{"messages by id", `SELECT ` + msgCols + ` FROM messages WHERE id IN (SELECT value FROM json_each(?))`, []any{"[1,2]"}, "INTEGER PRIMARY KEY"},
		{"unread", `SELECT COUNT(*) FROM messages WHERE chat_id = ? AND seq > ? AND author_id <> ? AND recalled_at = 0`,
			[]any{1, 5, 1}, "messages_chat_seq (chat_id=? AND seq>?)"},
		{"key lookup", sqlKeyHolder, []any{1, 1, "k"}, "USING INDEX messages_send_key (chat_id=? AND author_id=? AND send_key=?)"},
		{"reaction counts", `SELECT message_id, emoji, COUNT(*), MAX(user_id = ?2), MIN(created_at) AS first_at, MIN(id) AS first_id
		FROM reactions WHERE message_id IN (SELECT value FROM json_each(?1))
		GROUP BY message_id, emoji ORDER BY message_id, first_at, first_id`, []any{"[1]", 1}, "USING INDEX"},
		{"direct chats", `SELECT COUNT(*) ` + directListWhere, []any{1}, "MULTI-INDEX OR"},
		{"changes after", sqlChangesAfter, []any{1, 5, 100}, "changes USING PRIMARY KEY (stream=? AND seq>?)"},
		{"last change before", sqlLastChangeBefore, []any{1, 5}, "changes USING PRIMARY KEY (stream=?)"},
		{"chats with messages from", sqlChatsWithMessagesFrom, []any{1 << 40}, "INTEGER PRIMARY KEY (rowid>?)"},
		{"streams changed since", sqlStreamsChangedSince, []any{5}, "changes USING COVERING INDEX changes_by_at (at>?)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := s.rdb.Query("EXPLAIN QUERY PLAN "+tc.query, tc.args...)
			if err != nil {
				t.Fatalf("EXPLAIN: %v", err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, notused int
				var detail string
				if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			all := strings.Join(plan, "\n")
			if !strings.Contains(all, tc.want) {
				t.Errorf("plan does not use the index (%q):\n%s", tc.want, all)
			}
			ctes := map[string]bool{} // a scan of a materialized range is no table scan
			for _, line := range plan {
				if name, ok := strings.CutPrefix(line, "MATERIALIZE "); ok {
					ctes[name] = true
				}
			}
			for _, line := range plan {
				if strings.HasPrefix(line, "SCAN ") && !strings.Contains(line, "json_each") && !ctes[strings.TrimPrefix(line, "SCAN ")] {
					t.Errorf("plan scans a table:\n%s", all)
				}
			}
		})
	}
}

// Every acknowledged write survives Close and reopen; Close waits for the
// writes already queued.
func TestAckedWritesSurviveClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chatd.db")
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	ctx := context.Background()
	ids := chat.NewIDGen(2)
	c := chat.Chat{ID: ids.Next(), Kind: chat.ChatGroup, Name: "g", CreatedAt: time.Now()}
	if err := s.CreateChat(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	acked := map[int64]int64{} // id -> seq
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 32 {
		wg.Go(func() {
			<-start
			for {
				m := chat.Message{ID: ids.Next(), UUID: chat.NewUUID(), ChatID: c.ID, AuthorID: 1, Type: chat.TypeText,
					Content: "x", CreatedAt: time.Now()}
				stored, _, err := s.AppendMessage(ctx, m, nil)
				if err != nil {
					return // closed
				}
				mu.Lock()
				acked[stored.ID] = stored.Seq
				mu.Unlock()
			}
		})
	}
	close(start)
	time.Sleep(100 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	if _, _, err := s.AppendMessage(ctx, chat.Message{ID: ids.Next(), ChatID: c.ID}, nil); err != ErrClosed {
		t.Errorf("AppendMessage after Close: err %v, want ErrClosed", err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	got, err := s.Chat(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.LastSeq != int64(len(acked)) {
		t.Errorf("LastSeq %d after reopen, %d appends acked", got.LastSeq, len(acked))
	}
	for id, seq := range acked {
		m, err := s.Message(ctx, id)
		if err != nil || m.Seq != seq {
			t.Fatalf("acked message %d (seq %d): %v, seq %d", id, seq, err, m.Seq)
		}
	}
	t.Logf("%d appends acked before Close", len(acked))
}

// Concurrent writes share commits.
func TestGroupCommit(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	ids := chat.NewIDGen(3)
	c := chat.Chat{ID: ids.Next(), Kind: chat.ChatGroup, Name: "g", CreatedAt: time.Now()}
	if err := s.CreateChat(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	before := s.w.stats()
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for range 20 {
				m := chat.Message{ID: ids.Next(), UUID: chat.NewUUID(), ChatID: c.ID, AuthorID: 1, Type: chat.TypeText,
					Content: "x", CreatedAt: time.Now()}
				if _, _, err := s.AppendMessage(ctx, m, nil); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	after := s.w.stats()
	ops, batches := after.ops-before.ops, after.batches-before.batches
	if ops != 64*20 {
		t.Errorf("%d ops ran, want %d", ops, 64*20)
	}
	if batches*4 > ops {
		t.Errorf("%d ops took %d commits: not batched", ops, batches)
	}
	t.Logf("%d ops in %d commits", ops, batches)
}

// A write whose caller gave up while it was queued never runs.
func TestAbandonedWriteDoesNotRun(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	// Hold the writer so the next op stays queued.
	release := make(chan struct{})
	held := make(chan struct{})
	go s.write(ctx, func(w *writer) error { close(held); <-release; return nil })
	<-held
	qctx, cancel := context.WithCancel(ctx)
	ran := false
	done := make(chan error)
	go func() { done <- s.write(qctx, func(w *writer) error { ran = true; return nil }) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("write: err %v, want context.Canceled", err)
	}
	close(release)
	if err := s.write(ctx, func(w *writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Errorf("the abandoned write ran")
	}
}

// queueInOrder runs calls as one batch, in order: it holds the writer
// with a blocking op, queues each call (waiting until it is queued before
// the next), then lets the writer go.
func queueInOrder(t *testing.T, s *Store, calls ...func()) {
	t.Helper()
	release, held := make(chan struct{}, 1), make(chan struct{})
	go s.write(context.Background(), func(w *writer) error { close(held); <-release; return nil })
	<-held
	defer close(release)
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Go(call)
		deadline := time.Now().Add(5 * time.Second)
		for len(s.ops) < i+1 {
			if time.Now().After(deadline) {
				t.Fatalf("call %d was not queued", i)
			}
			time.Sleep(time.Millisecond)
		}
	}
	release <- struct{}{}
	wg.Wait()
}

// Ops later in a batch see the seqs of appends earlier in it, though
// chats.last_seq is only written at the end of the batch.
func TestBatchSeesItsOwnAppends(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	ids := chat.NewIDGen(4)
	alice := chat.User{ID: ids.Next(), Username: "alice", CreatedAt: time.Now()}
	bob := chat.User{ID: ids.Next(), Username: "bob", CreatedAt: time.Now()}
	for _, u := range []chat.User{alice, bob} {
		if err := s.CreateUser(ctx, u, []byte(u.Username)); err != nil {
			t.Fatal(err)
		}
	}
	proposal := func() chat.Chat {
		return chat.Chat{ID: ids.Next(), Kind: chat.ChatDirect, Code: chat.NewUUID().Hex(), Members: [2]int64{alice.ID, bob.ID},
			CreatedAt: time.Now()}
	}
	dc, err := s.OpenDirectChat(ctx, proposal())
	if err != nil {
		t.Fatal(err)
	}
	msg := func(content string) chat.Message {
		return chat.Message{ID: ids.Next(), UUID: chat.NewUUID(), ChatID: dc.ID, AuthorID: bob.ID, Type: chat.TypeText,
			Content: content, CreatedAt: time.Now()}
	}
	zero, _, err := s.AppendMessage(ctx, msg("zero"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var reopened chat.Chat
	var seqs [3]int64
	errs := make([]error, 6)
	queueInOrder(t, s,
		func() { m, _, err := s.AppendMessage(ctx, msg("one"), nil); seqs[0], errs[0] = m.Seq, err },
		func() { m, _, err := s.AppendMessage(ctx, msg("two"), nil); seqs[1], errs[1] = m.Seq, err },
		func() { errs[2] = s.HideDirectChat(ctx, alice.ID, dc.ID) },
		func() {
			// Fails (taken uuid): must not disturb the seqs around it.
			m := msg("dup")
			m.UUID = zero.UUID
			_, _, errs[3] = s.AppendMessage(ctx, m, nil)
		},
		func() {
			// What a concurrent first open that lost the race runs.
			errs[4] = s.writeSingle(ctx, func(w *writer) (err error) {
				reopened, err = openDirect(w, proposal())
				return err
			})
		},
		func() { m, _, err := s.AppendMessage(ctx, msg("three"), nil); seqs[2], errs[5] = m.Seq, err },
	)
	for i, err := range errs {
		if i != 3 && err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if errs[3] == nil {
		t.Errorf("append with a taken uuid succeeded")
	}
	if seqs != [3]int64{2, 3, 4} {
		t.Errorf("seqs %v, want 2 3 4", seqs)
	}
	if reopened.ID != dc.ID || reopened.LastSeq != 3 {
		t.Errorf("OpenDirectChat inside the batch: id %d, LastSeq %d; want %d, 3", reopened.ID, reopened.LastSeq, dc.ID)
	}
	// Hidden at seq 3; message 4 (same batch, after the hide) shows it again.
	var hiddenSeq int64
	if err := s.rdb.QueryRow(`SELECT hidden_seq FROM direct_hidden WHERE chat_id = ? AND user_id = ?`, dc.ID, alice.ID).Scan(&hiddenSeq); err != nil || hiddenSeq != 3 {
		t.Errorf("hidden_seq %d (%v), want 3", hiddenSeq, err)
	}
	got, err := s.Chat(ctx, dc.ID)
	if err != nil || got.LastSeq != 4 {
		t.Errorf("Chat after the batch: LastSeq %d (%v), want 4", got.LastSeq, err)
	}
}

// Two stores on one file (another process, say) keep seqs gapless: each
// notices the other's commits and rereads what it cached.
func TestTwoWritersOnOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chatd.db")
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	ids := chat.NewIDGen(5)
	c := chat.Chat{ID: ids.Next(), Kind: chat.ChatGroup, Name: "g", CreatedAt: time.Now()}
	if err := a.CreateChat(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	var got []int64
	for i := range 20 {
		s := a
		if i%3 == 1 {
			s = b
		}
		m, _, err := s.AppendMessage(ctx, chat.Message{ID: ids.Next(), UUID: chat.NewUUID(), ChatID: c.ID, AuthorID: 1,
			Type: chat.TypeText, Content: "x", CreatedAt: time.Now()}, nil)
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		got = append(got, m.Seq)
	}
	for i, seq := range got {
		if seq != int64(i+1) {
			t.Fatalf("seqs %v, want 1..20", got)
		}
	}
}
