package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vernhq/vern/consent"
)

type receiptInput struct {
	ID string `path:"id" maxLength:"64" doc:"The id of a consent_granted or consent_withdrawn ledger event."`
}

type receiptOutput struct {
	Body *consent.Receipt
}

func (s *Server) registerReceiptAPI() {
	huma.Register(s.api, huma.Operation{
		OperationID: "get-receipt", Method: http.MethodGet, Path: "/v1/receipts/{id}", Tags: []string{"Consent"},
		Summary:     "A consent receipt (Kantara Consent Receipt v1.1.0) for a consent event",
		Description: "Answers for consent grants and withdrawals; objections and restrictions are not consents and are not found (404). consentTimestamp is in seconds since the Unix epoch, and piiPrincipalId is the person's id, never their email.",
		Security:    adminSecurity,
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusUnauthorized},
	}, func(ctx context.Context, in *receiptInput) (*receiptOutput, error) {
		r, err := s.Consent.Receipt(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &receiptOutput{Body: r}, nil
	})
}
