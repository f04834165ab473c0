package web

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vernhq/vern/policy"
)

// policyJSON is the current policy as the API shows it.
type policyJSON struct {
	Version     string            `json:"version" doc:"The policy's version label."`
	Seq         int               `json:"seq" doc:"Vern's sequence number of this version."`
	PublishedAt string            `json:"published_at" format:"date" doc:"The date the version was published."`
	RecordedAt  time.Time         `json:"recorded_at" doc:"When Vern first stored this version."`
	Hash        string            `json:"hash" doc:"SHA-256 of the policy file."`
	Languages   []string          `json:"languages"`
	Controller  policy.Controller `json:"controller"`
	Authority   policy.Authority  `json:"authority"`
	Purposes    []*policy.Purpose `json:"purposes"`
}

type policyOutput struct {
	Body *policyJSON
}

type policyVersionsOutput struct {
	Body struct {
		Versions []policyVersionJSON `json:"versions"`
	}
}

type policyVersionJSON struct {
	Version     string    `json:"version"`
	Seq         int       `json:"seq"`
	PublishedAt string    `json:"published_at" format:"date"`
	RecordedAt  time.Time `json:"recorded_at"`
	Hash        string    `json:"hash"`
}

type policyVersionInput struct {
	Version string `path:"version" maxLength:"100"`
}

func (s *Server) registerPolicyAPI() {
	huma.Register(s.api, huma.Operation{
		OperationID: "get-policy", Method: http.MethodGet, Path: "/v1/policy", Tags: []string{"Policy"},
		Summary: "The current policy version", Description: "The policy in force: controller, authority and purposes with their legal bases.",
	}, func(ctx context.Context, _ *struct{}) (*policyOutput, error) {
		p, v := s.Policy.Current()
		return &policyOutput{Body: &policyJSON{
			Version: v.Version, Seq: v.Seq, PublishedAt: v.PublishedAt.Format(time.DateOnly), RecordedAt: v.RecordedAt,
			Hash: v.Hash, Languages: p.Languages, Controller: p.Controller, Authority: p.Authority, Purposes: p.Purposes(),
		}}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "list-policy-versions", Method: http.MethodGet, Path: "/v1/policy/versions", Tags: []string{"Policy"},
		Summary: "Every published policy version, newest first",
	}, func(ctx context.Context, _ *struct{}) (*policyVersionsOutput, error) {
		list, err := s.Policy.Versions(ctx)
		if err != nil {
			return nil, err
		}
		out := &policyVersionsOutput{}
		out.Body.Versions = make([]policyVersionJSON, 0, len(list))
		for _, v := range list {
			out.Body.Versions = append(out.Body.Versions, policyVersionJSON{
				Version: v.Version, Seq: v.Seq, PublishedAt: v.PublishedAt.Format(time.DateOnly), RecordedAt: v.RecordedAt, Hash: v.Hash,
			})
		}
		return out, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "get-policy-version", Method: http.MethodGet, Path: "/v1/policy/versions/{version}", Tags: []string{"Policy"},
		Summary: "One published policy version", Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, in *policyVersionInput) (*policyOutput, error) {
		p, v, err := s.Policy.Version(ctx, in.Version)
		if err != nil {
			return nil, err
		}
		return &policyOutput{Body: &policyJSON{
			Version: v.Version, Seq: v.Seq, PublishedAt: v.PublishedAt.Format(time.DateOnly), RecordedAt: v.RecordedAt,
			Hash: v.Hash, Languages: p.Languages, Controller: p.Controller, Authority: p.Authority, Purposes: p.Purposes(),
		}}, nil
	})
}
