package yunhu_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
	"github.com/chatd/chatd/internal/testenv"

	"google.golang.org/protobuf/proto"
)

// The send benchmarks compare protobuf send-message with KOOK
// message/create on the same SQLite store and channel, 64 concurrent
// senders over kept-alive connections (go test -bench Send -cpu 2):
// b.SetParallelism(32) on 2 CPUs.
func benchSend(b *testing.B, build func(e *testenv.Env, u testenv.User, ch string) func() *http.Request) {
	e := testenv.New(b)
	owner := e.CreateUser("owner", false)
	_, ch := e.CreateGuild("g", owner.ID)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	next := build(e, owner, ch)
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := client.Do(next())
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
}

func BenchmarkSendYunhu(b *testing.B) {
	benchSend(b, func(e *testenv.Env, u testenv.User, ch string) func() *http.Request {
		return func() *http.Request {
			body, _ := proto.Marshal(&yhpb.SendMsgRequest{MsgId: msgID(), ChatId: ch, ChatType: yhpb.ChatType_group,
				ContentType: yhpb.ContentType_text, Content: &yhpb.MsgContent{Text: "hello"}})
			req, _ := http.NewRequest("POST", e.URL+"/v1/msg/send-message", bytes.NewReader(body))
			req.Header.Set("token", u.Token)
			return req
		}
	})
}

func BenchmarkSendKOOK(b *testing.B) {
	benchSend(b, func(e *testenv.Env, u testenv.User, ch string) func() *http.Request {
		body := []byte(`{"target_id":"` + ch + `","content":"hello","type":1}`)
		return func() *http.Request {
			req, _ := http.NewRequest("POST", e.URL+"/api/v3/message/create", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+u.Token)
			req.Header.Set("Content-Type", "application/json")
			return req
		}
	})
}
