package request

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/policy"
)

// BuildPackage gathers everything Vern holds on a person, with the Art. 15
// information in lang. An unknown or erased person gives a package whose
// Subject is nil. A portability package holds only what the person
// provided (Art. 20(1)): their profile, their own messages and their
// choices.
func (s *Service) BuildPackage(ctx context.Context, personID, lang string, portability bool) (*vern.AccessPackage, error) {
	pol, _ := s.policy.Current()
	desc := pol.Describe(lang)
	pkg := &vern.AccessPackage{
		Schema: vern.AccessPackageSchema, GeneratedAt: s.clock.Now().UTC(), Language: desc.Language, Portability: portability,
		Controller:   controller(pol),
		Interactions: []*vern.Interaction{}, ConsentState: []vern.PurposeState{}, Consents: []*vern.ConsentEvent{},
		Contracts: []*vern.Contract{}, Documents: []*vern.Document{}, Requests: []vern.RequestSummary{}, Disclosures: []*vern.Disclosure{},
		Information: information(desc),
	}
	if personID == "" {
		return pkg, nil
	}
	p, err := s.people.FindByID(ctx, personID)
	switch vern.ErrorCode(err) {
	case "":
	case vern.ENOTFOUND:
		return pkg, nil
	default:
		return nil, err
	}
	pkg.Subject = p
	is, err := s.people.Interactions(ctx, personID)
	if err != nil {
		return nil, err
	}
	for _, i := range is {
		if portability && i.Kind == vern.KindNote {
			continue // staff's notes are not data the person provided
		}
		pkg.Interactions = append(pkg.Interactions, i)
	}
	st, err := s.ledger.State(ctx, personID)
	if err != nil {
		return nil, err
	}
	pkg.Consents = st.History
	for _, ps := range st.Purposes {
		title := ps.Purpose
		if pu, ok := pol.Purpose(ps.Purpose); ok {
			title = pu.Title.Get(desc.Language)
		}
		pkg.ConsentState = append(pkg.ConsentState, vern.PurposeState{Purpose: ps.Purpose, Title: title,
			Allowed: ps.Decision.Allowed, Basis: ps.Decision.Basis, Reason: ps.Decision.Reason})
	}
	cs, err := s.store.FindContractsOfPeople(ctx, []string{personID})
	if err != nil {
		return nil, err
	}
	if c := cs[personID]; c != nil {
		pkg.Contracts = c
	}
	if portability {
		return pkg, nil
	}
	if pkg.Documents, err = s.store.FindDocuments(ctx, personID); err != nil {
		return nil, err
	}
	if pkg.Disclosures, err = s.store.FindDisclosures(ctx, personID); err != nil {
		return nil, err
	}
	srs, err := s.store.ListRequests(ctx, vern.RequestFilter{PersonID: personID, Limit: 1000})
	if err != nil {
		return nil, err
	}
	for _, sr := range srs {
		pkg.Requests = append(pkg.Requests, vern.RequestSummary{ID: sr.ID, Kind: sr.Kind, Status: sr.Status,
			ReceivedAt: sr.ReceivedAt, DueOn: sr.DueOn, ClosedAt: sr.ClosedAt})
	}
	if pkg.Documents == nil {
		pkg.Documents = []*vern.Document{}
	}
	if pkg.Disclosures == nil {
		pkg.Disclosures = []*vern.Disclosure{}
	}
	return pkg, nil
}

func controller(p *policy.Policy) vern.PackageController {
	c := p.Controller
	a := c.Address
	return vern.PackageController{Name: c.Name, OrgNumber: c.OrgNumber, Email: c.Email, Website: c.Website,
		Address:      strings.TrimSpace(strings.Join([]string{a.Street, strings.TrimSpace(a.PostalCode + " " + a.City)}, ", ")),
		PrivacyEmail: p.PrivacyEmail(), RequestsEmail: p.RightsEmail()}
}

func information(d *policy.Description) vern.PackageInformation {
	info := vern.PackageInformation{Rights: d.Rights, Sources: d.Sources,
		Authority: vern.PackageAuthority{Name: d.Authority.Name, Website: d.Authority.Website, Address: d.Authority.Address}}
	for _, p := range d.Purposes {
		info.Purposes = append(info.Purposes, vern.PackagePurpose{Key: p.Key, Title: p.Title, Description: p.Description,
			LegalBasis: p.LegalBases, Categories: p.Categories})
	}
	for _, c := range d.Categories {
		info.Categories = append(info.Categories, vern.PackageCategory{Key: c.Key, Title: c.Title, Description: c.Description})
	}
	for _, r := range d.Recipients {
		info.Recipients = append(info.Recipients, vern.PackageRecipient{Name: r.Name, Role: r.Role, Country: r.Country, TransferBasis: r.TransferBasis})
	}
	for _, r := range d.Retention {
		info.Retention = append(info.Retention, vern.PackageRetention{Title: r.Title, Period: r.Period})
	}
	info.AutomatedDecisions = "Vern makes no decisions with legal or similarly significant effects by automated means alone, and no profiling for such decisions."
	if d.Language == "nb" {
		info.AutomatedDecisions = "Det treffes ingen avgjørelser med rettsvirkning eller tilsvarende betydelig virkning utelukkende ved automatisert behandling, og det gjøres ingen profilering for slike avgjørelser."
	}
	return info
}

