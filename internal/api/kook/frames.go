package kook

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"hash/adler32"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/chatd/chatd/internal/chat"
)

// Frames. An event is rendered and encoded once, whatever the number of
// sessions it goes to: a session only appends its own tail (the bot's
// verify token and the sn) to the shared head. With compress=1 the head is
// deflated once too, sync-flushed so that it ends on a byte boundary; a
// session's frame is that deflated head, its tail as a final stored block,
// and the Adler-32 of the whole, which continues the head's. Every frame is
// still a complete zlib stream that inflates on its own.

// eventFrame is one event's encoding, filled on first use.
type eventFrame struct {
	once sync.Once
	// perMember: d differs by receiver (a direct chat's system events name
	// the receiving user in target_id); v[i] is for members[i].
	perMember bool
	members   [2]int64
	v         [2]frameVariant
}

type frameVariant struct {
	head  []byte // {"s":0,"d":{... ,"verify_token":"
	zonce sync.Once
	zhead []byte // zlib header and head, deflated and sync-flushed
	zsum  uint32 // Adler-32 of head
}

// variant is the encoding for a session of user.
func (f *eventFrame) variant(user int64) *frameVariant {
	if f.perMember && user == f.members[1] {
		return &f.v[1]
	}
	return &f.v[0]
}

func (v *frameVariant) deflated() ([]byte, uint32) {
	v.zonce.Do(func() {
		var buf bytes.Buffer
		zw := zlibWriters.Get().(*zlib.Writer)
		zw.Reset(&buf)
		_, _ = zw.Write(v.head)
		_ = zw.Flush()
		zlibWriters.Put(zw)
		v.zhead, v.zsum = buf.Bytes(), adler32.Checksum(v.head)
	})
	return v.zhead, v.zsum
}

var zlibWriters = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	return w
}}

// encodeHead turns d (which must end with an empty verify_token) into the
// head of an s=0 frame.
func encodeHead(d any) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"s":0,"d":`)
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		panic("kook: encoding an event: " + err.Error()) // only plain structs are encoded
	}
	b := bytes.TrimRight(buf.Bytes(), "\n")
	const end = `"verify_token":""}`
	if !bytes.HasSuffix(b, []byte(end)) {
		panic("kook: an event's d must end with verify_token")
	}
	return b[:len(b)-2] // keep the opening quote of the token
}

// appendTail appends a session's tail: the token, the end of d and the sn.
func appendTail(b []byte, verifyToken string, sn int64) []byte {
	b = appendJSONStringBody(b, verifyToken)
	b = append(b, `"},"sn":`...)
	b = strconv.AppendInt(b, sn, 10)
	return append(b, '}')
}

// appendJSONStringBody appends s escaped for the inside of a JSON string.
func appendJSONStringBody(b []byte, s string) []byte {
	if s == "" {
		return b
	}
	q, _ := json.Marshal(s)
	return append(b, q[1:len(q)-1]...)
}

// WebSocket framing. Server frames are unmasked; the writer batches many
// into one write to the socket.
const (
	opText   = 1
	opBinary = 2
	opClose  = 8
	opPong   = 10
)

func appendFrameHeader(b []byte, op byte, n int) []byte {
	b = append(b, 0x80|op)
	switch {
	case n < 126:
		return append(b, byte(n))
	case n <= 0xffff:
		return append(b, 126, byte(n>>8), byte(n))
	}
	b = append(b, 127)
	return binary.BigEndian.AppendUint64(b, uint64(n))
}

// appendEventFrame appends the WebSocket frame of one delivery.
func appendEventFrame(b []byte, v *frameVariant, compress bool, verifyToken string, sn int64, scratch []byte) ([]byte, []byte) {
	tail := appendTail(scratch[:0], verifyToken, sn)
	if !compress {
		b = appendFrameHeader(b, opText, len(v.head)+len(tail))
		b = append(b, v.head...)
		return append(b, tail...), tail
	}
	zhead, sum := v.deflated()
	b = appendFrameHeader(b, opBinary, len(zhead)+5+len(tail)+4)
	b = append(b, zhead...)
	b = appendStoredFinal(b, tail)
	return binary.BigEndian.AppendUint32(b, adlerUpdate(sum, tail)), tail
}

// appendStoredFinal appends p as a final stored deflate block (p < 64 KiB);
// the stream must be byte-aligned, as a sync flush leaves it.
func appendStoredFinal(b, p []byte) []byte {
	n := uint16(len(p))
	b = append(b, 0x01, byte(n), byte(n>>8), byte(^n), byte(^n>>8))
	return append(b, p...)
}

// adlerUpdate continues an Adler-32 checksum over p.
func adlerUpdate(sum uint32, p []byte) uint32 {
	const mod = 65521
	s1, s2 := sum&0xffff, sum>>16
	for _, c := range p {
		s1 = (s1 + uint32(c)) % mod
		s2 = (s2 + s1) % mod
	}
	return s2<<16 | s1
}

// appendSignalFrame appends a frame that is not an event (HELLO, PONG,
// RECONNECT, RESUME ACK). Compressed, it is a zlib stream of one stored
// block: these frames are tiny, and every client inflates them the same.
func appendSignalFrame(b []byte, payload []byte, compress bool) []byte {
	if !compress {
		b = appendFrameHeader(b, opText, len(payload))
		return append(b, payload...)
	}
	b = appendFrameHeader(b, opBinary, 2+5+len(payload)+4)
	b = append(b, 0x78, 0x01)
	b = appendStoredFinal(b, payload)
	return binary.BigEndian.AppendUint32(b, adler32.Checksum(payload))
}

// frameCache maps events to their encodings. Two generations: when the
// current one fills up it becomes the previous one and the oldest is
// dropped, so memory stays bounded while a burst is being fanned out; an
// event needed again after that (a late resume) is rendered again.
type frameCache struct {
	mu   sync.Mutex
	cur  atomic.Pointer[sync.Map]
	prev atomic.Pointer[sync.Map]
	n    atomic.Int64
}

const frameCacheGeneration = 4096

func (c *frameCache) init() {
	c.cur.Store(new(sync.Map))
	c.prev.Store(new(sync.Map))
}

func (c *frameCache) get(e *chat.Event) *eventFrame {
	cur := c.cur.Load()
	if v, ok := cur.Load(e); ok {
		return v.(*eventFrame)
	}
	if v, ok := c.prev.Load().Load(e); ok {
		v, _ = cur.LoadOrStore(e, v)
		return v.(*eventFrame)
	}
	v, loaded := cur.LoadOrStore(e, &eventFrame{})
	if !loaded && c.n.Add(1) >= frameCacheGeneration {
		c.rotate(cur)
	}
	return v.(*eventFrame)
}

func (c *frameCache) rotate(full *sync.Map) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur.Load() != full {
		return // rotated meanwhile
	}
	c.prev.Store(full)
	c.cur.Store(new(sync.Map))
	c.n.Store(0)
}
