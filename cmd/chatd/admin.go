package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// adminCmd runs "chatd admin COMMAND ARGS [flags]": one call to the
// operator API of a running server, whose JSON answer it prints.
func adminCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "chatd admin: want a command first, e.g. chatd admin create-user NAME; see 'chatd help'")
		return errUsage
	}
	name := args[0]
	fs := newFlags("admin "+name, stderr)
	// set-webhook's --url is the callback URL; its server is --server.
	serverFlag := "url"
	if name == "set-webhook" {
		serverFlag = "server"
	}
	server := fs.String(serverFlag, envOr("CHATD_URL", "http://127.0.0.1:8080"), "server URL")
	token := fs.String("token", os.Getenv("CHATD_ADMIN_TOKEN"), "operator token")
	data := fs.String("data", envOr("CHATD_DATA", "./chatd-data"), "data directory holding admin-token")

	// Each command's own flags, and the names of its positional arguments.
	var (
		nickname, owner string
		roles           intList
		perms           uint64
		want            []string
	)
	switch name {
	case "create-user", "create-bot":
		fs.StringVar(&nickname, "nickname", "", "display name")
		want = []string{"NAME"}
	case "create-guild":
		fs.StringVar(&owner, "owner", "", "owner's user id")
		want = []string{"NAME"}
	case "add-member":
		fs.Var(&roles, "role", "role id to hold (repeatable)")
		want = []string{"GUILD_ID", "USER_ID"}
	case "create-role":
		fs.Uint64Var(&perms, "permissions", 0, "permission bits")
		want = []string{"GUILD_ID", "NAME"}
	case "get-user":
		want = []string{"USER_ID"}
	case "set-webhook":
		fs.String("url", "", "callback URL (empty: back to websocket mode)")
		fs.String("verify-token", "", "verify token put in every event")
		fs.String("encrypt-key", "", "AES key, at most 32 bytes (empty: no encryption)")
		fs.String("face", "", "format of the events: kook (the default) or yunhu")
		want = []string{"USER_ID"}
	default:
		fmt.Fprintf(stderr, "chatd admin: unknown command %q; see 'chatd help'\n", name)
		return errUsage
	}
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != len(want) {
		fmt.Fprintf(stderr, "usage: chatd admin %s %s [flags]\n", name, strings.Join(want, " "))
		return errUsage
	}

	var (
		method = "POST"
		path   string
		body   any
	)
	switch name {
	case "create-user", "create-bot":
		path = "/users"
		body = map[string]any{"username": pos[0], "nickname": nickname, "bot": name == "create-bot"}
	case "create-guild":
		if owner == "" {
			fmt.Fprintln(stderr, "chatd admin: create-guild needs --owner USER_ID")
			return errUsage
		}
		path = "/guilds"
		body = map[string]any{"name": pos[0], "owner_id": owner}
	case "add-member":
		path = "/guilds/" + url.PathEscape(pos[0]) + "/members"
		body = map[string]any{"user_id": pos[1], "roles": []int(roles)}
	case "create-role":
		path = "/guilds/" + url.PathEscape(pos[0]) + "/roles"
		body = map[string]any{"name": pos[1], "permissions": perms}
	case "get-user":
		method, path = "GET", "/users/"+url.PathEscape(pos[0])
	case "set-webhook":
		// Only the flags given are sent: the others keep their value.
		fields := map[string]any{}
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "url":
				fields["webhook_url"] = f.Value.String()
			case "verify-token":
				fields["verify_token"] = f.Value.String()
			case "encrypt-key":
				fields["encrypt_key"] = f.Value.String()
			case "face":
				fields["face"] = f.Value.String()
			}
		})
		if len(fields) == 0 {
			fmt.Fprintln(stderr, "chatd admin: set-webhook needs --url, --verify-token, --encrypt-key or --face")
			return errUsage
		}
		method, path, body = "PATCH", "/users/"+url.PathEscape(pos[0]), fields
	}

	if *token == "" {
		if *token, err = readToken(filepath.Join(*data, tokenFile)); err != nil {
			return fmt.Errorf("no operator token: set CHATD_ADMIN_TOKEN or --token, or --data to the server's data directory: %w", err)
		}
	}
	return callAdmin(*server, *token, method, path, body, stdout)
}

// callAdmin sends one operator request and prints the JSON answer; an
// error answer is printed too, and fails the command.
func callAdmin(server, token, method, path string, body any, stdout io.Writer) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, strings.TrimRight(server, "/")+"/api/admin/v1"+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, raw, "", "  ") != nil {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(raw))
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(raw))
	}
	pretty.WriteByte('\n')
	_, err = pretty.WriteTo(stdout)
	return err
}

// intList collects a repeated integer flag (--role 1 --role 2).
type intList []int

func (l *intList) String() string { return fmt.Sprint([]int(*l)) }
func (l *intList) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("not an integer: %q", s)
	}
	*l = append(*l, n)
	return nil
}
