package kook

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/realtime"
)

// gatewayConn is one gateway socket. Two goroutines serve it: the reader
// reads the client's signals (gorilla parses the frames) and hands them
// to the writer, the only one that writes. The writer frames KOOK's
// signals itself and writes many to the socket at once, which is what
// makes fan-out cheap; gorilla's own writers are never used, so the two
// cannot interleave.
type gatewayConn struct {
	a        *API
	ws       *websocket.Conn
	nc       net.Conn
	compress bool
	user     chat.User
	// verifyToken is the bot's verify token, which KOOK puts in every d.
	verifyToken string

	ctrl    chan ctrlMsg
	readEnd chan struct{} // closed when the reader stops
	writEnd chan struct{} // closed when the writer stops

	sent int64 // newest sn written; writer only
}

type ctrlKind uint8

const (
	ctrlPing   ctrlKind = iota // KOOK PING (s=2)
	ctrlResume                 // KOOK RESUME on an open connection (s=4)
	ctrlWSPing                 // a WebSocket-level ping
)

type ctrlMsg struct {
	kind    ctrlKind
	sn      int64 // -1: none given
	payload string
}

func newGatewayConn(a *API, ws *websocket.Conn, compress bool) *gatewayConn {
	return &gatewayConn{a: a, ws: ws, nc: ws.UnderlyingConn(), compress: compress}
}

// signal is a frame other than an event.
type signal struct {
	S int `json:"s"`
	D any `json:"d,omitempty"`
}

// out is a batch being written; the buffers are shared between sockets.
type out struct{ b, scratch []byte }

var outPool = sync.Pool{New: func() any { return &out{b: make([]byte, 0, 16<<10), scratch: make([]byte, 0, 64)} }}

func getOut() *out { o := outPool.Get().(*out); o.b = o.b[:0]; return o }

func putOut(o *out) {
	if cap(o.b) <= 256<<10 {
		outPool.Put(o)
	}
}

func (c *gatewayConn) appendSignal(o *out, s int, d any) {
	payload, _ := json.Marshal(signal{S: s, D: d})
	o.b = appendSignalFrame(o.b, payload, c.compress)
}

func (c *gatewayConn) flush(o *out) error {
	if len(o.b) == 0 {
		return nil
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.a.writeTimeout))
	_, err := c.nc.Write(o.b)
	o.b = o.b[:0]
	return err
}

// refuse answers a failed handshake (HELLO with an error code, or
// RECONNECT) and closes the socket.
func (c *gatewayConn) refuse(s int, d any) {
	o := getOut()
	defer putOut(o)
	c.appendSignal(o, s, d)
	c.appendClose(o, websocket.ClosePolicyViolation, "")
	_ = c.flush(o)
	_ = c.nc.Close()
}

func (c *gatewayConn) appendClose(o *out, code int, reason string) {
	o.b = appendFrameHeader(o.b, opClose, 2+len(reason))
	o.b = binary.BigEndian.AppendUint16(o.b, uint16(code))
	o.b = append(o.b, reason...)
}

// start sends HELLO and runs the connection.
func (c *gatewayConn) start(sess *realtime.Session, resuming bool) {
	c.user = sess.User()
	c.ctrl = make(chan ctrlMsg, 4)
	c.readEnd, c.writEnd = make(chan struct{}), make(chan struct{})
	go c.readLoop()
	go c.writeLoop(sess, resuming)
}

// readLoop takes the client's signals, text or binary, until the socket
// fails or stays silent for the idle timeout.
func (c *gatewayConn) readLoop() {
	defer close(c.readEnd)
	c.ws.SetReadLimit(64 << 10)
	c.ws.SetPingHandler(func(p string) error {
		select {
		case c.ctrl <- ctrlMsg{kind: ctrlWSPing, payload: p}:
		default: // a client that floods pings goes without pongs
		}
		return nil
	})
	c.ws.SetCloseHandler(func(int, string) error { return nil })
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(c.a.idleTimeout))
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var f struct {
			S  int    `json:"s"`
			SN *int64 `json:"sn"`
		}
		if json.Unmarshal(data, &f) != nil {
			continue
		}
		m := ctrlMsg{sn: -1}
		if f.SN != nil {
			m.sn = *f.SN
		}
		switch f.S {
		case 2:
			m.kind = ctrlPing
		case 4:
			m.kind = ctrlResume
		default:
			continue // NACK (s=7) and anything else: nothing to do
		}
		select {
		case c.ctrl <- m:
		case <-c.writEnd:
			return
		}
	}
}

// batchSize is how many deliveries the writer takes at a time.
const batchSize = 128

