package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/store/postgres"
	"github.com/chatd/chatd/internal/store/sqlite"
)

// storeFlags are the flags every command that opens the database shares.
type storeFlags struct {
	data string
	db   string
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.data, "data", envOr("CHATD_DATA", "./chatd-data"), "data directory")
	fs.StringVar(&s.db, "db", os.Getenv("CHATD_DB"), "database URL (sqlite://PATH or postgres://...)")
}

// dbURL is --db, defaulting to a SQLite file in the data directory.
func (s *storeFlags) dbURL() string {
	if s.db != "" {
		return s.db
	}
	return "sqlite://" + filepath.Join(s.data, "chatd.db")
}

// store is what the commands need of a database: the port, and migrating
// on demand.
type store interface {
	chat.Store
	Migrate(ctx context.Context) error
}

// openTimeout bounds connecting to a database server and migrating it at
// start.
const openTimeout = time.Minute

// openStore opens the database a URL names: a SQLite file (creating its
// directory) or a PostgreSQL database, whose URL is handed to pgx as is.
func openStore(dbURL string) (store, error) {
	scheme, rest, ok := strings.Cut(dbURL, "://")
	if !ok {
		return nil, fmt.Errorf("--db %q: want a URL such as sqlite://PATH or postgres://HOST/DB", dbURL)
	}
	switch scheme {
	case "sqlite":
		if rest == "" {
			return nil, fmt.Errorf("--db %q: no file path after sqlite://", dbURL)
		}
		if err := os.MkdirAll(filepath.Dir(rest), 0o700); err != nil {
			return nil, err
		}
		st, err := sqlite.Open(rest)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", rest, err)
		}
		return st, nil
	case "postgres", "postgresql":
		ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
		defer cancel()
		st, err := postgres.Open(ctx, dbURL)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", redactURL(dbURL), err)
		}
		return st, nil
	}
	return nil, fmt.Errorf("--db %q: unknown database %q; use sqlite://PATH or postgres://HOST/DB", dbURL, scheme)
}

// redactURL is dbURL without its password, for messages and logs.
func redactURL(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil || u.User == nil {
		return dbURL
	}
	return u.Redacted()
}

const tokenFile = "admin-token"

// adminToken is CHATD_ADMIN_TOKEN, else the token kept in the data
// directory, created on first use. A new token is printed once on stderr:
// it is the only time the operator is shown it.
func adminToken(dataDir string, stderr io.Writer) (string, error) {
	if t := os.Getenv("CHATD_ADMIN_TOKEN"); t != "" {
		return t, nil
	}
	path := filepath.Join(dataDir, tokenFile)
	if t, err := readToken(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return t, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", err
	}
	token := rand.Text()
	// O_EXCL: if another process created the file meanwhile, use its token.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readToken(path)
	}
	if err != nil {
		return "", err
	}
	if _, err := fmt.Fprintln(f, token); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	fmt.Fprintf(stderr, "chatd: created operator token (kept in %s):\n\n    %s\n\n", path, token)
	return token, nil
}

func readToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", fmt.Errorf("%s is empty; delete it to get a new operator token", path)
	}
	return t, nil
}
