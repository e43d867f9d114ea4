package local_test

import (
	"testing"

	"github.com/chatd/chatd/internal/bus/bustest"
	"github.com/chatd/chatd/internal/bus/local"
	"github.com/chatd/chatd/internal/realtime"
)

func TestBus(t *testing.T) {
	bustest.Run(t, func(t *testing.T) bustest.Fabric {
		net := local.New()
		nodes := map[string]*local.Node{}
		return bustest.Fabric{
			Node: func(t *testing.T, name string) realtime.Bus {
				n, err := net.Node(name)
				if err != nil {
					t.Fatal(err)
				}
				nodes[name] = n
				t.Cleanup(func() { n.Close() })
				return n
			},
			Kill: func(t *testing.T, name string) { nodes[name].Close() },
		}
	})
}
