package kook

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/chatd/chatd/internal/realtime"
)

// gatewayConn is one gateway socket. One goroutine, the reader, lives as
// long as the socket: it reads the client's signals (gorilla parses the
// frames) and answers them. Deliveries are written by a short-lived writer
// goroutine that the session's Notify starts when some are waiting and
// that ends once they are written, so an idle connection costs one parked
// goroutine. Writes are serialized by wmu. KOOK's signals are framed here
// and many are written to the socket at once, which is what makes fan-out
// cheap; gorilla's own writers are never used.
type gatewayConn struct {
	a        *API
	ws       *websocket.Conn
	nc       net.Conn
	br       *bufio.Reader // what ws reads through
	sess     *realtime.Session
	userID   int64
	compress bool
	// verifyToken is the bot's verify token, which KOOK puts in every d.
	verifyToken string

	// wake counts the calls for a writer since the running one last
	// looked; the call that raises it from 0 starts one.
	wake atomic.Int32

	wmu    sync.Mutex // held while writing; guards closed and sent
	closed bool       // the socket is closed (or closing): nothing more is written
	sent   int64      // newest sn written
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

// batchSize is how many deliveries the writer takes at a time.
const batchSize = 128

var batchPool = sync.Pool{New: func() any { b := make([]realtime.Delivery, 0, batchSize); return &b }}

func newGatewayConn(a *API, ws *websocket.Conn, br *bufio.Reader, compress bool) *gatewayConn {
	return &gatewayConn{a: a, ws: ws, nc: ws.UnderlyingConn(), br: br, compress: compress}
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

// start sends HELLO, then (on a resume) everything missed and RESUME ACK,
// and hands the connection to its reader and to the session's wake-ups.
// It runs on the handler's goroutine, which ends after it. The session
// outlives the socket for the retention window, so the client can resume.
func (c *gatewayConn) start(sess *realtime.Session, resuming bool) {
	c.sess, c.userID = sess, sess.User().ID
	c.wmu.Lock()
	if !c.hello(resuming) {
		c.shut()
	}
	c.wmu.Unlock()
	sess.Notify(c.kick)
	go c.readLoop()
}

// hello writes HELLO and, on a resume, the deliveries missed and RESUME
// ACK; false: the socket failed. wmu is held.
func (c *gatewayConn) hello(resuming bool) bool {
	o := getOut()
	id := c.sess.ID()
	c.appendSignal(o, 1, map[string]any{"code": 0, "session_id": id, "sessionId": id})
	err := c.flush(o)
	putOut(o)
	if err != nil {
		return false
	}
	if !resuming {
		return true
	}
	if c.drain() != nil {
		return false
	}
	return c.sendSignal(6, map[string]any{"session_id": id}) == nil
}

// kick is the session's Notify: deliveries may be waiting, or the
// attachment ended. It starts a writer unless one is running.
func (c *gatewayConn) kick() {
	if c.wake.Add(1) == 1 {
		go c.writeLoop()
	}
}

// writeLoop writes what is waiting and ends; a kick while it runs makes it
// look again. When the attachment has ended it closes the socket, telling
// the client why.
func (c *gatewayConn) writeLoop() {
	for {
		n := c.wake.Load()
		c.wmu.Lock()
		if !c.closed {
			if err := c.drain(); err != nil {
				c.closeFor(err)
				c.shut()
			}
		}
		c.wmu.Unlock()
		if c.wake.Add(-n) == 0 {
			return
		}
	}
}

// shut ends the attachment and closes the socket, once; the reader then
// stops. wmu is held.
func (c *gatewayConn) shut() {
	if c.closed {
		return
	}
	c.closed = true
	c.sess.Detach()
	c.a.gateways.remove(c.userID, c.sess)
	_ = c.nc.Close()
}

// readLoop takes the client's signals, text or binary, until the socket
// fails or stays silent for the idle timeout, and answers them.
func (c *gatewayConn) readLoop() {
	defer func() {
		c.wmu.Lock()
		c.shut()
		c.wmu.Unlock()
		c.a.presence.drop(c.userID)
	}()
	c.ws.SetReadLimit(64 << 10)
	c.ws.SetPingHandler(func(p string) error {
		c.do(ctrlMsg{kind: ctrlWSPing, payload: p})
		return nil
	})
	c.ws.SetCloseHandler(func(int, string) error { return nil })
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(c.a.idleTimeout))
		// An idle connection waits here for the client's next frame
		// rather than deep in gorilla, so that its stack can shrink to
		// the smallest size.
		if c.br != nil && c.br.Buffered() == 0 {
			if _, err := c.br.Peek(1); err != nil {
				return
			}
		}
		if !c.readSignal() {
			return
		}
	}
}

// readSignal reads one frame and answers it; false: the connection is
// over.
func (c *gatewayConn) readSignal() bool {
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		return false
	}
	var f struct {
		S  int    `json:"s"`
		SN *int64 `json:"sn"`
	}
	if json.Unmarshal(data, &f) != nil {
		return true
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
		return true // NACK (s=7) and anything else: nothing to do
	}
	return c.do(m)
}

// do answers one client signal; false: the connection is over.
func (c *gatewayConn) do(m ctrlMsg) bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed {
		return false
	}
	if !c.answer(c.sess, m) {
		c.shut()
		return false
	}
	return true
}

// drain writes every delivery waiting, in batches; it fails once the
// attachment has ended. wmu is held.
func (c *gatewayConn) drain() error {
	bp := batchPool.Get().(*[]realtime.Delivery)
	defer batchPool.Put(bp)
	for {
		batch, err := c.sess.Take((*bp)[:0], batchSize)
		if len(batch) > 0 {
			if werr := c.writeDeliveries(batch); werr != nil {
				err = werr
			}
		}
		n := len(batch)
		clear(batch) // do not keep events alive
		*bp = batch[:0]
		if err != nil || n < batchSize {
			return err
		}
	}
}

func (c *gatewayConn) writeDeliveries(ds []realtime.Delivery) error {
	o := getOut()
	defer putOut(o)
	for _, d := range ds {
		v := c.a.frameOf(d.Event).variant(c.userID)
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
