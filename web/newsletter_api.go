package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/newsletter"
)

type sendInput struct {
	List string `path:"list" enum:"newsletter,customer_updates"`
	Body newsletter.SendInput
}

type sendOutput struct {
	Body *vern.Send
}

type sendsOutput struct {
	Body struct {
		Sends []*vern.Send `json:"sends"`
	}
}

func (s *Server) registerNewsletterAPI() {
	huma.Register(s.api, huma.Operation{
		OperationID: "send-newsletter", Method: http.MethodPost, Path: "/v1/newsletters/{list}/sends", Tags: []string{"Newsletters"},
		Summary: "Queue a mailing to a list",
		Description: "newsletter goes to people who consented to it; customer_updates to existing customers under legitimate interest " +
			"(markedsføringsloven § 15). Restricted, objected, withdrawn and suppressed people get nothing. Every mail carries a " +
			"one-click List-Unsubscribe link (RFC 8058) and a visible one, and goes out through the mail outbox.",
		Security: adminSecurity, MaxBodyBytes: 512 << 10, DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusUnprocessableEntity, http.StatusUnauthorized},
	}, func(ctx context.Context, in *sendInput) (*sendOutput, error) {
		in.Body.List = in.List
		sd, err := s.Newsletters.Send(ctx, actorOf(ctx), in.Body)
		if err != nil {
			return nil, err
		}
		return &sendOutput{Body: sd}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "list-sends", Method: http.MethodGet, Path: "/v1/newsletters/sends", Tags: []string{"Newsletters"},
		Summary: "Every mailing and policy notice, newest first, with how many were queued and skipped", Security: adminSecurity,
		Errors: []int{http.StatusUnauthorized},
	}, func(ctx context.Context, _ *struct{}) (*sendsOutput, error) {
		sends, err := s.Newsletters.Sends(ctx)
		if err != nil {
			return nil, err
		}
		out := &sendsOutput{}
		out.Body.Sends = sends
		if out.Body.Sends == nil {
			out.Body.Sends = []*vern.Send{}
		}
		return out, nil
	})
}
