package vern_test

import (
	"testing"
	"time"

	"github.com/vernhq/vern"
)

func chain(n int) []*vern.ConsentEvent {
	var out []*vern.ConsentEvent
	var prev *vern.ConsentEvent
	for i := range n {
		e := &vern.ConsentEvent{
			ID: "evt_" + string(rune('a'+i)), PersonID: "per_1", Kind: vern.EventConsentGranted, Purpose: "newsletter",
			PolicyVersion: "2023-06-27", Channel: vern.ChannelWebForm, Actor: "public:web_form",
			At: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC),
		}
		e.Seal(prev)
		out = append(out, e)
		prev = e
	}
	return out
}

func TestVerifyChain(t *testing.T) {
	tests := []struct {
		name   string
		tamper func([]*vern.ConsentEvent) []*vern.ConsentEvent
		want   int
	}{
		{"intact", func(es []*vern.ConsentEvent) []*vern.ConsentEvent { return es }, -1},
		{"edited purpose", func(es []*vern.ConsentEvent) []*vern.ConsentEvent { es[2].Purpose = "remarketing"; return es }, 2},
		{"edited time", func(es []*vern.ConsentEvent) []*vern.ConsentEvent { es[1].At = es[1].At.Add(time.Second); return es }, 1},
		{"withdrawal turned into grant", func(es []*vern.ConsentEvent) []*vern.ConsentEvent { es[3].Kind = vern.EventConsentWithdrawn; return es }, 3},
		{"removed event", func(es []*vern.ConsentEvent) []*vern.ConsentEvent { return append(es[:1], es[2:]...) }, 1},
		{"reordered", func(es []*vern.ConsentEvent) []*vern.ConsentEvent { es[0], es[1] = es[1], es[0]; return es }, 0},
		{"rehashed edit", func(es []*vern.ConsentEvent) []*vern.ConsentEvent {
			es[1].Purpose = "remarketing"
			es[1].Hash = es[1].ComputeHash() // the next event still points at the old hash
			return es
		}, 2},
		{"first event with a previous hash", func(es []*vern.ConsentEvent) []*vern.ConsentEvent { es[0].PrevHash = []byte("x"); return es }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vern.VerifyChain(tt.tamper(chain(5))); got != tt.want {
				t.Fatalf("VerifyChain = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestTruncateIP(t *testing.T) {
	tests := []struct{ in, want string }{
		{"192.0.2.177", "192.0.2.0/24"},
		{"::ffff:198.51.100.7", "198.51.100.0/24"},
		{"2001:db8:abcd:12:1:2:3:4", "2001:db8:abcd::/48"},
		{"not an ip", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := vern.TruncateIP(tt.in); got != tt.want {
			t.Errorf("TruncateIP(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
