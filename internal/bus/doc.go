// Package bus is the wire side of event fan-out between chatd nodes: the
// encoding of chat.Event that every networked bus sends. The port itself
// is realtime.Bus, defined by the live-event layer that consumes it; its
// backends are bus/local (in-process, the default) and bus/nats, and
// bus/bustest is the behaviour both must show.
package bus
