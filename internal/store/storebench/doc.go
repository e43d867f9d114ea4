// Package storebench compares the store backends under one load: its
// benchmark drives every backend through the chat.Store port with the
// same code, so their figures (sends/s, p99) can be set side by side.
package storebench
