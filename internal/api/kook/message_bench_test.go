package kook_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkMessageCreate sends messages into one channel through the whole
// HTTP stack from 64 concurrent senders, as bots do: POST
// /api/v3/message/create with a nonce. It reports sends per second and the
// 99th percentile latency.
func BenchmarkMessageCreate(b *testing.B) {
	const senders = 64
	w := newMsgWorld(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: senders, MaxIdleConnsPerHost: senders,
		MaxConnsPerHost: senders}}
	defer client.CloseIdleConnections()
	url := w.env.URL + "/api/v3/message/create"
	auth := "Bot " + w.owner.Token

	var (
		mu      sync.Mutex
		latency []time.Duration
		seq     atomic.Int64
	)
	b.SetParallelism(max(1, (senders+runtime.GOMAXPROCS(0)-1)/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 1024)
		for pb.Next() {
			n := seq.Add(1)
			body, _ := json.Marshal(map[string]any{"target_id": w.channel, "content": fmt.Sprintf("bench %d", n),
				"nonce": fmt.Sprintf("nonce-%d", n)})
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("Authorization", auth)
			req.Header.Set("Content-Type", "application/json")
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			local = append(local, time.Since(t0))
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d: %s", resp.StatusCode, raw)
				return
			}
		}
		mu.Lock()
		latency = append(latency, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(latency) == 0 {
		return
	}
	slices.Sort(latency)
	p99 := latency[min(len(latency)-1, len(latency)*99/100)]
	b.ReportMetric(float64(len(latency))/elapsed.Seconds(), "sends/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(latency[len(latency)/2].Microseconds())/1000, "p50-ms")
}
