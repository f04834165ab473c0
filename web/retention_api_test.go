package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/vernhq/vern"
)

func TestRetentionAPI(t *testing.T) {
	ts := mustServer(t)
	err := ts.store.AddStats(context.Background(), []*vern.StatCell{
		{Metric: vern.StatPeople, Month: "2024-01", Purpose: "newsletter", Channel: vern.ChannelWebForm, OrgBand: vern.OrgBandNone, Count: 7},
		{Metric: vern.StatPeople, Month: "2024-02", Purpose: "newsletter", Channel: vern.ChannelWebForm, OrgBand: vern.OrgBandNone, Count: 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		token      string
		wantStatus int
		wantBody   []string
	}{
		{"stats default threshold", "/v1/stats?by=month", "", http.StatusOK,
			[]string{`"min_cell":5`, `"month":"2024-01","count":7`, `"month":"2024-02","count":null,"suppressed":true`, `"suppressed":1`}},
		{"stats summed over months", "/v1/stats?by=purpose&metric=people", "", http.StatusOK, []string{`"purpose":"newsletter","count":9`}},
		{"stats threshold 1", "/v1/stats?by=month&min_cell=1", "", http.StatusOK, []string{`"month":"2024-02","count":2`}},
		{"stats unknown dimension", "/v1/stats?by=email", "", http.StatusUnprocessableEntity, []string{`"field":"by[0]"`}},
		{"stats needs a token", "/v1/stats", "-", http.StatusUnauthorized, nil},
		{"recipients", "/v1/recipients", "", http.StatusOK,
			[]string{`"key":"google"`, `No signed data processing agreement (GDPR Art. 28(3)).`, `"outside_eea":false`}},
		{"ropa json", "/v1/ropa", "", http.StatusOK, []string{`"activities"`, `"security_measures"`, `"purpose": "newsletter"`}},
		{"ropa csv", "/v1/ropa?format=csv", "", http.StatusOK, []string{"purpose,title,legal_basis"}},
		{"ropa pdf", "/v1/ropa?format=pdf", "", http.StatusOK, []string{"%PDF-"}},
		{"ropa unknown format", "/v1/ropa?format=xml", "", http.StatusUnprocessableEntity, nil},
		{"plan", "/v1/retention/plan", "", http.StatusOK, []string{`"dry_run":true`, `"target":"nothing_stored"`}},
		{"runs", "/v1/retention/runs", "", http.StatusOK, []string{`"runs":[]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := ts.do(t, http.MethodGet, tt.path, "", tt.token)
			if status != tt.wantStatus {
				t.Fatalf("GET %s = %d, want %d: %s", tt.path, status, tt.wantStatus, body)
			}
			for _, want := range tt.wantBody {
				if !strings.Contains(string(body), want) {
					t.Errorf("GET %s body lacks %s:\n%.2000s", tt.path, want, body)
				}
			}
		})
	}
}
