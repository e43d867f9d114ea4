package yunhu

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/chatd/chatd/internal/api/yunhu/yhpb"
	"github.com/chatd/chatd/internal/chat"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// Pushes: the push socket's binary frames for message events. An event is
// rendered and encoded once, whatever the number of sockets it goes to; in
// a direct chat the frame names the receiver (recv_id, chat_id), so it has
// one encoding per member.

// pushTypeURL is the type URL Yunhu's server puts in WsWrapper.data.
const pushTypeURL = "type.googleapis.com/proto.PushMessage"

// pushFrame is one event's encoding, filled on first use.
type pushFrame struct {
	once    sync.Once
	members [2]int64 // a direct chat's members; frames[i] is for members[i]
	frames  [2][]byte
}

// frameFor is the frame a socket of user writes; nil: the event is not
// pushed to Yunhu clients.
func (f *pushFrame) frameFor(user int64) []byte {
	if user == f.members[1] && f.members[1] != 0 {
		return f.frames[1]
	}
	return f.frames[0]
}

// pushCache holds the frames of the latest events: a delivery of an event
// reaches every socket within moments, so a small window suffices, and an
// event that fell out of it is rendered again.
type pushCache struct {
	mu    sync.Mutex
	m     map[*chat.Event]*pushFrame
	order []*chat.Event
	next  int
}

const pushCacheSize = 1024

func (c *pushCache) get(e *chat.Event) *pushFrame {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m, c.order = map[*chat.Event]*pushFrame{}, make([]*chat.Event, pushCacheSize)
	}
	if f, ok := c.m[e]; ok {
		return f
	}
	if old := c.order[c.next]; old != nil {
		delete(c.m, old)
	}
	f := &pushFrame{}
	c.m[e], c.order[c.next] = f, e
	c.next = (c.next + 1) % pushCacheSize
	return f
}

// pushOf returns e's frames, rendering them on first use.
func (a *API) pushOf(e *chat.Event) *pushFrame {
	f := a.pushes.get(e)
	f.once.Do(func() { a.renderPush(f, e) })
	return f
}

// renderTimeout bounds the store reads behind one event's rendering.
const renderTimeout = 5 * time.Second

// renderPush renders the events a Yunhu client is told about: a new
// message (push_message), an edit (edit_message) and a recall (a
// push_message whose delete_timestamp is set, as Yunhu sends it).
func (a *API) renderPush(f *pushFrame, e *chat.Event) {
	var cmd string
	switch e.Kind {
	case chat.EventMessageCreated, chat.EventMessageDeleted:
		cmd = "push_message"
	case chat.EventMessageUpdated:
		cmd = "edit_message"
	default:
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), renderTimeout)
	defer cancel()
	v, err := a.svc.EventView(ctx, *e)
	if err != nil {
		a.log.Warn("yunhu push: rendering an event with what could be read", "msg", e.Message.UUID, "err", err)
	}
	p := pushMessageOf(e, v)
	if e.Chat.Kind != chat.ChatDirect {
		id := strconv.FormatInt(e.Chat.ID, 10)
		p.RecvId, p.ChatId, p.ChatType = id, id, yhpb.ChatType_group
		f.frames[0] = encodePush(cmd, p)
		return
	}
	// In a direct chat chat_id is the other party, recv_id the receiver.
	f.members = e.Chat.Members
	for i, member := range e.Chat.Members {
		peerID := e.Chat.Peer(member)
		peerType := yhpb.ChatType_user
		if peer, err := a.svc.User(ctx, peerID); err == nil && peer.Bot {
			peerType = yhpb.ChatType_bot
		}
		p.RecvId, p.ChatId, p.ChatType = strconv.FormatInt(member, 10), strconv.FormatInt(peerID, 10), peerType
		f.frames[i] = encodePush(cmd, p)
	}
}

// pushMessageOf renders what every receiver of e sees alike.
func pushMessageOf(e *chat.Event, v chat.MessageView) *yhpb.PushMessage {
	m := e.Message
	d := msgData(chat.User{}, chat.MessageView{Message: m, Author: v.Author, Quote: v.Quote})
	p := &yhpb.PushMessage{MsgId: d.MsgId, ContentType: d.ContentType, Content: d.Content, Cmd: d.Cmd,
		QuoteMsgId: d.QuoteMsgId, MsgSeq: d.MsgSeq}
	switch e.Kind {
	case chat.EventMessageUpdated:
		// Yunhu's edit push has no sender or timestamp.
		p.EditTime = d.EditTime
		if p.EditTime == 0 {
			p.EditTime = ms(e.At)
		}
	case chat.EventMessageDeleted:
		p.Sender, p.Timestamp = d.Sender, d.SendTime
		p.DeleteTimestamp = ms(m.RecalledAt)
		if p.DeleteTimestamp == 0 {
			p.DeleteTimestamp = ms(e.At)
		}
		p.Content, p.Cmd, p.QuoteMsgId = &yhpb.MsgContent{}, nil, ""
	default:
		p.Sender, p.Timestamp = d.Sender, d.SendTime
	}
	return p
}

// encodePush encodes one WsWrapper frame.
func encodePush(cmd string, p *yhpb.PushMessage) []byte {
	value, err := proto.Marshal(p)
	if err != nil {
		panic("yunhu: encoding a push: " + err.Error()) // a generated message always encodes
	}
	return encodeWrapper("", cmd, &anypb.Any{TypeUrl: pushTypeURL, Value: value})
}

// encodeWrapper encodes a WsWrapper; data may be nil (an info-only frame).
func encodeWrapper(seq, cmd string, data *anypb.Any) []byte {
	b, err := proto.Marshal(&yhpb.WsWrapper{Info: &yhpb.WsInfo{Seq: seq, Cmd: cmd}, Data: data})
	if err != nil {
		panic("yunhu: encoding a frame: " + err.Error())
	}
	return b
}

// statusAny wraps a Status for a login answer.
func statusAny(code int, msg string) *anypb.Any {
	value, _ := proto.Marshal(&yhpb.Status{Code: int32(code), Msg: msg})
	return &anypb.Any{TypeUrl: "type.googleapis.com/proto.Status", Value: value}
}
