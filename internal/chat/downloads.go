package chat

import (
	"context"
	"unicode/utf8"
)

// mediaTypes are the message types that carry a downloadable file.
var mediaTypes = map[MessageType]bool{TypeImage: true, TypeVideo: true, TypeFile: true, TypeAudio: true}

// RecordDownload records that actor downloaded the file of a message it can
// see, to path on its device.
func (s *Service) RecordDownload(ctx context.Context, actor User, id UUID, path string) error {
	if utf8.RuneCountInString(path) > 1000 {
		return invalid("downloadPath", "at most 1000 characters")
	}
	m, _, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return err
	}
	if !mediaTypes[m.Type] {
		return invalid("msgId", "not a file message")
	}
	return s.store.RecordDownload(ctx, FileDownload{MessageID: m.ID, UserID: actor.ID, Path: path, At: s.clock()})
}

// FileDownloads lists who downloaded the file of actor's own message.
func (s *Service) FileDownloads(ctx context.Context, actor User, id UUID) ([]FileDownload, error) {
	m, _, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if m.AuthorID != actor.ID {
		return nil, forbidden("only the uploader sees who downloaded a file")
	}
	return s.store.FileDownloads(ctx, m.ID)
}
