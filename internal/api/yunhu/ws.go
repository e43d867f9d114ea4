package yunhu

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/chatd/chatd/internal/chat"
	"github.com/chatd/chatd/internal/realtime"
)

// The push socket: Yunhu's GET /ws (reference/yunhu.md §A.5). The client
// sends JSON frames (login, heartbeat, inputInfo) as text or binary; the
// server sends binary WsWrapper protobuf frames. It is a realtime session
// like KOOK's gateway, so it has the same order and visibility; Yunhu has
// no resume, so the session ends with the socket and a client that comes
// back reads what it missed with list-message-by-seq.

// Timeouts of the push socket. Clients heartbeat every 30 s.
const (
	loginTimeout  = 30 * time.Second
	wsIdleTimeout = 90 * time.Second
	wsWriteTime   = 10 * time.Second
)

// platforms are the login's platform values Yunhu accepts (case matters).
var platforms = map[string]bool{"windows": true, "macos": true, "android": true, "linux": true, "ios": true,
	"fuchsia": true, "Web": true}

var wsUpgrader = websocket.Upgrader{
	ReadBufferSize:  512,
	WriteBufferSize: 1024,
	WriteBufferPool: &sync.Pool{},
	// Clients send no useful Origin; the token in the login frame is the
	// credential.
	CheckOrigin: func(*http.Request) bool { return true },
}

// wsFrame is a client frame.
type wsFrame struct {
	Seq  string          `json:"seq"`
	Cmd  string          `json:"cmd"`
	Data json.RawMessage `json:"data"`
}

type wsLogin struct {
	UserID   string `json:"userId"`
	Token    string `json:"token"`
	Platform string `json:"platform"`
	DeviceID string `json:"deviceId"`
}

// wsConn is one push socket: the handler's goroutine reads the client's
// frames, a writer goroutine writes deliveries; wmu serializes writes.
type wsConn struct {
	a    *API
	ws   *websocket.Conn
	user chat.User
	sess *realtime.Session
	wmu  sync.Mutex
}

func (a *API) serveWS(w http.ResponseWriter, r *http.Request) {
	if a.hub == nil {
		http.Error(w, "the push socket is not enabled on this node", http.StatusServiceUnavailable)
		return
	}
	ws, err := wsUpgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade answered with an HTTP error
	}
	defer ws.Close()
	ws.SetReadLimit(64 << 10)
	c := &wsConn{a: a, ws: ws}
	seq, err := c.login()
	if err != nil {
		c.refuse(seq, err)
		return
	}
	sess, err := a.hub.Open(context.Background(), c.user)
	if err != nil {
		a.log.Error("yunhu push: opening a session failed", "user", c.user.ID, "err", err)
		c.refuse(seq, &loginError{codeInternal, "internal error"})
		return
	}
	c.sess = sess
	defer sess.Close() // no resume: the session ends with the socket
	if c.write(encodeWrapper(seq, "login", statusAny(codeOK, "success"))) != nil {
		return
	}
	done := make(chan struct{})
	defer close(done)
	go c.writeLoop(done)
	c.readLoop()
}

// loginError is a login the server refuses.
type loginError struct {
	code int
	msg  string
}

func (e *loginError) Error() string { return e.msg }

// login reads the first frame, which must be a valid login; it returns
// the frame's seq for the answer.
func (c *wsConn) login() (string, error) {
	_ = c.ws.SetReadDeadline(time.Now().Add(loginTimeout))
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		return "", err
	}
	var f wsFrame
	if json.Unmarshal(data, &f) != nil || f.Cmd != "login" {
		return f.Seq, &loginError{codeInvalid, "数据不合法: the first frame must be a JSON login"}
	}
	var in wsLogin
	if json.Unmarshal(f.Data, &in) != nil {
		return f.Seq, &loginError{codeInvalid, "数据不合法: data must be {userId, token, platform, deviceId}"}
	}
	if !platforms[in.Platform] {
		return f.Seq, &loginError{codeInvalid, "数据不合法: platform must be windows, macos, android, linux, ios, fuchsia or Web"}
	}
	if in.Token == "" {
		return f.Seq, &loginError{codeUnauthorized, "未登录: token required"}
	}
	u, err := c.a.svc.Authenticate(context.Background(), in.Token)
	if err != nil {
		if !errors.Is(err, chat.ErrUnauthenticated) {
			c.a.log.Error("yunhu push: checking a token failed", "err", err)
			return f.Seq, &loginError{codeInternal, "internal error"}
		}
		return f.Seq, &loginError{codeUnauthorized, "未登录: invalid token"}
	}
	if in.UserID != "" && in.UserID != strconv.FormatInt(u.ID, 10) {
		return f.Seq, &loginError{codeUnauthorized, "数据不合法: userId is not the token's user"}
	}
	c.user = u
	return f.Seq, nil
}

// refuse answers a failed login with a login frame carrying the Status,
// then closes the socket with the reason.
func (c *wsConn) refuse(seq string, err error) {
	var le *loginError
	if !errors.As(err, &le) {
		return // the client went away, or sent nothing in time: nothing to answer
	}
	_ = c.write(encodeWrapper(seq, "login", statusAny(le.code, le.msg)))
	reason := "数据不合法"
	if le.code == codeUnauthorized {
		reason = "未登录"
	}
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, reason),
		time.Now().Add(time.Second))
}

func (c *wsConn) write(frame []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(wsWriteTime))
	return c.ws.WriteMessage(websocket.BinaryMessage, frame)
}

// readLoop answers heartbeats until the socket fails or stays silent past
// the idle timeout. Drafts (inputInfo) are accepted and not relayed.
func (c *wsConn) readLoop() {
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(wsIdleTimeout))
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var f wsFrame
		if json.Unmarshal(data, &f) != nil {
			continue
		}
		if f.Cmd == "heartbeat" {
			if c.write(encodeWrapper(f.Seq, "heartbeat_ack", nil)) != nil {
				return
			}
		}
	}
}

// batchSize is how many deliveries the writer takes at a time.
const batchSize = 128

// writeLoop writes the session's deliveries in order until the attachment
// ends (the queue overflowed, or the hub closed) or the reader stops.
func (c *wsConn) writeLoop(done <-chan struct{}) {
	batch := make([]realtime.Delivery, 0, batchSize)
	for {
		select {
		case <-done:
			return
		case <-c.sess.Done():
			c.closeFor(c.sess.Err())
			return
		case <-c.sess.Ready():
		}
		for {
			var err error
			batch, err = c.sess.Take(batch[:0], batchSize)
			for _, d := range batch {
				if f := c.a.pushOf(d.Event).frameFor(c.user.ID); f != nil {
					if werr := c.write(f); werr != nil {
						_ = c.ws.Close()
						return
					}
				}
			}
			n := len(batch)
			clear(batch) // do not keep events alive
			if err != nil {
				c.closeFor(err)
				return
			}
			if n < batchSize {
				break
			}
		}
	}
}

// closeFor closes the socket after the session ended: a client too slow
// to keep up is told to reconnect and catch up through the list endpoints.
func (c *wsConn) closeFor(err error) {
	code, reason := websocket.CloseGoingAway, ""
	if errors.Is(err, realtime.ErrOverflow) {
		code, reason = websocket.CloseTryAgainLater, "too slow: reconnect and list what was missed"
	}
	c.wmu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	c.wmu.Unlock()
	_ = c.ws.Close()
}
