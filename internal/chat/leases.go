package chat

import "context"

// Leases give one node at a time a duty that must not run twice, such as
// delivering a webhook bot's outbox, among the nodes sharing a store. A
// store that only one node uses needs none.
type Leases interface {
	// Hold blocks until this node holds the lease called name, or ctx
	// ends. The returned context ends when the lease is lost (the store
	// connection that holds it broke); release gives it up.
	Hold(ctx context.Context, name string) (held context.Context, release func(), err error)
}
