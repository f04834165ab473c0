package vern

import (
	"errors"
	"fmt"
)

// Error codes. They are deliberately few: the HTTP layer maps each to one
// status in one place (web/error.go), and everything else is EINTERNAL.
const (
	ECONFLICT     = "conflict"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ETOOLARGE     = "too_large"
	ERATELIMIT    = "rate_limited"
)

// Error is an application error whose Message is safe to show to a user.
// Internal detail belongs in a wrapped error, which is logged, never shown.
type Error struct {
	// Code is one of the E* constants.
	Code string
	// Message is a human-readable sentence. It never contains a value the
	// user sent that was refused: such a value may be a national ID number.
	Message string
	// Fields lists problems with individual input fields, for EINVALID.
	Fields []FieldError
}

// FieldError names one invalid input field and why it was refused.
type FieldError struct {
	// Field is the input field's JSON path, such as "email" or "organization.org_number".
	Field string `json:"field"`
	// Code is a stable machine-readable reason, such as "required" or "national_id".
	Code string `json:"code"`
	// Message explains the problem without repeating the refused value.
	Message string `json:"message"`
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("vern error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error listing the given field problems.
func Invalid(fields ...FieldError) *Error {
	msg := "The input is invalid."
	if len(fields) == 1 {
		msg = fields[0].Message
	}
	return &Error{Code: EINVALID, Message: msg, Fields: fields}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of the first *Error in err's
// chain, or a generic sentence for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorFields returns the field problems of the first *Error in err's chain.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Fields collects field problems while validating an input, so that all of
// them are reported at once rather than one per round trip.
type Fields []FieldError

// Add records a problem with field.
func (f *Fields) Add(field, code, message string) {
	*f = append(*f, FieldError{Field: field, Code: code, Message: message})
}

// Err returns an EINVALID error when problems were recorded, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return Invalid(f...)
}
