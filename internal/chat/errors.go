package chat

import (
	"errors"
	"fmt"
)

// Kinds of failure every face maps onto its own codes. Compare with errors.Is.
var (
	ErrInvalid         = errors.New("invalid argument")
	ErrNotFound        = errors.New("not found")
	ErrForbidden       = errors.New("permission denied")
	ErrUnauthenticated = errors.New("unauthenticated")
	ErrConflict        = errors.New("conflict")
)

// FieldError names the request field that was wrong. It wraps ErrInvalid.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }
func (e *FieldError) Unwrap() error { return ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// NotFoundError says which kind of object was not found (or is not visible
// to the caller: the two are not told apart, so nothing leaks).
type NotFoundError struct{ What string }

func (e *NotFoundError) Error() string { return e.What + " not found" }
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// What names the kinds of object a NotFoundError can be about.
const (
	WhatUser     = "user"
	WhatGuild    = "guild"
	WhatChannel  = "channel"
	WhatChat     = "chat"
	WhatMessage  = "message"
	WhatRole     = "role"
	WhatMember   = "member"
	WhatReaction = "reaction"
	WhatApp      = "app"
)

func notFound(what string) error { return &NotFoundError{What: what} }

// forbidden says which permission the caller lacks.
func forbidden(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrForbidden}, args...)...)
}
