package chat

// ForgetChanged drops what the directory holds about the subject of e, a
// change committed by another node sharing the store, and tells this
// node's faces of a bot's new callback configuration as SetWebhook tells
// them on its own node. A node forgets on its own writes; with several
// nodes, each one hands the events of the others here before acting on
// them. Roles are dropped on every member
// event: a role matters only once a member holds it, and the member event
// that grants it follows the role's creation.
func (s *Service) ForgetChanged(e Event) {
	switch e.Kind {
	case EventChannelUpdated, EventChannelDeleted:
		forget(s.dir, s.dir.chats, e.Chat.ID)
	case EventMemberJoined, EventMemberUpdated, EventMemberLeft:
		forget(s.dir, s.dir.members, [2]int64{e.Chat.GuildID, e.UserID})
		forget(s.dir, s.dir.roles, e.Chat.GuildID)
	case EventGroupMemberJoined, EventGroupMemberLeft:
		forget(s.dir, s.dir.groups, [2]int64{e.Chat.ID, e.UserID})
	case EventWebhookChanged:
		s.webhookChangedElsewhere(e.UserID)
	}
}
