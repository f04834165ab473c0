package web

import (
	"bytes"
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/report"
	"github.com/vernhq/vern/retention"
)

type statsInput struct {
	Metric  string `query:"metric" enum:"people,interactions," doc:"people or interactions; both when absent."`
	By      string `query:"by" maxLength:"64" doc:"Comma-separated dimensions to break down by (month, purpose, channel, org_band); all four when absent."`
	MinCell int    `query:"min_cell" minimum:"1" maximum:"1000" default:"5" doc:"Cells counting fewer are suppressed."`
}

type statsOutput struct {
	Body *retention.Stats
}

type runsInput struct {
	Limit int `query:"limit" minimum:"1" maximum:"100" default:"10"`
}

type runsOutput struct {
	Body struct {
		Runs []*retention.Report `json:"runs" doc:"Newest first."`
	}
}

type planOutput struct {
	Body *retention.Report
}

type recipientsOutput struct {
	Body struct {
		Recipients []*policy.RegisterEntry `json:"recipients"`
		// Warnings counts the warnings over all recipients.
		Warnings int `json:"warnings"`
	}
}

type ropaInput struct {
	Format string `query:"format" enum:"json,csv,html,pdf" default:"json"`
	Lang   string `query:"lang" enum:"nb,en" default:"en"`
}

func (s *Server) registerRetentionAPI() {
	if s.Retention == nil {
		return
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "get-stats", Method: http.MethodGet, Path: "/v1/stats", Tags: []string{"Retention"},
		Summary:     "Anonymised statistics that survive deletion, small cells suppressed",
		Description: "Counts of people (and their interactions) folded in by retention sweeps before erasure, per month collected, purpose, source channel and organisation size band (the organisation's number of contacts in Vern). Cells below min_cell are returned without a count.",
		Security:    adminSecurity, Errors: []int{http.StatusUnprocessableEntity, http.StatusUnauthorized},
	}, func(ctx context.Context, in *statsInput) (*statsOutput, error) {
		var by []string
		if in.By != "" {
			by = strings.Split(in.By, ",")
		}
		st, err := s.Retention.Stats(ctx, retention.StatsQuery{Metric: in.Metric, By: by, MinCell: in.MinCell})
		if err != nil {
			return nil, err
		}
		return &statsOutput{Body: st}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "list-retention-runs", Method: http.MethodGet, Path: "/v1/retention/runs", Tags: []string{"Retention"},
		Summary:  "The latest retention sweeps and their reports by rule",
		Security: adminSecurity, Errors: []int{http.StatusUnauthorized},
	}, func(ctx context.Context, in *runsInput) (*runsOutput, error) {
		rs, err := s.Retention.Runs(ctx, in.Limit)
		if err != nil {
			return nil, err
		}
		out := &runsOutput{}
		out.Body.Runs = rs
		return out, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "plan-retention", Method: http.MethodGet, Path: "/v1/retention/plan", Tags: []string{"Retention"},
		Summary:     "Dry run: what a retention sweep would do now, by rule; changes nothing",
		Description: "Reads every living person, so it takes seconds on large registries.",
		Security:    adminSecurity, Errors: []int{http.StatusUnauthorized},
	}, func(ctx context.Context, _ *struct{}) (*planOutput, error) {
		rep, err := s.Retention.DryRun(ctx, retention.Options{})
		if err != nil {
			return nil, err
		}
		return &planOutput{Body: rep}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "list-recipients", Method: http.MethodGet, Path: "/v1/recipients", Tags: []string{"Retention"},
		Summary:     "The register of recipients, with missing, expired and expiring agreements flagged",
		Description: "Every recipient of the policy in force with its role, services, data categories, country, transfer basis and data processing agreement, and warnings: no signed agreement for a processor (Art. 28(3)), an agreement expired or expiring within 60 days, an unstated country.",
		Security:    adminSecurity, Errors: []int{http.StatusUnauthorized},
	}, func(ctx context.Context, _ *struct{}) (*recipientsOutput, error) {
		out := &recipientsOutput{}
		out.Body.Recipients = s.Retention.Register()
		for _, e := range out.Body.Recipients {
			out.Body.Warnings += len(e.Warnings)
		}
		return out, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "get-ropa", Method: http.MethodGet, Path: "/v1/ropa", Tags: []string{"Retention"},
		Summary:     "The record of processing activities (GDPR Art. 30), generated from the policy and the register",
		Description: "Art. 30(1)(a)-(g): the controller, one activity per purpose (purpose, legal basis, data subjects, data categories, recipients, transfers outside the EEA, time limits for erasure), the register of recipients and Vern's security measures. Never edited by hand.",
		Security:    adminSecurity, Errors: []int{http.StatusUnauthorized},
	}, func(ctx context.Context, in *ropaInput) (*fileOutput, error) {
		var buf bytes.Buffer
		if err := report.WriteRecord(&buf, in.Format, s.Retention.Record(in.Lang)); err != nil {
			return nil, err
		}
		return &fileOutput{ContentType: report.ContentType(in.Format), CacheControl: "no-store",
			ContentDisposition: `attachment; filename="record-of-processing` + report.FileExt(in.Format) + `"`, Body: buf.Bytes()}, nil
	})
}
