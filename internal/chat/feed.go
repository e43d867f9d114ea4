package chat

import "context"

// The methods below serve the live-event layer, which has no acting user:
// it decides who sees an event through CanView.

// MessagesAfter returns up to limit stored messages of chatID with seq
// greater than after, oldest first, recalled ones included. The live-event
// layer reads it to repair a gap in the seqs it was told about.
func (s *Service) MessagesAfter(ctx context.Context, chatID, after int64, limit int) ([]Message, error) {
	return s.store.ListMessages(ctx, MessageQuery{ChatID: chatID, Direction: After, AnchorSeq: after,
		Limit: limit, WithRecalled: true})
}

// ChatByID returns a chat with its current LastSeq.
func (s *Service) ChatByID(ctx context.Context, id int64) (Chat, error) {
	return s.store.Chat(ctx, id)
}
