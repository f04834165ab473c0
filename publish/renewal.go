package publish

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/policy"
)

// renewals is, per consent purpose, the labels of the versions whose
// grants no longer count: every version before the newest one that
// changed the purpose's description or data categories. renewed lists
// the consent purposes the current version itself changed.
type renewals struct {
	stale   map[string]map[string]bool
	renewed []string
}

// MustRenew reports whether a consent to purpose given under the policy
// version labelled version predates a change to the purpose, so that it
// must be given again (consent.Renewals). Versions are compared by the
// order they were published in.
func (s *Service) MustRenew(purpose, version string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.renew.stale[purpose][version]
}

// Renewed returns the consent purposes whose description or data
// categories the current version changed from the one before it: a
// policy-change notice asks for those consents again.
func (s *Service) Renewed() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.renew.renewed)
}

// loadRenewals walks every published version, oldest first, and records
// for each consent purpose which versions' grants a later change made
// stale. There are few versions, each parsed once per publish or load.
func (s *Service) loadRenewals(ctx context.Context) error {
	versions, err := s.store.FindPolicyVersions(ctx)
	if err != nil {
		return fmt.Errorf("list policy versions: %w", err)
	}
	slices.Reverse(versions) // oldest first
	r := renewals{stale: map[string]map[string]bool{}}
	var labels []string
	last := map[string]string{} // purpose → signature in the previous version
	since := map[string]int{}   // purpose → index of the version that last changed it
	for i, v := range versions {
		full, err := s.store.FindPolicyVersion(ctx, v.Version)
		if err != nil {
			return fmt.Errorf("load policy version %q: %w", v.Version, err)
		}
		p, err := parse(full.Source)
		if err != nil {
			return fmt.Errorf("parse policy version %q: %w", v.Version, err)
		}
		labels = append(labels, v.Version)
		r.renewed = r.renewed[:0]
		seen := map[string]string{}
		for _, pu := range p.Purposes() {
			if !pu.HasBasis(policy.BasisConsent) {
				continue
			}
			sig := signature(pu)
			seen[pu.Key] = sig
			prev, existed := last[pu.Key]
			if existed && prev != sig {
				since[pu.Key] = i
				r.renewed = append(r.renewed, pu.Key)
			} else if !existed {
				since[pu.Key] = i
			}
		}
		last = seen
	}
	for purpose, idx := range since {
		if _, ok := last[purpose]; !ok || idx == 0 {
			continue
		}
		stale := map[string]bool{}
		for _, l := range labels[:idx] {
			stale[l] = true
		}
		r.stale[purpose] = stale
	}
	s.mu.Lock()
	s.renew = r
	s.mu.Unlock()
	return nil
}

// signature is what a consent covers: the purpose's description in every
// language and its data categories. A changed title alone asks nothing
// new of anyone.
func signature(pu *policy.Purpose) string {
	var b strings.Builder
	for _, lang := range slices.Sorted(maps.Keys(pu.Description)) {
		b.WriteString(lang + "\x00" + pu.Description[lang] + "\x00")
	}
	cats := slices.Sorted(slices.Values(pu.Categories))
	b.WriteString(strings.Join(cats, "\x00"))
	return b.String()
}

// OnPublish is called after a new version was published and made current.
type OnPublish func(ctx context.Context, p *policy.Policy, v *vern.PolicyVersion)

// SetOnPublish makes fn run after each publish that creates a version,
// such as to queue the notice of a significant change (S13). fn must not
// fail the publish: the version is stored by then.
func (s *Service) SetOnPublish(fn OnPublish) { s.onPublish = fn }
