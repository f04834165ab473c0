package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/report"
	"github.com/vernhq/vern/request"
)

const maxRequestBody = 32 << 10

type requestBody struct {
	Body *vern.Request
}

type requestWithHistory struct {
	*vern.Request
	History []*vern.RequestEvent `json:"history"`
}

type requestIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"The request's id."`
}

type reasonInput struct {
	ID   string `path:"id" maxLength:"64" doc:"The request's id."`
	Body struct {
		Reason string `json:"reason" maxLength:"8192" doc:"Why; the person is told."`
	}
}

type resolutionInput struct {
	ID   string `path:"id" maxLength:"64" doc:"The request's id."`
	Body struct {
		Resolution string `json:"resolution" maxLength:"8192" doc:"The answer the person gets by email."`
	}
}

type noteInput struct {
	ID   string `path:"id" maxLength:"64" doc:"The request's id."`
	Body struct {
		Note string `json:"note" maxLength:"500" doc:"Why, for the request's history; no personal data."`
	}
}

type listRequestsInput struct {
	Status   string `query:"status" maxLength:"20" doc:"open, overdue, or one status; all when absent."`
	Kind     string `query:"kind" maxLength:"20"`
	PersonID string `query:"person_id" maxLength:"64"`
	After    string `query:"after" maxLength:"64" doc:"Continue after the request with this id."`
	Limit    int    `query:"limit" minimum:"0" maximum:"1000" doc:"At most this many; 100 when absent."`
}

type listRequestsOutput struct {
	Body struct {
		Requests []*vern.Request `json:"requests" doc:"By deadline, overdue first."`
	}
}

type publicRequestInput struct {
	Body request.Input
}

type publicRequestOutput struct {
	Body *request.Submission
}

type verifyRequestInput struct {
	ID   string `path:"id" maxLength:"64" doc:"The request's id."`
	Body struct {
		Code string `json:"code" maxLength:"20" doc:"The code from the email."`
	}
}

type verifiedOutput struct {
	Body struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		DueOn  string `json:"due_on"`
	}
}

type fileOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

type packageInput struct {
	Token  string `path:"token" maxLength:"200"`
	Format string `query:"format" enum:"json,csv,html,pdf" default:"json"`
}

type personPackageInput struct {
	ID     string `path:"id" maxLength:"64" doc:"The person's id."`
	Format string `query:"format" enum:"json,csv,html,pdf" default:"json"`
	Lang   string `query:"lang" enum:"nb,en" default:"nb"`
}

type documentInput struct {
	ID   string `path:"id" maxLength:"64" doc:"The person's id."`
	Body person.DocumentInput
}

type documentOutput struct {
	Body *vern.Document
}

type documentsOutput struct {
	Body struct {
		Documents []*vern.Document `json:"documents"`
	}
}

type transferKeyOutput struct {
	Body struct {
		Kty string `json:"kty"`
		Crv string `json:"crv"`
		X   string `json:"x"`
		Use string `json:"use"`
	}
}

var requestErrors = []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity, http.StatusUnauthorized}

func (s *Server) registerRequestAPI() {
	huma.Register(s.api, huma.Operation{
		OperationID: "submit-request", Method: http.MethodPost, Path: "/v1/public/requests", Tags: []string{"Requests"},
		Summary: "Open a data-subject request from the privacy centre",
		Description: "Public and rate-limited. The request starts unverified and a code is mailed to the address given; " +
			"nothing happens until the code comes back. The answer is the same whether or not the address is known.",
		MaxBodyBytes: maxRequestBody, DefaultStatus: http.StatusAccepted,
		Errors: []int{http.StatusUnprocessableEntity, http.StatusTooManyRequests},
	}, func(ctx context.Context, in *publicRequestInput) (*publicRequestOutput, error) {
		rc, err := s.Requests.Submit(ctx, in.Body)
		if err != nil {
			return nil, err
		}
		return &publicRequestOutput{Body: rc}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "verify-request", Method: http.MethodPost, Path: "/v1/public/requests/{id}/verify", Tags: []string{"Requests"},
		Summary:      "Verify a request with the code mailed to the person",
		Description:  "Public and rate-limited. Wrong, expired and used codes get the same 422; after five wrong codes the request is rejected (429).",
		MaxBodyBytes: 1 << 10, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusTooManyRequests},
	}, func(ctx context.Context, in *verifyRequestInput) (*verifiedOutput, error) {
		r, err := s.Requests.Verify(ctx, in.ID, in.Body.Code)
		if err != nil {
			return nil, err
		}
		out := &verifiedOutput{}
		out.Body.ID, out.Body.Status, out.Body.DueOn = r.ID, r.Status, r.DueOn
		return out, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "download-package", Method: http.MethodGet, Path: "/v1/public/packages/{token}", Tags: []string{"Requests"},
		Summary:     "Download an access or portability package by its signed, expiring link",
		Description: "Public. The package is built afresh from the current data. json is the machine-readable package (portability); csv a flat table; html and pdf a readable report.",
		Errors:      []int{http.StatusNotFound},
	}, func(ctx context.Context, in *packageInput) (*fileOutput, error) {
		pkg, err := s.Requests.Download(ctx, in.Token)
		if err != nil {
			return nil, err
		}
		return renderPackage(pkg, in.Format)
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "transfer-key", Method: http.MethodGet, Path: "/.well-known/vern-transfer-key", Tags: []string{"Requests"},
		Summary: "The Ed25519 public key (JWK) that signs direct transfers of portability packages",
		Description: "A direct transfer is POSTed with Vern-Content-SHA256 (base64 SHA-256 of the body) and " +
			"Vern-Signature: ed25519=<base64 signature over that digest>.",
	}, func(ctx context.Context, _ *struct{}) (*transferKeyOutput, error) {
		out := &transferKeyOutput{}
		out.Body.Kty, out.Body.Crv, out.Body.Use = "OKP", "Ed25519", "sig"
		out.Body.X = base64.RawURLEncoding.EncodeToString(s.Requests.TransferPublicKey())
		return out, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "open-request", Method: http.MethodPost, Path: "/v1/requests", Tags: []string{"Requests"},
		Summary: "Open a data-subject request on a person's behalf",
		Description: "Without skip_verification a code is mailed as for a public request. With it (and a skip_reason, " +
			"recorded) a request for a known person starts verified and is fulfilled at once in the background.",
		Security: adminSecurity, MaxBodyBytes: maxRequestBody, DefaultStatus: http.StatusCreated, Errors: requestErrors,
	}, func(ctx context.Context, in *struct{ Body request.StaffInput }) (*requestBody, error) {
		r, err := s.Requests.Open(ctx, actorOf(ctx), in.Body)
		if err != nil {
			return nil, err
		}
		return &requestBody{Body: r}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "list-requests", Method: http.MethodGet, Path: "/v1/requests", Tags: []string{"Requests"},
		Summary: "List requests by deadline, overdue first", Security: adminSecurity, Errors: requestErrors,
	}, func(ctx context.Context, in *listRequestsInput) (*listRequestsOutput, error) {
		rs, err := s.Requests.List(ctx, request.ListInput{Status: in.Status, Kind: in.Kind, PersonID: in.PersonID, After: in.After, Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		out := &listRequestsOutput{}
		out.Body.Requests = rs
		return out, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "get-request", Method: http.MethodGet, Path: "/v1/requests/{id}", Tags: []string{"Requests"},
		Summary: "A request with its history", Security: adminSecurity, Errors: requestErrors,
	}, func(ctx context.Context, in *requestIDPath) (*struct{ Body requestWithHistory }, error) {
		r, err := s.Requests.Get(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		h, err := s.Requests.History(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &struct{ Body requestWithHistory }{Body: requestWithHistory{Request: r, History: h}}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "extend-request", Method: http.MethodPost, Path: "/v1/requests/{id}/extend", Tags: []string{"Requests"},
		Summary:     "Extend the deadline by up to two months (Art. 12(3))",
		Description: "Needs a reason and must happen before the first deadline; the person is mailed the new deadline and the reason at once.",
		Security:    adminSecurity, MaxBodyBytes: 16 << 10, Errors: requestErrors,
	}, func(ctx context.Context, in *reasonInput) (*requestBody, error) {
		r, err := s.Requests.Extend(ctx, actorOf(ctx), in.ID, in.Body.Reason)
		if err != nil {
			return nil, err
		}
		return &requestBody{Body: r}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "complete-request", Method: http.MethodPost, Path: "/v1/requests/{id}/complete", Tags: []string{"Requests"},
		Summary:  "Complete a request staff handled (a complaint, for example) with the answer mailed to the person",
		Security: adminSecurity, MaxBodyBytes: 16 << 10, Errors: requestErrors,
	}, func(ctx context.Context, in *resolutionInput) (*requestBody, error) {
		r, err := s.Requests.Complete(ctx, actorOf(ctx), in.ID, in.Body.Resolution)
		if err != nil {
			return nil, err
		}
		return &requestBody{Body: r}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "reject-request", Method: http.MethodPost, Path: "/v1/requests/{id}/reject", Tags: []string{"Requests"},
		Summary:     "Reject a request (Art. 12(4)) with the reason mailed to the person",
		Description: "The email also names the authority the person may complain to.",
		Security:    adminSecurity, MaxBodyBytes: 16 << 10, Errors: requestErrors,
	}, func(ctx context.Context, in *reasonInput) (*requestBody, error) {
		r, err := s.Requests.Reject(ctx, actorOf(ctx), in.ID, in.Body.Reason)
		if err != nil {
			return nil, err
		}
		return &requestBody{Body: r}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "await-request", Method: http.MethodPost, Path: "/v1/requests/{id}/wait", Tags: []string{"Requests"},
		Summary:     "Mark a request as waiting on the person",
		Description: "The note (no personal data) goes into the request's history. The deadline keeps running.",
		Security:    adminSecurity, MaxBodyBytes: 4 << 10, Errors: requestErrors,
	}, func(ctx context.Context, in *noteInput) (*requestBody, error) {
		r, err := s.Requests.Await(ctx, actorOf(ctx), in.ID, in.Body.Note)
		if err != nil {
			return nil, err
		}
		return &requestBody{Body: r}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "continue-request", Method: http.MethodPost, Path: "/v1/requests/{id}/continue", Tags: []string{"Requests"},
		Summary:  "Take a waiting request up again; fulfilment resumes in the background",
		Security: adminSecurity, MaxBodyBytes: 4 << 10, Errors: requestErrors,
	}, func(ctx context.Context, in *noteInput) (*requestBody, error) {
		r, err := s.Requests.Continue(ctx, actorOf(ctx), in.ID, in.Body.Note)
		if err != nil {
			return nil, err
		}
		return &requestBody{Body: r}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "person-package", Method: http.MethodGet, Path: "/v1/people/{id}/package", Tags: []string{"Requests"},
		Summary: "Everything Vern holds on a person, with the Art. 15 information", Security: adminSecurity,
		Errors: []int{http.StatusNotFound, http.StatusUnauthorized},
	}, func(ctx context.Context, in *personPackageInput) (*fileOutput, error) {
		if err := s.People.PersonExists(ctx, in.ID); err != nil {
			return nil, err
		}
		pkg, err := s.Requests.BuildPackage(ctx, in.ID, in.Lang, false)
		if err != nil {
			return nil, err
		}
		s.recordAccess(ctx, in.ID, vern.AccessExport, "person-package", []string{"everything"})
		return renderPackage(pkg, in.Format)
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "add-document", Method: http.MethodPost, Path: "/v1/people/{id}/documents", Tags: []string{"People"},
		Summary:     "Record an accounting document naming the person",
		Description: "Its hold date follows bokføringsloven § 13: primary documentation five years, secondary three and a half, after the end of the financial year. While held, an erasure keeps what it needs.",
		Security:    adminSecurity, MaxBodyBytes: 4 << 10, DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusUnauthorized},
	}, func(ctx context.Context, in *documentInput) (*documentOutput, error) {
		d, err := s.People.AddDocument(ctx, in.ID, in.Body)
		if err != nil {
			return nil, err
		}
		s.recordAccess(ctx, in.ID, vern.AccessCreate, "add-document", []string{"documents"})
		return &documentOutput{Body: d}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "list-documents", Method: http.MethodGet, Path: "/v1/people/{id}/documents", Tags: []string{"People"},
		Summary: "A person's accounting documents and their hold dates", Security: adminSecurity,
		Errors: []int{http.StatusNotFound, http.StatusUnauthorized},
	}, func(ctx context.Context, in *personIDPath) (*documentsOutput, error) {
		ds, err := s.People.Documents(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		out := &documentsOutput{}
		out.Body.Documents = ds
		if out.Body.Documents == nil {
			out.Body.Documents = []*vern.Document{}
		}
		return out, nil
	})
}

// renderPackage writes pkg in format as a download.
func renderPackage(pkg *vern.AccessPackage, format string) (*fileOutput, error) {
	var buf bytes.Buffer
	if err := report.Write(&buf, format, pkg); err != nil {
		return nil, err
	}
	name := "personal-data"
	if pkg.RequestID != "" {
		name += "-" + pkg.RequestID
	}
	return &fileOutput{ContentType: report.ContentType(format), CacheControl: "no-store",
		ContentDisposition: `attachment; filename="` + name + report.FileExt(format) + `"`, Body: buf.Bytes()}, nil
}
