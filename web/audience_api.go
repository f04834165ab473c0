package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/audience"
)

type audienceInput struct {
	Body struct {
		Name        string              `json:"name" maxLength:"64" doc:"Lowercase letters, digits, - and _."`
		Purpose     string              `json:"purpose" maxLength:"64" doc:"The policy purpose the audience serves, such as remarketing."`
		Use         string              `json:"use,omitempty" enum:"include,exclude" doc:"How the platform uses the list; include by default."`
		Description string              `json:"description,omitempty" maxLength:"500"`
		Include     []vern.AudienceRule `json:"include,omitempty" maxItems:"20" doc:"Rules every member matches. Fields: organization.country, has_contract, source.channel, language, created_before, created_after."`
		Exclude     []vern.AudienceRule `json:"exclude,omitempty" maxItems:"20" doc:"Rules no member matches."`
	}
}

type audienceOutput struct {
	Status int
	Body   *vern.Audience
}

type audiencesOutput struct {
	Body struct {
		Audiences []*vern.Audience `json:"audiences"`
	}
}

type audienceNameInput struct {
	Name string `path:"name" maxLength:"64"`
}

type audienceExportsOutput struct {
	Body struct {
		Exports []*vern.AudienceExport `json:"exports"`
	}
}

type audienceExportInput struct {
	Name      string `path:"name" maxLength:"64"`
	Format    string `query:"format" required:"true" enum:"google,linkedin,csv"`
	Recipient string `query:"recipient" maxLength:"64" doc:"The policy recipient the file is for; google or linkedin by default, required for csv."`
	GmailDots bool   `query:"gmail_dots" doc:"Remove dots from gmail.com local parts before hashing (not for Customer Match)."`
}

var audienceErrors = []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusUnauthorized}

func (s *Server) registerAudienceAPI() {
	huma.Register(s.api, huma.Operation{
		OperationID: "define-audience", Method: http.MethodPost, Path: "/v1/audiences", Tags: []string{"Audiences"},
		Summary:     "Create or replace an audience",
		Description: "An audience is a segment for a purpose: members match every include rule and no exclude rule, are allowed for the purpose by the decision engine, and are not on the suppression list. 201 when created, 200 when replaced.",
		Security:    adminSecurity, MaxBodyBytes: 16 << 10, Errors: audienceErrors,
	}, func(ctx context.Context, in *audienceInput) (*audienceOutput, error) {
		b := in.Body
		a, created, err := s.Audiences.Define(ctx, &vern.Audience{Name: b.Name, Purpose: b.Purpose, Use: b.Use, Description: b.Description, Include: b.Include, Exclude: b.Exclude})
		if err != nil {
			return nil, err
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		return &audienceOutput{Status: status, Body: a}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "list-audiences", Method: http.MethodGet, Path: "/v1/audiences", Tags: []string{"Audiences"},
		Summary: "Every audience", Security: adminSecurity, Errors: []int{http.StatusUnauthorized},
	}, func(ctx context.Context, _ *struct{}) (*audiencesOutput, error) {
		as, err := s.Audiences.List(ctx)
		if err != nil {
			return nil, err
		}
		out := &audiencesOutput{}
		out.Body.Audiences = as
		if out.Body.Audiences == nil {
			out.Body.Audiences = []*vern.Audience{}
		}
		return out, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "list-audience-exports", Method: http.MethodGet, Path: "/v1/audiences/{name}/exports", Tags: []string{"Audiences"},
		Summary: "An audience's exports, newest first: recipient, format, when, by whom, how many people", Security: adminSecurity, Errors: audienceErrors,
	}, func(ctx context.Context, in *audienceNameInput) (*audienceExportsOutput, error) {
		if _, err := s.Audiences.Find(ctx, in.Name); err != nil {
			return nil, err
		}
		es, err := s.Audiences.Exports(ctx, in.Name)
		if err != nil {
			return nil, err
		}
		out := &audienceExportsOutput{}
		out.Body.Exports = es
		if out.Body.Exports == nil {
			out.Body.Exports = []*vern.AudienceExport{}
		}
		return out, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "export-audience", Method: http.MethodGet, Path: "/v1/audiences/{name}/export", Tags: []string{"Audiences"},
		Summary: "Export an audience as a hashed CSV file in an ad platform's format",
		Description: "Emails, phones (E.164) and names normalised and SHA-256 hashed; country and postal code in the clear; empty fields left empty. " +
			"Every export is recorded in the disclosure log, one entry per person. A Google file comes with the EEA consent signals its upload needs in " +
			"Vern-Ad-User-Data and Vern-Ad-Personalization. Errors found before the file starts are " +
			"problem documents; LinkedIn files are checked against LinkedIn's limits (300 to 300,000 rows, 20 MB) before anything is sent.",
		Security: adminSecurity, Errors: audienceErrors,
		Responses: map[string]*huma.Response{"200": {Description: "The CSV file.", Content: map[string]*huma.MediaType{"text/csv": {}}}},
	}, func(ctx context.Context, in *audienceExportInput) (*huma.StreamResponse, error) {
		if _, err := s.Audiences.Find(ctx, in.Name); err != nil {
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			r, w := humago.Unwrap(hctx)
			lw := &exportWriter{w: w, name: in.Name, google: in.Format == "google"}
			rep, err := s.Audiences.Export(ctx, in.Name, lw, audience.ExportOptions{Format: in.Format, Recipient: in.Recipient,
				GmailDots: in.GmailDots, Actor: actorOf(ctx)})
			switch {
			case err != nil && !lw.started:
				writeProblem(w, r, err)
			case err != nil:
				// The status is out; the client sees a short file. Ids only.
				s.Log.Error("audience export failed part way", "request_id", requestID(ctx), "audience", in.Name, "error", err.Error())
			default:
				s.Log.Info("audience exported", "request_id", requestID(ctx), "export_id", rep.ID, "people", rep.People)
			}
		}}, nil
	})
}

// exportWriter sends the export's headers and status with the first
// bytes, so that an error found before any row is still a problem document.
type exportWriter struct {
	w       http.ResponseWriter
	name    string
	google  bool
	started bool
}

func (e *exportWriter) Write(b []byte) (int, error) {
	if !e.started {
		e.started = true
		h := e.w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="`+e.name+`.csv"`)
		h.Set("Cache-Control", "no-store")
		if e.google {
			// Only consented people are exported for a Google audience
			// (the service refuses other purposes).
			h.Set("Vern-Ad-User-Data", "GRANTED")
			h.Set("Vern-Ad-Personalization", "GRANTED")
		}
		e.w.WriteHeader(http.StatusOK)
	}
	return e.w.Write(b)
}
