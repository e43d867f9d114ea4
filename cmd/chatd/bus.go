package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	natsbus "github.com/chatd/chatd/internal/bus/nats"
	"github.com/chatd/chatd/internal/realtime"
)

// busTimeout bounds connecting to the bus at start.
const busTimeout = 30 * time.Second

// openBus opens the bus a URL names: "" or "local" is the in-process bus
// of a single node (nil: the hub is the core's publisher and nothing
// leaves the process); nats://HOST:PORT connects to NATS as node name,
// under prefix.
func openBus(busURL, prefix, name string, log *slog.Logger) (realtime.Bus, func(), error) {
	if busURL == "" || busURL == "local" {
		return nil, func() {}, nil
	}
	scheme, _, ok := strings.Cut(busURL, "://")
	if !ok || (scheme != "nats" && scheme != "tls") {
		return nil, nil, fmt.Errorf("--bus %q: want local or nats://HOST:PORT", busURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), busTimeout)
	defer cancel()
	b, err := natsbus.Open(ctx, natsbus.Options{URL: busURL, Prefix: prefix, Node: name, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	return b, func() { b.Close() }, nil
}
