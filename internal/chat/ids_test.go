package chat

import (
	"sync"
	"testing"
)

func TestIDGenUniqueAndIncreasing(t *testing.T) {
	g := NewIDGen(3)
	const workers, each = 8, 5000
	var mu sync.Mutex
	seen := make(map[int64]bool, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := int64(0)
			local := make([]int64, 0, each)
			for range each {
				id := g.Next()
				if id <= last {
					t.Errorf("id %d not above the previous %d of the same goroutine", id, last)
					return
				}
				last = id
				local = append(local, id)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range local {
				if seen[id] {
					t.Errorf("id %d handed out twice", id)
				}
				seen[id] = true
			}
		}()
	}
	wg.Wait()
	if len(seen) != workers*each {
		t.Fatalf("got %d distinct ids, want %d", len(seen), workers*each)
	}
	for id := range seen {
		if id>>12&0x3ff != 3 {
			t.Fatalf("id %d does not carry node 3", id)
		}
		if id <= 1<<53 {
			t.Fatalf("id %d is not above 2^53", id)
		}
		break
	}
}

func TestParseUUID(t *testing.T) {
	u := NewUUID()
	for _, s := range []string{u.String(), u.Hex()} {
		got, err := ParseUUID(s)
		if err != nil || got != u {
			t.Errorf("ParseUUID(%q) = %v, %v; want %v", s, got, err, u)
		}
	}
	if len(u.String()) != 36 || u.String()[14] != '7' {
		t.Errorf("String() = %q, want a dashed version-7 UUID", u.String())
	}
	if later := NewUUID(); later.Hex()[:12] < u.Hex()[:12] {
		t.Errorf("UUID %s made after %s sorts before it", later, u)
	}
	for _, bad := range []string{"", "xyz", u.Hex()[:31], u.String() + "0", "zz" + u.Hex()[2:],
		u.Hex()[:8] + "-" + u.Hex()[8:] /* 33 chars */, "0123456789abcdef0123456789abcdef0123"} {
		if _, err := ParseUUID(bad); err == nil {
			t.Errorf("ParseUUID(%q) accepted a malformed id", bad)
		}
	}
}
