// Command chatd is the chat server: one binary that serves every API,
// applies migrations, and drives the operator API.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

const usage = `chatd: a chat server speaking the KOOK v3 API (and more).

Usage:
  chatd serve   [flags]      run the server
  chatd migrate [flags]      apply database migrations and exit
  chatd admin   COMMAND ...  call the operator API of a running server
  chatd help                 show this text

serve flags (environment variable in brackets):
  --addr ADDR         listen address [CHATD_ADDR] (default 127.0.0.1:8080)
  --data DIR          data directory [CHATD_DATA] (default ./chatd-data)
  --db URL            database, sqlite://PATH or postgres://USER@HOST/DB [CHATD_DB]
                      (default sqlite://DIR/chatd.db)
  --public-url URL    URL clients reach the server at [CHATD_PUBLIC_URL] (default http://ADDR)
  --node N            node number 0..1023, unique per node sharing a database [CHATD_NODE] (default 0);
                      with --bus nats a second live node of the same number is refused
  --bus URL           event bus between nodes: local (a single node) or nats://HOST:PORT [CHATD_BUS]
                      (default local)
  --bus-prefix P      NATS subject prefix of this service's nodes [CHATD_BUS_PREFIX] (default chatd)
The operator token is CHATD_ADMIN_TOKEN, else DIR/admin-token, created (and
printed once) at the first start.

migrate flags: --data, --db as for serve.

admin commands:
  create-user NAME [--nickname N]
  create-bot NAME [--nickname N]
  create-guild NAME --owner USER_ID
  add-member GUILD_ID USER_ID [--role ROLE_ID ...]
  create-role GUILD_ID NAME --permissions N
  get-user USER_ID
  set-webhook USER_ID --url URL --verify-token T [--encrypt-key K] [--face kook|yunhu]
                      put a bot in webhook mode (chatd sends the challenge
                      first); --url "" returns it to websocket mode; flags
                      left out keep their value; the server is --server
admin flags:
  --url URL           server [CHATD_URL] (default http://127.0.0.1:8080)
  --token TOKEN       operator token [CHATD_ADMIN_TOKEN] (default: read DIR/admin-token)
  --data DIR          data directory to read the token from [CHATD_DATA] (default ./chatd-data)
`

// errUsage marks a command line that could not be understood; the message
// has already been printed.
var errUsage = errors.New("usage")

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "chatd:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return serve(rest, stderr)
	case "migrate":
		return migrate(rest, stderr)
	case "admin":
		return adminCmd(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "chatd: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
}

// envOr is the value of an environment variable, or def when unset or empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// newFlags returns a flag set whose errors go to stderr and are reported
// as errUsage.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("chatd "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintf(stderr, "usage: see 'chatd help'\n") }
	return fs
}

// parseFlags parses args allowing flags after positional arguments
// ("create-user alice --nickname Alice"), and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errUsage
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
