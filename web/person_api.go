package web

import (
	"context"
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vernhq/vern"
)

// Body limits: a person is small; an interaction may carry a long email.
const (
	maxPersonBody      = 64 << 10
	maxInteractionBody = 256 << 10
)

type personBody struct {
	Body *vern.Person
}

type createPersonOutput struct {
	Status int
	Body   *vern.Person
}

type personIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"The person's id."`
}

type findPersonInput struct {
	Email string `query:"email" required:"true" maxLength:"320" doc:"The person's email address; matched after normalisation (case, whitespace, internationalised domain)."`
}

type createPersonInput struct {
	Body vern.PersonInput
}

type updatePersonInput struct {
	ID   string `path:"id" maxLength:"64" doc:"The person's id."`
	Body vern.PersonUpdate
}

type addInteractionInput struct {
	ID   string `path:"id" maxLength:"64" doc:"The person's id."`
	Body vern.InteractionInput
}

type interactionBody struct {
	Body *vern.Interaction
}

type interactionsBody struct {
	Body struct {
		Interactions []*vern.Interaction `json:"interactions"`
	}
}

func (s *Server) registerPersonAPI() {
	huma.Register(s.api, huma.Operation{
		OperationID: "create-person", Method: http.MethodPost, Path: "/v1/people", Tags: []string{"People"},
		Summary:     "Create a person, or match an existing one",
		Description: "Creates a person (201), or returns the existing person with the same normalised email (200). Every field is scanned for national identity numbers, payment cards and IBANs, which are refused (422) and never stored.",
		Security:    adminSecurity, MaxBodyBytes: maxPersonBody, DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusUnprocessableEntity, http.StatusUnauthorized},
	}, s.createPerson)

	huma.Register(s.api, huma.Operation{
		OperationID: "find-person", Method: http.MethodGet, Path: "/v1/people", Tags: []string{"People"},
		Summary: "Find a person by email", Security: adminSecurity,
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusUnauthorized},
	}, func(ctx context.Context, in *findPersonInput) (*personBody, error) {
		p, err := s.People.FindByEmail(ctx, in.Email)
		if err != nil {
			return nil, err
		}
		s.recordAccess(ctx, p.ID, vern.AccessRead, "find-person", personFields)
		return &personBody{Body: p}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "get-person", Method: http.MethodGet, Path: "/v1/people/{id}", Tags: []string{"People"},
		Summary: "Get a person", Security: adminSecurity,
		Errors: []int{http.StatusNotFound, http.StatusUnauthorized},
	}, func(ctx context.Context, in *personIDPath) (*personBody, error) {
		p, err := s.People.FindByID(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		s.recordAccess(ctx, p.ID, vern.AccessRead, "get-person", personFields)
		return &personBody{Body: p}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "update-person", Method: http.MethodPatch, Path: "/v1/people/{id}", Tags: []string{"People"},
		Summary:     "Rectify a person (GDPR Art. 16)",
		Description: "Replaces the fields that are present; an empty string clears an optional field. The new values are validated and guarded like on creation.",
		Security:    adminSecurity, MaxBodyBytes: maxPersonBody,
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusUnauthorized},
	}, func(ctx context.Context, in *updatePersonInput) (*personBody, error) {
		p, err := s.People.Update(ctx, in.ID, in.Body)
		if err != nil {
			return nil, err
		}
		s.recordAccess(ctx, p.ID, vern.AccessUpdate, "update-person", updatedFields(in.Body))
		return &personBody{Body: p}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "add-interaction", Method: http.MethodPost, Path: "/v1/people/{id}/interactions", Tags: []string{"People"},
		Summary: "Record an interaction (feedback, comment, question or note)", Security: adminSecurity,
		MaxBodyBytes: maxInteractionBody, DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusUnauthorized},
	}, func(ctx context.Context, in *addInteractionInput) (*interactionBody, error) {
		i, err := s.People.AddInteraction(ctx, in.ID, in.Body)
		if err != nil {
			return nil, err
		}
		s.recordAccess(ctx, in.ID, vern.AccessCreate, "add-interaction", interactionFields)
		return &interactionBody{Body: i}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "list-interactions", Method: http.MethodGet, Path: "/v1/people/{id}/interactions", Tags: []string{"People"},
		Summary: "List a person's interactions, oldest first", Security: adminSecurity,
		Errors: []int{http.StatusNotFound, http.StatusUnauthorized},
	}, func(ctx context.Context, in *personIDPath) (*interactionsBody, error) {
		list, err := s.People.Interactions(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		s.recordAccess(ctx, in.ID, vern.AccessRead, "list-interactions", interactionFields)
		out := &interactionsBody{}
		out.Body.Interactions = list
		return out, nil
	})
}

func (s *Server) createPerson(ctx context.Context, in *createPersonInput) (*createPersonOutput, error) {
	p, created, err := s.People.Create(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	status, action := http.StatusOK, vern.AccessRead // a match answers with the stored person
	if created {
		status, action = http.StatusCreated, vern.AccessCreate
	}
	s.recordAccess(ctx, p.ID, action, "create-person", personFields)
	return &createPersonOutput{Status: status, Body: p}, nil
}

// updatedFields names the fields a rectification set.
func updatedFields(u vern.PersonUpdate) []string {
	var out []string
	for name, set := range map[string]bool{
		"first_name": u.FirstName != nil, "last_name": u.LastName != nil, "email": u.Email != nil,
		"phone": u.Phone != nil, "language": u.Language != nil, "organization": u.Organization != nil,
		"purposes": u.Purposes != nil,
	} {
		if set {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
