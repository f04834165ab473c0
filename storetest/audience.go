package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

func testAudience(t *testing.T, open Opener) {
	t.Run("CreateFindUpdate", func(t *testing.T) {
		s := open(t)
		a := &vern.Audience{Name: "prospects", Purpose: "remarketing", Use: vern.AudienceInclude, Description: "Prospects",
			Include:   []vern.AudienceRule{{Field: vern.FieldOrgCountry, Values: []string{"NO", "SE"}}},
			Exclude:   []vern.AudienceRule{{Field: vern.FieldHasContract, Values: []string{"true"}}},
			CreatedAt: epoch, UpdatedAt: epoch}
		mustNoErr(t, s.CreateAudience(ctx(t), a))
		wantCode(t, s.CreateAudience(ctx(t), a), vern.ECONFLICT)
		got, err := s.FindAudience(ctx(t), "prospects")
		mustNoErr(t, err)
		if diff := cmp.Diff(a, got); diff != "" {
			t.Fatalf("FindAudience mismatch (-want +got):\n%s", diff)
		}
		_, err = s.FindAudience(ctx(t), "nobody")
		wantCode(t, err, vern.ENOTFOUND)

		upd := *a
		upd.Include, upd.Use, upd.UpdatedAt = nil, vern.AudienceExclude, epoch.Add(time.Hour)
		mustNoErr(t, s.UpdateAudience(ctx(t), &upd))
		got, err = s.FindAudience(ctx(t), "prospects")
		mustNoErr(t, err)
		if diff := cmp.Diff(&upd, got); diff != "" {
			t.Fatalf("after UpdateAudience mismatch (-want +got):\n%s", diff)
		}
		missing := upd
		missing.Name = "nobody"
		wantCode(t, s.UpdateAudience(ctx(t), &missing), vern.ENOTFOUND)

		b := &vern.Audience{Name: "customers", Purpose: "remarketing", Use: vern.AudienceExclude, CreatedAt: epoch, UpdatedAt: epoch}
		mustNoErr(t, s.CreateAudience(ctx(t), b))
		all, err := s.FindAudiences(ctx(t))
		mustNoErr(t, err)
		if diff := cmp.Diff([]*vern.Audience{b, &upd}, all); diff != "" {
			t.Fatalf("FindAudiences mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("Candidates", func(t *testing.T) {
		s := open(t)
		org := &vern.Organization{ID: "org_1", Name: "Firma AS", Country: "NO", MatchKey: "firma", CreatedAt: epoch}
		mustNoErr(t, s.EnsureOrganization(ctx(t), org))
		var want []string
		for i := range 25 {
			p := NewSealedPerson(i)
			if i%5 == 0 {
				p.OrganizationID = org.ID
			}
			mustNoErr(t, s.CreatePerson(ctx(t), p))
			want = append(want, p.ID)
		}
		// An erased person is never a candidate.
		mustNoErr(t, s.ErasePerson(ctx(t), want[7], epoch))
		want = append(want[:7], want[8:]...)

		var got []string
		after := ""
		for {
			page, err := s.FindAudienceCandidates(ctx(t), after, 10)
			mustNoErr(t, err)
			if len(page) == 0 {
				break
			}
			if len(page) > 10 {
				t.Fatalf("page of %d, want at most 10", len(page))
			}
			for _, c := range page {
				got = append(got, c.Person.ID)
				wantCountry := ""
				if c.Person.OrganizationID == org.ID {
					wantCountry = "NO"
				}
				if c.OrgCountry != wantCountry {
					t.Errorf("%s: OrgCountry = %q, want %q", c.Person.ID, c.OrgCountry, wantCountry)
				}
			}
			after = page[len(page)-1].Person.ID
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("candidates mismatch (-want +got):\n%s", diff)
		}
		first, err := s.FindAudienceCandidates(ctx(t), "", 1)
		mustNoErr(t, err)
		wantP := NewSealedPerson(0)
		wantP.OrganizationID = org.ID
		wantP.SourceRef, wantP.UpdatedAt = "", time.Time{} // not read for audiences
		if diff := cmp.Diff(wantP, first[0].Person); diff != "" {
			t.Fatalf("candidate person mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("Exports", func(t *testing.T) {
		s := open(t)
		e1 := &vern.AudienceExport{ID: "aex_1", Audience: "prospects", Purpose: "remarketing", Recipient: "google", Format: "google", Actor: "cli", People: 3, At: epoch}
		e2 := &vern.AudienceExport{ID: "aex_2", Audience: "prospects", Purpose: "remarketing", Recipient: "linkedin", Format: "linkedin", Actor: "token:t1", People: 300, At: epoch.Add(time.Minute)}
		e3 := &vern.AudienceExport{ID: "aex_3", Audience: "other", Purpose: "remarketing", Recipient: "google", Format: "csv", People: 0, At: epoch}
		for _, e := range []*vern.AudienceExport{e1, e2, e3} {
			mustNoErr(t, s.CreateAudienceExport(ctx(t), e))
		}
		wantCode(t, s.CreateAudienceExport(ctx(t), e1), vern.ECONFLICT)
		if e1.Seq == 0 || e2.Seq <= e1.Seq {
			t.Fatalf("seqs %d, %d: want increasing", e1.Seq, e2.Seq)
		}
		// Members count into People and read back as disclosures,
		// in time order with the disclosures table's own rows.
		p1, p2 := NewSealedPerson(1), NewSealedPerson(2)
		mustNoErr(t, s.AddAudienceExportMembers(ctx(t), e1.Seq, []string{p1.ID, p2.ID}))
		ids := make([]string, 300) // spans more than one multi-row statement
		for i := range ids {
			ids[i] = NewSealedPerson(100 + i).ID
		}
		mustNoErr(t, s.AddAudienceExportMembers(ctx(t), e2.Seq, append(ids, p1.ID)))
		wantCode(t, s.AddAudienceExportMembers(ctx(t), e2.Seq, []string{p2.ID, p1.ID}), vern.ECONFLICT)
		wantCode(t, s.AddAudienceExportMembers(ctx(t), 99999, []string{p2.ID}), vern.ENOTFOUND)
		e1.People, e2.People = 3+2, 300+301
		own := &vern.Disclosure{ID: "dis_1", PersonID: p1.ID, Recipient: "crm", Reason: "webhook consent.granted", At: epoch.Add(30 * time.Second)}
		mustNoErr(t, s.RecordDisclosures(ctx(t), own))
		got, err := s.FindAudienceExports(ctx(t), "prospects")
		mustNoErr(t, err)
		if diff := cmp.Diff([]*vern.AudienceExport{e2, e1}, got); diff != "" {
			t.Fatalf("FindAudienceExports mismatch (-want +got):\n%s", diff)
		}
		ds, err := s.FindDisclosures(ctx(t), p1.ID)
		mustNoErr(t, err)
		want := []*vern.Disclosure{
			{ID: "aex_1", PersonID: p1.ID, Recipient: "google", Categories: []string{"contact"}, Purpose: "remarketing", Reason: "audience export prospects (google, hashed)", At: epoch},
			own,
			{ID: "aex_2", PersonID: p1.ID, Recipient: "linkedin", Categories: []string{"contact"}, Purpose: "remarketing", Reason: "audience export prospects (linkedin, hashed)", At: epoch.Add(time.Minute)},
		}
		if diff := cmp.Diff(want, ds); diff != "" {
			t.Fatalf("FindDisclosures mismatch (-want +got):\n%s", diff)
		}
	})
}
