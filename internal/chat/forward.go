package chat

import "context"

// MaxForwardTargets bounds the chats one message is forwarded to at once.
const MaxForwardTargets = 50

// ForwardMessage copies a message actor can see into each of chatIDs
// (chats actor may send to) and returns the copies. Each copy is actor's
// message, of the same type, content and extra, and notes its origin in
// Extra.ForwardOf and Extra.ForwardChatID. Every target is checked before
// anything is sent.
func (s *Service) ForwardMessage(ctx context.Context, actor User, id UUID, chatIDs []int64) ([]Message, error) {
	if len(chatIDs) == 0 || len(chatIDs) > MaxForwardTargets {
		return nil, invalid("receive", "between 1 and %d chats", MaxForwardTargets)
	}
	src, _, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if !sendableTypes[src.Type] {
		return nil, invalid("msg_id", "messages of type %d cannot be forwarded", src.Type)
	}
	targets := make([]chatAcc, 0, len(chatIDs))
	for _, cid := range chatIDs {
		a, err := s.chatAccess(ctx, actor, cid)
		if err != nil {
			return nil, err
		}
		if a.chat.IsCategory() {
			return nil, invalid("receive", "a category holds no messages")
		}
		if err := a.require(PermSendMessages, "sending messages"); err != nil {
			return nil, err
		}
		targets = append(targets, a)
	}
	extra := src.Extra
	extra.ForwardOf, extra.ForwardChatID, extra.CommandID = src.UUID.Hex(), src.ChatID, 0
	if src.Extra.ForwardOf != "" { // a copy of a copy names the original
		extra.ForwardOf, extra.ForwardChatID = src.Extra.ForwardOf, src.Extra.ForwardChatID
	}
	out := make([]Message, 0, len(targets))
	for _, a := range targets {
		m := Message{ID: s.ids.Next(), UUID: NewUUID(), ChatID: a.chat.ID, AuthorID: actor.ID, Type: src.Type,
			Content: src.Content, Extra: extra, CreatedAt: s.clock()}
		stored, err := s.append(ctx, actor, a.chat, m, nil)
		if err != nil {
			return out, err
		}
		out = append(out, stored)
	}
	return out, nil
}
