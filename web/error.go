package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/pii"
)

// statusOf is the only map from error codes to HTTP statuses.
var statusOf = map[string]int{
	vern.EINVALID:      http.StatusUnprocessableEntity,
	vern.ENOTFOUND:     http.StatusNotFound,
	vern.ECONFLICT:     http.StatusConflict,
	vern.EUNAUTHORIZED: http.StatusUnauthorized,
	vern.EFORBIDDEN:    http.StatusForbidden,
	vern.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	vern.ERATELIMIT:    http.StatusTooManyRequests,
	vern.EINTERNAL:     http.StatusInternalServerError,
}

// Problem is an RFC 9457 problem document, with the invalid fields listed.
type Problem struct {
	Type   string            `json:"type,omitempty" doc:"A URI reference identifying the problem type."`
	Title  string            `json:"title" doc:"A short summary of the problem type."`
	Status int               `json:"status" doc:"The HTTP status code."`
	Detail string            `json:"detail,omitempty" doc:"What went wrong, safe to show a user."`
	Code   string            `json:"code,omitempty" doc:"Vern's error code: invalid, not_found, conflict, unauthorized, forbidden, too_large, rate_limited or internal."`
	Errors []vern.FieldError `json:"errors,omitempty" doc:"The invalid input fields. A refused value is never repeated here."`
}

// Error implements error.
func (p *Problem) Error() string { return p.Detail }

// GetStatus tells huma the response status.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma answer with application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

type loggerKey struct{}

// problemFor turns whatever huma or a handler reports into a Problem.
// Errors carrying a vern code get that code's status; huma's own decoding
// and validation errors keep their status and become field errors; anything
// else is an internal error, logged with the request and answered as 500
// without detail.
func problemFor(ctx context.Context, status int, msg string, errs ...error) *Problem {
	for _, err := range errs {
		var ve *vern.Error
		if errors.As(err, &ve) {
			code := ve.Code
			p := &Problem{Status: statusOf[code], Code: code, Detail: ve.Message, Errors: ve.Fields}
			if p.Status == 0 {
				p.Status = http.StatusInternalServerError
			}
			p.Title = http.StatusText(p.Status)
			if code == vern.EINTERNAL {
				logInternal(ctx, err)
			}
			return p
		}
	}
	if status >= 500 {
		for _, err := range errs {
			logInternal(ctx, err)
		}
		return &Problem{Status: status, Title: http.StatusText(status), Code: vern.EINTERNAL, Detail: "Internal error."}
	}
	p := &Problem{Status: status, Title: http.StatusText(status), Detail: safeDetail(status, msg)}
	switch status {
	case http.StatusUnprocessableEntity, http.StatusBadRequest:
		p.Code = vern.EINVALID
	case http.StatusRequestEntityTooLarge:
		p.Code = vern.ETOOLARGE
	case http.StatusUnauthorized:
		p.Code = vern.EUNAUTHORIZED
	case http.StatusNotFound:
		p.Code = vern.ENOTFOUND
	}
	for _, err := range errs {
		var d *huma.ErrorDetail
		if errors.As(err, &d) {
			p.Errors = append(p.Errors, vern.FieldError{Field: fieldOf(d.Location), Code: "invalid", Message: safeMessage(d.Message)})
		} else if err != nil {
			// Not one of huma's decoding or validation errors, so its text is
			// not known to be safe to show: log it, answer generically.
			logInternal(ctx, err)
			p.Errors = append(p.Errors, vern.FieldError{Field: "body", Code: "invalid", Message: "The request could not be read."})
		}
	}
	return p
}

// fieldOf turns huma's "body.organization.name" into "organization.name".
func fieldOf(location string) string {
	for _, prefix := range []string{"body.", "query.", "path.", "header."} {
		if strings.HasPrefix(location, prefix) {
			location = location[len(prefix):]
			break
		}
	}
	if _, found := pii.Find(location); found {
		return "body" // a field name that is itself an identifier is not repeated
	}
	return location
}

// safeMessage drops a message that could repeat what the caller sent: huma
// messages describe schemas, but a JSON syntax error may quote input.
func safeMessage(m string) string {
	if _, found := pii.Find(m); found || strings.ContainsAny(m, "\"'`") && strings.Contains(m, "invalid character") {
		return "The value is not valid here."
	}
	return m
}

func safeDetail(status int, msg string) string {
	if status == http.StatusRequestEntityTooLarge {
		return "The request body is too large."
	}
	return safeMessage(msg)
}

func logInternal(ctx context.Context, err error) {
	log, _ := ctx.Value(loggerKey{}).(*slog.Logger)
	if log == nil {
		log = slog.Default()
	}
	log.ErrorContext(ctx, "request failed", "error", err.Error(), "request_id", requestID(ctx))
}

var installErrorsOnce sync.Once

// installErrors routes every huma error through problemFor. huma keeps its
// error constructor in a package variable, so this is done once per process.
func installErrors() {
	installErrorsOnce.Do(func() {
		huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
			return problemFor(context.Background(), status, msg, errs...)
		}
		huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
			return problemFor(hctx.Context(), status, msg, errs...)
		}
	})
}

// writeProblem answers a plain (non-huma) handler's error the same way.
func writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(r.Context(), http.StatusInternalServerError, "", err)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = jsonEncode(w, p)
}
