package main

import (
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/chatd/chatd/internal/store/sqlite"
)

// storeFlags are the flags every command that opens the database shares.
type storeFlags struct {
	data string
	db   string
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.data, "data", envOr("CHATD_DATA", "./chatd-data"), "data directory")
	fs.StringVar(&s.db, "db", os.Getenv("CHATD_DB"), "database URL (sqlite://PATH)")
}

// dbURL is --db, defaulting to a SQLite file in the data directory.
func (s *storeFlags) dbURL() string {
	if s.db != "" {
		return s.db
	}
	return "sqlite://" + filepath.Join(s.data, "chatd.db")
}

// openStore opens the database a URL names, creating its directory.
func openStore(dbURL string) (*sqlite.Store, error) {
	scheme, rest, ok := strings.Cut(dbURL, "://")
	if !ok {
		return nil, fmt.Errorf("--db %q: want a URL such as sqlite://PATH", dbURL)
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
		return nil, fmt.Errorf("--db %q: PostgreSQL is not supported yet; use sqlite://PATH", dbURL)
	}
	return nil, fmt.Errorf("--db %q: unknown database %q; use sqlite://PATH", dbURL, scheme)
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
