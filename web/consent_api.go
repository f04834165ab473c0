package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/audit"
	"github.com/vernhq/vern/consent"
)

type consentEventBody struct {
	Body *vern.ConsentEvent
}

// recordedConsent is a recorded consent event with the address of its receipt.
type recordedConsent struct {
	vern.ConsentEvent
	ReceiptURL string `json:"receipt_url" doc:"The consent receipt (Kantara CR v1.1) for this grant or withdrawal."`
	// WithdrawURL lets the person withdraw this consent in one click,
	// without logging in (Art. 7(3)); only for grants.
	WithdrawURL string `json:"withdraw_url,omitempty" doc:"For a grant: a signed link, valid for a year, that withdraws this consent without logging in."`
}

// withdrawLinkTTL is how long a withdrawal link handed out with a grant
// stays valid; mailings carry fresh links.
const withdrawLinkTTL = 365 * 24 * time.Hour

type recordedConsentBody struct {
	Body *recordedConsent
}

type recordConsentInput struct {
	Body consent.RecordInput
}

type objectionInput struct {
	Body consent.ObjectionInput
}

type restrictionInput struct {
	Body consent.RestrictionInput
}

type contractInput struct {
	Body consent.ContractInput
}

type contractOutput struct {
	Body *vern.Contract
}

type endContractInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		EndedAt *time.Time `json:"ended_at,omitempty" doc:"When the contract ended; now when absent."`
	}
}

type personConsentsOutput struct {
	Body *consent.PersonState
}

type decisionInput struct {
	Email   string `query:"email" required:"true" maxLength:"320"`
	Purpose string `query:"purpose" required:"true" maxLength:"64"`
}

type decisionOutput struct {
	Body consent.Decision
}

type bulkDecisionInput struct {
	Body struct {
		Purpose string   `json:"purpose" maxLength:"64"`
		Emails  []string `json:"emails" maxItems:"10000"`
	}
}

type bulkDecisionOutput struct {
	Body struct {
		Purpose string             `json:"purpose"`
		Results []consent.Decision `json:"results" doc:"One result per email, in the order given."`
	}
}

type verifyOutput struct {
	Body *consent.VerifyReport
}

// actorOf names who recorded an event: the token that authenticated it.
func actorOf(ctx context.Context) string {
	if t := actor(ctx); t != nil {
		return "token:" + t.ID
	}
	return "unknown"
}

