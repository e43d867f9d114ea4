package chat

import (
	"context"
	"time"
)

// EventKind names a change that subscribers are told about.
type EventKind int

const (
	EventMessageCreated EventKind = iota + 1
	EventMessageUpdated
	EventMessageDeleted
	EventReactionAdded
	EventReactionRemoved
	EventMessagePinned
	EventMessageUnpinned
	EventChannelCreated
	EventChannelUpdated
	EventChannelDeleted
	EventMemberJoined
	// EventMemberUpdated: a member's roles or nickname changed (Chat has
	// only GuildID set). Whoever caches access must drop it.
	EventMemberUpdated
	// EventMemberLeft: UserID left or was removed from the guild (Chat has
	// only GuildID set). The user sees nothing of the guild from now on.
	EventMemberLeft
	// EventButtonClicked: ActorID clicked a button of Message, a bot's
	// message; the event goes to that bot (UserID) only, with Value.
	EventButtonClicked
	// EventGroupMemberJoined: UserID joined group Chat (ActorID added it).
	EventGroupMemberJoined
	// EventGroupMemberLeft: UserID left group Chat, or was removed by
	// ActorID. The group's members are told, and the one who left.
	EventGroupMemberLeft
	// EventWebhookChanged: bot UserID's callback configuration changed.
	// No session receives it (Chat is empty); other nodes hand it to their
	// faces through ForgetChanged, as SetWebhook does on its own node.
	EventWebhookChanged
)

// Event describes one committed change. It is published only after the
// change is durable.
type Event struct {
	Kind     EventKind
	Chat     Chat
	Message  Message // message events
	Reaction Reaction
	ActorID  int64
	UserID   int64     // member events; the one reader of a temporary message
	At       time.Time // when the change was committed
	Value    string    // a clicked button's value
	// ChangeSeq is the event's place in its Stream when the store logged
	// it (every committed change but a message's creation; 0: not logged,
	// as a button click or a temporary edit), and AfterSeq the chat's last
	// message seq then (see Change).
	ChangeSeq, AfterSeq int64
}

// Publisher receives every event the Service produces, after its change is
// committed. Concurrent sends to one chat commit together and may be
// published in any order: message events carry their seq, and the
// live-event layer puts them in order. The default drops events.
type Publisher interface {
	Publish(ctx context.Context, e Event)
}

type discardPublisher struct{}

func (discardPublisher) Publish(context.Context, Event) {}
