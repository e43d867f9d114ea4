package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/chatd/chatd/internal/chat"
)

// chatSeq is the newest message of a chat as the writer knows it.
type chatSeq struct {
	last   int64 // chats.last_seq
	lastAt int64 // chats.last_msg_at
}

// chatSeq returns the writer's view of chatID's newest message, loading it
// on first use. Only the writer goroutine calls it.
func (w *writer) chatSeq(chatID int64) (*chatSeq, error) {
	if cs, ok := w.seqs[chatID]; ok {
		return cs, nil
	}
	cs := &chatSeq{}
	err := w.queryRow(`SELECT last_seq, last_msg_at FROM chats WHERE id = ?`, chatID).Scan(&cs.last, &cs.lastAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, chat.NotFound(chat.WhatChat)
	}
	if err != nil {
		return nil, err
	}
	w.seqs[chatID] = cs
	return cs, nil
}

// appended records that chatID got message seq, written at at (unix ms).
// Callers call it once the message is stored, so a failed op leaves the
// cache as it was.
func (w *writer) appended(cs *chatSeq, chatID, seq, at int64) {
	cs.last, cs.lastAt = seq, at
	w.dirty[chatID] = cs
}

// forgetChat drops chatID from the cache (the chat was deleted or
// recreated).
func (w *writer) forgetChat(chatID int64) {
	delete(w.seqs, chatID)
	delete(w.dirty, chatID)
}

// flushSeqs writes the last seqs changed in this batch into chats, in the
// batch's transaction.
func (w *writer) flushSeqs() error {
	for id, cs := range w.dirty {
		if _, err := w.exec(`UPDATE chats SET last_seq = ?, last_msg_at = ? WHERE id = ?`, cs.last, cs.lastAt, id); err != nil {
			return fmt.Errorf("sqlite: update last seq: %w", err)
		}
	}
	clear(w.dirty)
	return nil
}

// checkDataVersion drops the cache when another connection (another
// process on the same file) committed since the last batch: the cached
// seqs may be stale. It runs inside the batch's write transaction, so
// nobody else can commit until it ends.
func (w *writer) checkDataVersion() error {
	var v int64
	if err := w.queryRow(`PRAGMA data_version`).Scan(&v); err != nil {
		return fmt.Errorf("sqlite: data_version: %w", err)
	}
	if v != w.dataVersion {
		clear(w.seqs)
		w.dataVersion = v
	}
	return nil
}
