package chat

import "context"

// ReportButton tells the bot that wrote a message that actor clicked one of
// its buttons with value. The click is an event for that bot only.
func (s *Service) ReportButton(ctx context.Context, actor User, id UUID, value string) error {
	if value == "" || len(value) > MaxButtonValue {
		return invalid("button_value", "between 1 and %d bytes", MaxButtonValue)
	}
	m, a, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return err
	}
	author, err := s.user(ctx, m.AuthorID)
	if err != nil {
		return err
	}
	if !author.Bot {
		return invalid("msg_id", "only a bot's message has buttons to report")
	}
	s.publish(ctx, Event{Kind: EventButtonClicked, Chat: a.chat, Message: m, ActorID: actor.ID, UserID: author.ID,
		Value: value})
	return nil
}