// writeLoop sends HELLO, then (on a resume) everything missed and RESUME
// ACK, then live deliveries and answers to the client's signals, until
// the socket or the attachment ends. The session outlives the socket for
// the retention window, so the client can resume.
func (c *gatewayConn) writeLoop(sess *realtime.Session, resuming bool) {
	defer func() {
		sess.Detach()
		c.a.gateways.remove(c.user.ID, sess)
		_ = c.nc.Close()
		close(c.writEnd)
		<-c.readEnd
		c.a.presence.drop(c.user.ID)
	}()
	o := getOut()
	id := sess.ID()
	c.appendSignal(o, 1, map[string]any{"code": 0, "session_id": id, "sessionId": id})
	err := c.flush(o)
	putOut(o)
	if err != nil {
		return
	}
	var batch []realtime.Delivery
	if resuming {
		if batch, err = c.drain(sess, batch); err != nil {
			return
		}
		if c.sendSignal(6, map[string]any{"session_id": id}) != nil {
			return
		}
	}
	for {
		select {
		case <-sess.Ready():
			if batch, err = c.drain(sess, batch); err != nil {
				c.closeFor(err)
				return
			}
		case m := <-c.ctrl:
			if !c.answer(sess, m) {
				return
			}
		case <-sess.Done():
			c.closeFor(sess.Err())
			return
		case <-c.readEnd:
			return
		}
	}
}

// drain writes every delivery waiting, in batches.
func (c *gatewayConn) drain(sess *realtime.Session, batch []realtime.Delivery) ([]realtime.Delivery, error) {
	for {
		var err error
		batch, err = sess.Take(batch[:0], batchSize)
		if len(batch) > 0 {
			if werr := c.writeDeliveries(batch); werr != nil {
				return batch, werr
			}
		}
		n := len(batch)
		clear(batch) // do not keep events alive
		if err != nil || n < batchSize {
			return batch, err
		}
	}
}

func (c *gatewayConn) writeDeliveries(ds []realtime.Delivery) error {
	o := getOut()
	defer putOut(o)
	for _, d := range ds {
		v := c.a.frameOf(d.Event).variant(c.user.ID)
		o.b, o.scratch = appendEventFrame(o.b, v, c.compress, c.verifyToken, d.SN, o.scratch)
		if d.SN > c.sent {
			c.sent = d.SN
		}
		if len(o.b) >= 64<<10 {
			if err := c.flush(o); err != nil {
				return err
			}
		}
	}
	return c.flush(o)
}

func (c *gatewayConn) sendSignal(s int, d any) error {
	o := getOut()
	defer putOut(o)
	c.appendSignal(o, s, d)
	return c.flush(o)
}

// answer handles one client signal; false ends the connection.
func (c *gatewayConn) answer(sess *realtime.Session, m ctrlMsg) bool {
	switch m.kind {
	case ctrlWSPing:
		o := getOut()
		o.b = appendFrameHeader(o.b, opPong, len(m.payload))
		o.b = append(o.b, m.payload...)
		err := c.flush(o)
		putOut(o)
		return err == nil
	case ctrlPing:
		if c.sendSignal(3, nil) != nil {
			return false
		}
		// A PING behind what was sent: the client lost something, send
		// it again. One ahead is a client counting frames (lonelyevil's
		// SDK does) and is left alone.
		if m.sn < 0 || m.sn >= c.sent {
			return true
		}
		return c.replay(sess, m.sn, false)
	case ctrlResume:
		if m.sn < 0 {
			m.sn = 0
		}
		return c.replay(sess, m.sn, true)
	}
	return true
}

// replay sends the deliveries after sn again (and RESUME ACK when asked),
// or RECONNECT 40108 when they are no longer held.
func (c *gatewayConn) replay(sess *realtime.Session, sn int64, ack bool) bool {
	ds, err := sess.Since(sn)
	if errors.Is(err, realtime.ErrInvalidSN) {
		code, msg := resumeError(err)
		c.refuse(5, map[string]any{"code": code, "err": msg})
		return false
	}
	if len(ds) > 0 {
		err = c.writeDeliveries(ds)
		clear(ds)
		if err != nil {
			return false
		}
	}
	if ack {
		return c.sendSignal(6, map[string]any{"session_id": sess.ID()}) == nil
	}
	return true
}

// closeFor closes the socket after the attachment ended: on overflow the
// client is told to come back (it can resume), otherwise it just goes.
func (c *gatewayConn) closeFor(err error) {
	o := getOut()
	defer putOut(o)
	switch {
	case errors.Is(err, realtime.ErrOverflow):
		c.appendClose(o, websocket.CloseTryAgainLater, "too slow: resume to continue")
	case errors.Is(err, realtime.ErrSuperseded):
		c.appendClose(o, websocket.CloseNormalClosure, "resumed on another connection")
	default:
		c.appendClose(o, websocket.CloseGoingAway, "")
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.nc.Write(o.b)
}
