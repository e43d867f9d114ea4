package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/chatd/chatd/internal/api/admin"
	"github.com/chatd/chatd/internal/api/kook"
	"github.com/chatd/chatd/internal/api/lanying"
	"github.com/chatd/chatd/internal/api/yunhu"
	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/realtime"
	"github.com/chatd/chatd/internal/store/postgres"
	"github.com/chatd/chatd/internal/webhook"
)

// shutdownTimeout bounds how long in-flight requests may finish after a
// stop signal.
const shutdownTimeout = 10 * time.Second

func serve(args []string, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	var sf storeFlags
	sf.register(fs)
	addr := fs.String("addr", envOr("CHATD_ADDR", "127.0.0.1:8080"), "listen address")
	publicURL := fs.String("public-url", envOr("CHATD_PUBLIC_URL", ""), "URL clients reach the server at")
	nodeFlag := fs.String("node", envOr("CHATD_NODE", "0"), "node number 0..1023, unique among the nodes sharing a database")
	busFlag := fs.String("bus", envOr("CHATD_BUS", "local"), "event bus between nodes: local (one node) or nats://HOST:PORT")
	busPrefix := fs.String("bus-prefix", envOr("CHATD_BUS_PREFIX", "chatd"), "NATS subject prefix shared by the nodes of one service")
	resumeFlag := fs.String("resume-window", envOr("CHATD_RESUME_WINDOW", "5m"),
		"how long a gateway session keeps missed events for a resume")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "chatd serve: unexpected argument %q\n", pos[0])
		return errUsage
	}
	node, err := strconv.Atoi(*nodeFlag)
	if err != nil || node < 0 || node > 1023 {
		return fmt.Errorf("--node %q: want an integer 0..1023", *nodeFlag)
	}
	resumeWindow, err := time.ParseDuration(*resumeFlag)
	if err != nil || resumeWindow <= 0 {
		return fmt.Errorf("--resume-window %q: want a positive duration such as 5m", *resumeFlag)
	}
	if *publicURL != "" {
		if u, err := url.Parse(*publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--public-url %q: want an absolute http(s) URL", *publicURL)
		}
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	slog.SetDefault(log)

	store, err := openStore(sf.dbURL())
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("closing the database", "err", err)
		}
	}()
	if pg, ok := store.(*postgres.Store); ok {
		// --node is part of every id: two live nodes with one number on
		// one database could make the same id. The lock dies with the node.
		_, release, err := pg.Leases().TryHold(context.Background(), "node-"+strconv.Itoa(node))
		if errors.Is(err, postgres.ErrHeld) {
			return fmt.Errorf("--node %d: another live node on this database has this number; each node needs its own", node)
		}
		if err != nil {
			return err
		}
		defer release()
	}
	token, err := adminToken(sf.data, stderr)
	if err != nil {
		return fmt.Errorf("operator token: %w", err)
	}
	// Listening before announcing lets --addr :0 work and reports a busy
	// port as an error, not a log line after "started".
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if *publicURL == "" { // the address actually bound, so --addr :0 gives a usable URL
		*publicURL = "http://" + ln.Addr().String()
	}

	metrics := prometheus.NewRegistry()
	metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	bus, closeBus, err := openBus(*busFlag, *busPrefix, strconv.Itoa(node), log)
	if err != nil {
		return err
	}
	defer closeBus()
	hubOpts := realtime.Options{Retention: resumeWindow, Logger: log}
	hookOpts := kook.WebhookOptions{Registerer: metrics, Logger: log}
	lanyingHookOpts := lanying.WebhookOptions{Logger: log}
	if bus != nil {
		// Another node may commit a message and die before its event
		// leaves: the hub looks for such tails in the store.
		hubOpts.TailCheck = time.Second
		if pg, ok := store.(*postgres.Store); ok {
			hookOpts.Leases = pg.Leases()
			lanyingHookOpts.Leases = pg.Leases()
		}
	}
	hub := realtime.NewHub(hubOpts)
	defer hub.Close()
	hooks := kook.NewWebhooks(hookOpts)
	lanyingHooks := lanying.NewWebhooks(lanyingHookOpts)
	yhooks := yunhu.NewWebhooks(webhook.Options{Registerer: metrics, Logger: log, Leases: hookOpts.Leases})
	var svc *chat.Service
	var pub chat.Publisher = hub
	var relay *realtime.Relay
	if bus != nil {
		relay = realtime.NewRelay(hub, bus, func(e chat.Event) { svc.ForgetChanged(e) })
		pub = relay
	}
	// The tap sees each message committed on this node once, for apps'
	// message webhooks.
	pub = lanyingHooks.Tap(pub)
	svc = chat.NewService(store, chat.WithNode(node), chat.WithPublisher(pub),
		chat.WithAppWebhooks(lanyingHooks), chat.WithWebhooks(hooks),
		chat.WithWebhooks(yhooks))
	hub.Bind(svc)
	if relay != nil {
		if err := relay.Start(context.Background()); err != nil {
			return err
		}
		defer relay.Close()
	}

	mux := http.NewServeMux()
	kook.New(svc, kook.WithPublicURL(*publicURL), kook.WithHub(hub), kook.WithLogger(log),
		kook.WithWebhooks(hooks)).Register(mux)
	admin.New(svc, token).Register(mux)
	lanying.New(svc, lanying.WithLogger(log), lanying.WithWebhooks(lanyingHooks)).Register(mux)
	yunhu.New(svc, yunhu.WithLogger(log), yunhu.WithHub(hub), yunhu.WithWebhooks(yhooks)).Register(mux)
	mux.Handle("GET /metrics", promhttp.HandlerFor(metrics, promhttp.HandlerOpts{}))
	// Deferred after the hub's Close, so it runs before it: delivery stops
	// (its outbox stays for the next start), then the hub, then the store.
	defer hooks.Close()
	defer lanyingHooks.Close()
	if err := lanyingHooks.Start(context.Background()); err != nil {
		return err
	}
	defer yhooks.Close()
	if err := hooks.Start(context.Background()); err != nil {
		return err
	}
	if err := yhooks.Start(context.Background()); err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go pruneChanges(ctx, svc, log)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "public_url", *publicURL, "resume_window", resumeWindow, "db", redactURL(sf.dbURL()), "bus", *busFlag, "node", node)

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop() // a second signal kills the process the default way
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// pruneChanges forgets the change log's old entries (chat.ChangeRetention)
// every few minutes until ctx ends. With several nodes each one prunes;
// the deletes are the same and cheap.
func pruneChanges(ctx context.Context, svc *chat.Service, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if err := svc.PruneChanges(ctx); err != nil && ctx.Err() == nil {
			log.Error("pruning the change log", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
