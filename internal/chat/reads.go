package chat

import "context"

// readSeq is how far userID has read chatID on any of its devices.
func (s *Service) readSeq(ctx context.Context, userID, chatID int64) (int64, error) {
	states, err := s.store.ReadStates(ctx, userID, chatID)
	if err != nil {
		return 0, err
	}
	var seq int64
	for _, r := range states {
		seq = max(seq, r.Seq)
	}
	return seq, nil
}

// MarkRead records that actor (on device, "" for none) has read chatID up
// to seq; 0 means up to the newest message. Read state never moves back.
func (s *Service) MarkRead(ctx context.Context, actor User, chatID int64, device string, seq int64) error {
	a, err := s.chatAccess(ctx, actor, chatID)
	if err != nil {
		return err
	}
	if a.chat, err = s.store.Chat(ctx, chatID); err != nil {
		return err
	}
	if seq < 0 || seq > a.chat.LastSeq {
		return invalid("seq", "must be between 0 and %d", a.chat.LastSeq)
	}
	if seq == 0 {
		seq = a.chat.LastSeq
	}
	if seq == 0 {
		return nil
	}
	return s.store.MarkRead(ctx, ReadState{UserID: actor.ID, ChatID: chatID, Device: device, Seq: seq, ReadAt: s.clock()})
}
