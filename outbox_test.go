package vern_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

func TestOutboxTopic(t *testing.T) {
	tests := []struct {
		name, kind, want string
	}{
		{name: "granted", kind: vern.EventConsentGranted, want: vern.TopicConsentGranted},
		{name: "withdrawn", kind: vern.EventConsentWithdrawn, want: vern.TopicConsentWithdrawn},
		{name: "objection", kind: vern.EventObjection, want: vern.TopicObjection},
		{name: "restriction placed", kind: vern.EventRestrictionPlaced, want: vern.TopicRestrictionPlaced},
		{name: "restriction lifted", kind: vern.EventRestrictionLifted, want: vern.TopicRestrictionLifted},
		{name: "unknown", kind: "something_else", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vern.OutboxTopic(tt.kind); got != tt.want {
				t.Fatalf("OutboxTopic(%q) = %q, want %q", tt.kind, got, tt.want)
			}
		})
	}
}

// TestConsentChangeCarriesIDsOnly checks that the announced payload leaves
// the evidence (page, browser, network) and anything personal behind.
func TestConsentChangeCarriesIDsOnly(t *testing.T) {
	at := time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	e := &vern.ConsentEvent{
		ID: "evt_1", PersonID: "per_1", Seq: 3, Kind: vern.EventConsentWithdrawn, Purpose: "newsletter",
		PolicyVersion: "2026-01", Channel: "web_form", Actor: "public:web_form",
		PageURL: "https://example.com/?email=alice@example.com", UserAgent: "Mozilla/5.0", IPPrefix: "192.0.2.0/24", At: at,
	}
	b, err := json.Marshal(vern.NewConsentChange(e))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"event_id": "evt_1", "person_id": "per_1", "kind": vern.EventConsentWithdrawn, "purpose": "newsletter",
		"policy_version": "2026-01", "at": "2026-03-14T09:26:53Z",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("NewConsentChange mismatch (-want +got):\n%s", diff)
	}
}
