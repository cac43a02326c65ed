// Package problem classifies the errors that are the client's doing, so that
// every HTTP handler turns them into the same 4xx answers (and everything
// else into a 500) in one place.
package problem

import (
	"errors"
	"fmt"
	"slices"
)

// Kind is the class of a client-side problem.
type Kind int

// The kinds of problem, each mapped to one HTTP status by the web package.
const (
	Invalid   Kind = iota + 1 // the input breaks a rule: 400 (or 422)
	NotFound                  // the thing asked for does not exist: 404
	Conflict                  // the input clashes with what exists: 409
	Forbidden                 // the caller may not do this: 403
	TooMany                   // the caller went over a rate limit: 429
)

// Error is a problem the client can fix. Field names the input at fault,
// in the client's spelling (a JSON property or form field), when there is one.
type Error struct {
	Kind    Kind
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Invalidf reports a field that breaks a rule.
func Invalidf(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf reports a missing thing.
func NotFoundf(format string, args ...any) *Error {
	return &Error{Kind: NotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflictf reports a field whose value clashes with existing data.
func Conflictf(field, format string, args ...any) *Error {
	return &Error{Kind: Conflict, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Forbiddenf reports an action the caller may not take.
func Forbiddenf(format string, args ...any) *Error {
	return &Error{Kind: Forbidden, Message: fmt.Sprintf(format, args...)}
}

// TooManyf reports a caller over a limit on how often it may do
// something; field names the input the limit counts by, if any.
func TooManyf(field, format string, args ...any) *Error {
	return &Error{Kind: TooMany, Field: field, Message: fmt.Sprintf(format, args...)}
}

// As returns the problem inside err, if there is one.
func As(err error) (*Error, bool) {
	var p *Error
	ok := errors.As(err, &p)
	return p, ok
}

// Rename reports a problem of err about one of the fields from on field
// to instead, as a caller that names its input otherwise calls it (a
// network's "network", where federation says "target"); any other error
// is returned as it is. The problem inside err is not changed.
func Rename(err error, to string, from ...string) error {
	p, ok := As(err)
	if !ok || !slices.Contains(from, p.Field) {
		return err
	}
	q := *p
	q.Field = to
	return &q
}

// Is reports whether err is a problem of kind k.
func Is(err error, k Kind) bool {
	p, ok := As(err)
	return ok && p.Kind == k
}