// Package token layout, before encoding: version 0x01, 8 bytes expiry
// (Unix seconds, big-endian), the request id, then a 32-byte MAC over all
// of it. It names a request, never a person.
const (
	packageDomain  = "package-link"
	packageVersion = 1
	packageMACSize = 32
)

var packageEncoding = base64.RawURLEncoding.Strict()

var errPackageLink = vern.Errorf(vern.ENOTFOUND, "The download link is invalid or has expired.")

// PackageToken returns the token of a download link to a request's
// package, valid until exp.
func (s *Service) PackageToken(requestID string, exp time.Time) string {
	b := []byte{packageVersion}
	b = binary.BigEndian.AppendUint64(b, uint64(exp.Unix()))
	b = append(b, requestID...)
	b = append(b, s.keys.Sign(packageDomain, b)...)
	return packageEncoding.EncodeToString(b)
}

// Download returns the package a download link points to, built afresh,
// and records the export in the person's audit trail. Forged, expired and
// unknown links get the same ENOTFOUND.
func (s *Service) Download(ctx context.Context, token string) (*vern.AccessPackage, error) {
	b, err := packageEncoding.DecodeString(token)
	if err != nil || len(b) < 1+8+1+packageMACSize || b[0] != packageVersion {
		return nil, errPackageLink
	}
	payload, mac := b[:len(b)-packageMACSize], b[len(b)-packageMACSize:]
	if !s.keys.Verify(packageDomain, payload, mac) {
		return nil, errPackageLink
	}
	exp := int64(binary.BigEndian.Uint64(payload[1:9]))
	if exp < 0 || !s.clock.Now().Before(time.Unix(exp, 0)) {
		return nil, errPackageLink
	}
	r, err := s.Get(ctx, string(payload[9:]))
	if err != nil {
		return nil, errPackageLink
	}
	if r.Status != vern.StatusCompleted || (r.Kind != vern.RequestAccess && r.Kind != vern.RequestPortability) {
		return nil, errPackageLink
	}
	pkg, err := s.BuildPackage(ctx, r.PersonID, r.Language, r.Kind == vern.RequestPortability)
	if err != nil {
		return nil, fmt.Errorf("build package: %w", err)
	}
	pkg.RequestID = r.ID
	s.trailRecord(r.PersonID, "public:package", vern.AccessExport, "download package", []string{"everything"})
	return pkg, nil
}

// processPackage makes the package of an access or portability request
// available, and for a direct transfer (Art. 20(2)) sends it to the other
// controller first.
func (s *Service) processPackage(ctx context.Context, r *vern.Request, steps map[string][]byte) error {
	if r.Details.TransferURL == "" || steps["transfer"] != nil {
		return nil
	}
	failures := 0
	for name := range steps {
		if strings.HasPrefix(name, "transfer-failed-") {
			failures++
		}
	}
	problem := s.transfer(ctx, r)
	if problem == "" {
		return s.step(ctx, r, "transfer", func(tx vern.Store, cur *vern.Request, _ *vern.SealedRequest) ([]byte, error) {
			if err := s.event(ctx, tx, r.ID, cur.Status, cur.Status, systemActor, "package transferred"); err != nil {
				return nil, err
			}
			return json.Marshal("delivered")
		})
	}
	failures++
	name := "transfer-failed-" + strconv.Itoa(failures)
	if err := s.step(ctx, r, name, func(tx vern.Store, cur *vern.Request, _ *vern.SealedRequest) ([]byte, error) {
		return nil, s.event(ctx, tx, r.ID, cur.Status, cur.Status, systemActor, "transfer failed: "+problem)
	}); err != nil {
		return err
	}
	if failures < MaxTransferAttempts {
		return fmt.Errorf("transfer failed (%s), attempt %d of %d", problem, failures, MaxTransferAttempts)
	}
	// Give up: the person gets the download link and hears why.
	return s.step(ctx, r, "transfer", func(vern.Store, *vern.Request, *vern.SealedRequest) ([]byte, error) {
		return json.Marshal("failed: " + problem)
	})
}

// transfer POSTs the person's portability package to the address they
// gave, signed with the installation's Ed25519 key over the SHA-256 of the
// body. It returns "" on a 2xx answer, or a short reason without the
// response body.
func (s *Service) transfer(ctx context.Context, r *vern.Request) string {
	pkg, err := s.BuildPackage(ctx, r.PersonID, r.Language, true)
	if err != nil {
		return "internal error"
	}
	pkg.RequestID = r.ID
	body, err := json.Marshal(pkg)
	if err != nil {
		return "internal error"
	}
	sum := sha256.Sum256(body)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.Details.TransferURL, bytes.NewReader(body))
	if err != nil || req.URL.Scheme != "https" {
		return "not https"
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", r.ID)
	req.Header.Set("Vern-Content-SHA256", base64.StdEncoding.EncodeToString(sum[:]))
	req.Header.Set("Vern-Signature", "ed25519="+base64.StdEncoding.EncodeToString(s.keys.SignTransfer(sum[:])))
	res, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "timeout"
		}
		return "unreachable"
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode/100 != 2 {
		return "http " + strconv.Itoa(res.StatusCode)
	}
	s.trailRecord(r.PersonID, systemActor, vern.AccessExport, "direct transfer", []string{"portability package"})
	return ""
}

// TransferPublicKey is the key a receiving controller checks a direct
// transfer's signature with.
func (s *Service) TransferPublicKey() []byte { return s.keys.TransferPublicKey() }
