package lanying_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/chatd/chatd/internal/testenv"
)

// The send benchmarks measure /message/send on the SQLite store over
// kept-alive connections, as stored messages per second: with one target
// (64 concurrent senders into one direct chat: go test -bench Send -cpu 2
// gives b.SetParallelism(32) on 2 CPUs) and with 500 targets (each request
// stores 500 messages in 500 direct chats; 2 concurrent requests).
func benchSend(b *testing.B, targets, parallelism int) {
	env := testenv.New(b)
	status, raw := env.Admin("POST", "/apps", map[string]string{"name": "bench"})
	var a struct {
		ID string `json:"app_id"`
	}
	if status != http.StatusCreated || json.Unmarshal(raw, &a) != nil {
		b.Fatalf("create app: %d %s", status, raw)
	}
	sender := appUser(b, env, a.ID, "sender")
	to := make([]int64, targets)
	for i := range to {
		id, _ := strconv.ParseInt(appUser(b, env, a.ID, "to"+strconv.Itoa(i)).ID, 10, 64)
		to[i] = id
	}
	body, _ := json.Marshal(map[string]any{"type": 1, "targets": to, "content_type": 0, "content": "hello"})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	send := func() error {
		req, _ := http.NewRequest("POST", env.URL+"/message/send", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("app_id", a.ID)
		req.Header.Set("access-token", sender.Token)
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if !bytes.HasPrefix(raw, []byte(`{"code":200`)) {
			b.Errorf("send: %s", raw)
		}
		return nil
	}
	if err := send(); err != nil { // opens the direct chats
		b.Fatal(err)
	}
	b.SetParallelism(parallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := send(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
	b.ReportMetric(float64(b.N*targets)/b.Elapsed().Seconds(), "msgs/s")
}

// appUser creates a user of app through the operator API.
func appUser(b *testing.B, env *testenv.Env, app, name string) testenv.User {
	status, raw := env.Admin("POST", "/users", map[string]any{"username": name, "app_id": app})
	if status != http.StatusCreated {
		b.Fatalf("create user: %d %s", status, raw)
	}
	var u testenv.User
	if err := json.Unmarshal(raw, &u); err != nil {
		b.Fatal(err)
	}
	return u
}

func BenchmarkSend1Target(b *testing.B)    { benchSend(b, 1, 32) }
func BenchmarkSend500Targets(b *testing.B) { benchSend(b, 500, 1) }