func (s *Server) registerConsentAPI() {
	huma.Register(s.api, huma.Operation{
		OperationID: "record-consent", Method: http.MethodPost, Path: "/v1/consents", Tags: []string{"Consent"},
		Summary:     "Grant or withdraw a consent",
		Description: "Appends a consent event to the person's hash-chained ledger with its evidence. A grant is only possible for purposes whose basis is consent; withdrawing a consent not in force is refused (409).",
		Security:    adminSecurity, MaxBodyBytes: 16 << 10, DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity, http.StatusUnauthorized},
	}, func(ctx context.Context, in *recordConsentInput) (*recordedConsentBody, error) {
		e, err := s.Consent.Record(ctx, actorOf(ctx), in.Body)
		if err != nil {
			return nil, err
		}
		s.recordAccess(ctx, e.PersonID, vern.AccessCreate, "record-consent", consentFields)
		out := &recordedConsent{ConsentEvent: *e, ReceiptURL: "/v1/receipts/" + e.ID}
		if e.Kind == vern.EventConsentGranted {
			token, err := s.Consent.WithdrawalToken(e, withdrawLinkTTL)
			if err != nil {
				return nil, err
			}
			out.WithdrawURL = "/withdraw?token=" + url.QueryEscape(token)
		}
		return &recordedConsentBody{Body: out}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "record-objection", Method: http.MethodPost, Path: "/v1/objections", Tags: []string{"Consent"},
		Summary:     "Object to a purpose or to direct marketing (GDPR Art. 21)",
		Description: "An objection to direct_marketing is absolute: every direct-marketing purpose is denied from then on.",
		Security:    adminSecurity, MaxBodyBytes: 16 << 10, DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusUnauthorized},
	}, func(ctx context.Context, in *objectionInput) (*consentEventBody, error) {
		e, err := s.Consent.Object(ctx, actorOf(ctx), in.Body)
		if err != nil {
			return nil, err
		}
		s.recordAccess(ctx, e.PersonID, vern.AccessCreate, "record-objection", consentFields)
		return &consentEventBody{Body: e}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "record-restriction", Method: http.MethodPost, Path: "/v1/restrictions", Tags: []string{"Consent"},
		Summary:     "Place or lift a restriction of processing (GDPR Art. 18)",
		Description: "While a restriction is in force every decision is denied: the data may only be stored. Lifting a restriction that is not in force is refused (409).",
		Security:    adminSecurity, MaxBodyBytes: 16 << 10, DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity, http.StatusUnauthorized},
	}, func(ctx context.Context, in *restrictionInput) (*consentEventBody, error) {
		e, err := s.Consent.Restrict(ctx, actorOf(ctx), in.Body)
		if err != nil {
			return nil, err
		}
		s.recordAccess(ctx, e.PersonID, vern.AccessCreate, "record-restriction", consentFields)
		return &consentEventBody{Body: e}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "add-contract", Method: http.MethodPost, Path: "/v1/contracts", Tags: []string{"Consent"},
		Summary:     "Record a contract relation",
		Description: "While a contract is in force, purposes whose basis is contract may use the person.",
		Security:    adminSecurity, MaxBodyBytes: 16 << 10, DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusUnauthorized},
	}, func(ctx context.Context, in *contractInput) (*contractOutput, error) {
		c, err := s.Consent.AddContract(ctx, in.Body)
		if err != nil {
			return nil, err
		}
		s.recordAccess(ctx, c.PersonID, vern.AccessCreate, "add-contract", []string{"contracts"})
		return &contractOutput{Body: c}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "end-contract", Method: http.MethodPost, Path: "/v1/contracts/{id}/end", Tags: []string{"Consent"},
		Summary: "End a contract relation", Security: adminSecurity, MaxBodyBytes: 4 << 10, DefaultStatus: http.StatusNoContent,
		Errors: []int{http.StatusNotFound, http.StatusUnauthorized},
	}, func(ctx context.Context, in *endContractInput) (*struct{}, error) {
		var at time.Time
		if in.Body.EndedAt != nil {
			at = *in.Body.EndedAt
		}
		personID, err := s.Consent.EndContract(ctx, in.ID, at)
		if err != nil {
			return nil, err
		}
		s.recordAccess(ctx, personID, vern.AccessUpdate, "end-contract", []string{"contracts"})
		return nil, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "person-consents", Method: http.MethodGet, Path: "/v1/people/{id}/consents", Tags: []string{"Consent"},
		Summary: "A person's standing per purpose, and their ledger history", Security: adminSecurity,
		Errors: []int{http.StatusNotFound, http.StatusUnauthorized},
	}, func(ctx context.Context, in *struct {
		ID string `path:"id" maxLength:"64"`
	}) (*personConsentsOutput, error) {
		st, err := s.Consent.State(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		s.recordAccess(ctx, in.ID, vern.AccessRead, "person-consents", consentFields)
		return &personConsentsOutput{Body: st}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "decide", Method: http.MethodGet, Path: "/v1/decisions", Tags: []string{"Consent"},
		Summary: "May this purpose use this person now?", Security: adminSecurity,
		Description: "Answers with the legal basis, a reason and the ledger event the answer rests on. Unknown people are denied with reason unknown_person.",
		Errors:      []int{http.StatusUnprocessableEntity, http.StatusUnauthorized},
	}, func(ctx context.Context, in *decisionInput) (*decisionOutput, error) {
		d, err := s.Consent.DecideEmail(ctx, in.Email, in.Purpose)
		if err != nil {
			return nil, err
		}
		s.recordAccess(ctx, d.PersonID, vern.AccessRead, "decide", consentFields)
		return &decisionOutput{Body: d}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "decide-bulk", Method: http.MethodPost, Path: "/v1/decisions", Tags: []string{"Consent"},
		Summary: "Decisions for many emails at once", Security: adminSecurity, MaxBodyBytes: 4 << 20,
		Errors: []int{http.StatusUnprocessableEntity, http.StatusUnauthorized},
	}, func(ctx context.Context, in *bulkDecisionInput) (*bulkDecisionOutput, error) {
		ds, err := s.Consent.DecideEmails(ctx, in.Body.Purpose, in.Body.Emails)
		if err != nil {
			return nil, err
		}
		if s.Audit != nil {
			ids := make([]string, len(ds))
			for i, d := range ds {
				ids[i] = d.PersonID
			}
			s.Audit.RecordMany(audit.Access{Actor: actorOf(ctx), Action: vern.AccessRead, Operation: "decide-bulk",
				RequestID: requestID(ctx), Fields: consentFields}, ids)
		}
		out := &bulkDecisionOutput{}
		out.Body.Purpose, out.Body.Results = in.Body.Purpose, ds
		return out, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "audit-verify", Method: http.MethodGet, Path: "/v1/audit/verify", Tags: []string{"Audit"},
		Summary: "Walk every hash chain and name the first broken record", Security: adminSecurity,
	}, func(ctx context.Context, _ *struct{}) (*verifyOutput, error) {
		rep, err := s.Consent.Verify(ctx)
		if err != nil {
			return nil, err
		}
		return &verifyOutput{Body: rep}, nil
	})
}
