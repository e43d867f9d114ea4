package bus

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/chatd/chatd/internal/chat"
)

// Envelope is one event on the wire with the node that published it.
type Envelope struct {
	Origin string
	Event  chat.Event
}

// wireVersion is bumped when a field changes meaning; a node drops
// envelopes of a version it does not know (and says so) rather than
// misread them.
const wireVersion = 1

// The wire structs name every field explicitly, so that renaming a field
// of the core never silently changes what nodes of two versions exchange.
type envelopeJSON struct {
	V      int       `json:"v"`
	Origin string    `json:"o"`
	Kind   int       `json:"k"`
	Chat   chatJSON  `json:"c"`
	Msg    *msgJSON  `json:"m,omitempty"`
	React  *rxJSON   `json:"r,omitempty"`
	Actor  int64     `json:"a,omitempty"`
	User   int64     `json:"u,omitempty"`
	At     time.Time `json:"t"`
	Value  string    `json:"val,omitempty"`
	Change int64     `json:"cs,omitempty"`
	After  int64     `json:"as,omitempty"`
}

type chatJSON struct {
	ID        int64     `json:"id"`
	AppID     int64     `json:"app,omitempty"`
	Kind      int       `json:"kind"`
	GuildID   int64     `json:"guild,omitempty"`
	Name      string    `json:"name,omitempty"`
	Topic     string    `json:"topic,omitempty"`
	Type      int       `json:"type,omitempty"`
	ParentID  int64     `json:"parent,omitempty"`
	Level     int       `json:"level,omitempty"`
	SlowMode  int       `json:"slow,omitempty"`
	CreatorID int64     `json:"creator,omitempty"`
	Code      string    `json:"code,omitempty"`
	Members   [2]int64  `json:"members"`
	LastSeq   int64     `json:"last_seq,omitempty"`
	LastMsgAt time.Time `json:"last_at"`
	CreatedAt time.Time `json:"created"`
}

type msgJSON struct {
	ID           int64         `json:"id"`
	UUID         string        `json:"uuid"`
	ChatID       int64         `json:"chat"`
	Seq          int64         `json:"seq"`
	AuthorID     int64         `json:"author"`
	Type         int           `json:"type"`
	Content      string        `json:"content"`
	Mentions     chat.Mentions `json:"mentions"`
	QuoteID      int64         `json:"quote,omitempty"`
	Nonce        string        `json:"nonce,omitempty"`
	TempTargetID int64         `json:"temp,omitempty"`
	CreatedAt    time.Time     `json:"created"`
	EditedAt     time.Time     `json:"edited"`
	RecalledAt   time.Time     `json:"recalled"`
	Extra        *chat.Extra   `json:"extra,omitempty"` // its JSON names are fixed by its tags
}

type rxJSON struct {
	MessageID int64     `json:"msg"`
	Emoji     string    `json:"emoji"`
	UserID    int64     `json:"user"`
	CreatedAt time.Time `json:"created"`
}

// Encode returns the wire form of an event published by origin.
func Encode(origin string, e chat.Event) ([]byte, error) {
	c := e.Chat
	w := envelopeJSON{V: wireVersion, Origin: origin, Kind: int(e.Kind), Actor: e.ActorID, User: e.UserID, At: e.At,
		Value: e.Value, Change: e.ChangeSeq, After: e.AfterSeq,
		Chat: chatJSON{ID: c.ID, AppID: c.AppID, Kind: int(c.Kind), GuildID: c.GuildID, Name: c.Name, Topic: c.Topic, Type: int(c.Type),
			ParentID: c.ParentID, Level: c.Level, SlowMode: c.SlowMode, CreatorID: c.CreatorID, Code: c.Code,
			Members: c.Members, LastSeq: c.LastSeq, LastMsgAt: c.LastMsgAt, CreatedAt: c.CreatedAt}}
	if m := e.Message; m.ID != 0 || m.Seq != 0 {
		w.Msg = &msgJSON{ID: m.ID, UUID: m.UUID.String(), ChatID: m.ChatID, Seq: m.Seq, AuthorID: m.AuthorID,
			Type: int(m.Type), Content: m.Content, Mentions: m.Mentions, QuoteID: m.QuoteID, Nonce: m.Nonce,
			TempTargetID: m.TempTargetID, CreatedAt: m.CreatedAt, EditedAt: m.EditedAt, RecalledAt: m.RecalledAt}
		if !m.Extra.IsZero() {
			x := m.Extra
			w.Msg.Extra = &x
		}
	}
	if r := e.Reaction; r.MessageID != 0 {
		w.React = &rxJSON{MessageID: r.MessageID, Emoji: r.Emoji, UserID: r.UserID, CreatedAt: r.CreatedAt}
	}
	return json.Marshal(w)
}

// ErrWireVersion is the error of an envelope from a newer chatd.
var ErrWireVersion = errors.New("bus: unknown wire version")

// Decode reads what Encode wrote.
func Decode(b []byte) (Envelope, error) {
	var w envelopeJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return Envelope{}, fmt.Errorf("bus: decode event: %w", err)
	}
	if w.V != wireVersion {
		return Envelope{}, fmt.Errorf("%w %d", ErrWireVersion, w.V)
	}
	c := w.Chat
	e := chat.Event{Kind: chat.EventKind(w.Kind), ActorID: w.Actor, UserID: w.User, At: w.At, Value: w.Value,
		ChangeSeq: w.Change, AfterSeq: w.After,
		Chat: chat.Chat{ID: c.ID, AppID: c.AppID, Kind: chat.ChatKind(c.Kind), GuildID: c.GuildID, Name: c.Name, Topic: c.Topic,
			Type: chat.ChannelType(c.Type), ParentID: c.ParentID, Level: c.Level, SlowMode: c.SlowMode,
			CreatorID: c.CreatorID, Code: c.Code, Members: c.Members, LastSeq: c.LastSeq, LastMsgAt: c.LastMsgAt,
			CreatedAt: c.CreatedAt}}
	if m := w.Msg; m != nil {
		id, err := chat.ParseUUID(m.UUID)
		if err != nil {
			return Envelope{}, fmt.Errorf("bus: decode event: message uuid: %w", err)
		}
		e.Message = chat.Message{ID: m.ID, UUID: id, ChatID: m.ChatID, Seq: m.Seq, AuthorID: m.AuthorID,
			Type: chat.MessageType(m.Type), Content: m.Content, Mentions: m.Mentions, QuoteID: m.QuoteID,
			Nonce: m.Nonce, TempTargetID: m.TempTargetID, CreatedAt: m.CreatedAt, EditedAt: m.EditedAt,
			RecalledAt: m.RecalledAt}
		if m.Extra != nil {
			e.Message.Extra = *m.Extra
		}
	}
	if r := w.React; r != nil {
		e.Reaction = chat.Reaction{MessageID: r.MessageID, Emoji: r.Emoji, UserID: r.UserID, CreatedAt: r.CreatedAt}
	}
	return Envelope{Origin: w.Origin, Event: e}, nil
}
