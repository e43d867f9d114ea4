package webhook

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRetry(t *testing.T) {
	waits := []time.Duration{time.Millisecond, time.Millisecond}
	failing := errors.New("answered HTTP 500")
	cases := []struct {
		name       string
		failFirst  int // attempts that fail before one succeeds
		wantErr    error
		wantTries  int
		wantFailed int
	}{
		{"first try", 0, nil, 1, 0},
		{"after two failures", 2, nil, 3, 2},
		{"given up after the last wait", 5, failing, 3, 3},
	}
	for _, c := range cases {
		tries, failed := 0, 0
		err := Retry(context.Background(), waits, func(context.Context) error {
			tries++
			if tries <= c.failFirst {
				return failing
			}
			return nil
		}, func(error) { failed++ })
		if !errors.Is(err, c.wantErr) || tries != c.wantTries || failed != c.wantFailed {
			t.Errorf("%s: err %v, %d tries, %d failures; want %v, %d, %d", c.name, err, tries, failed,
				c.wantErr, c.wantTries, c.wantFailed)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	err := Retry(ctx, []time.Duration{time.Hour}, func(context.Context) error { cancel(); return failing }, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled wait: %v, want context.Canceled", err)
	}
}
