// Package publish keeps the policy versions (S13): it publishes a policy
// file as a new version when its content changes, keeps every earlier
// version readable, and serves the current one to the rest of Vern.
package publish

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/policy"
)

// Service holds the current policy version.
type Service struct {
	store vern.Store
	clock vern.Clock

	mu       sync.RWMutex
	current  *policy.Policy
	version  *vern.PolicyVersion
	rendered map[string][]byte // notice HTML per language, for the current version
	renew    renewals          // consent renewals as of the current version (renewal.go)

	onPublish OnPublish
}

// New returns a publisher with no current policy; call Publish or Load first.
func New(store vern.Store, clock vern.Clock) *Service {
	return &Service{store: store, clock: clock}
}

// Publish makes the policy file src current. A file whose content is already
// the newest stored version changes nothing; new content is stored as a new
// version. published reports whether a version was created.
//
// Returns EINVALID with every problem of a broken file, and ECONFLICT when
// new content reuses a published version label (a changed policy needs a new
// label, so that every consent can name the exact text it was given under).
func (s *Service) Publish(ctx context.Context, src []byte) (v *vern.PolicyVersion, published bool, err error) {
	p, err := parse(src)
	if err != nil {
		return nil, false, err
	}
	err = s.store.InTx(ctx, func(tx vern.Store) error {
		latest, err := tx.FindLatestPolicyVersion(ctx)
		if err == nil && latest.Hash == p.Hash() {
			v = latest
			return nil
		} else if err != nil && vern.ErrorCode(err) != vern.ENOTFOUND {
			return err
		}
		if old, err := tx.FindPolicyVersion(ctx, p.Version); err == nil {
			if latest == nil {
				// On PostgreSQL another node's publish committed between
				// the two reads; the handler below adopts its version.
				return vern.Errorf(vern.ECONFLICT, "Policy version %q was published at the same moment by another node.", p.Version)
			}
			if old.Hash == p.Hash() {
				return vern.Errorf(vern.ECONFLICT, "Policy version %q is older than the current version %q; publish it under a new version label to make it current again.", p.Version, latest.Version)
			}
			return vern.Errorf(vern.ECONFLICT, "The policy file changed but its version label %q is already published; give the new version a new label.", p.Version)
		} else if vern.ErrorCode(err) != vern.ENOTFOUND {
			return err
		}
		v = &vern.PolicyVersion{Version: p.Version, Hash: p.Hash(), PublishedAt: p.PublishedAt, RecordedAt: s.clock.Now(), Source: src}
		published = true
		return tx.CreatePolicyVersion(ctx, v)
	})
	if vern.ErrorCode(err) == vern.ECONFLICT {
		// Another node published the same file at the same moment (two
		// nodes starting on an empty database): its version is ours.
		if latest, lerr := s.store.FindLatestPolicyVersion(ctx); lerr == nil && latest.Hash == p.Hash() {
			v, published, err = latest, false, nil
		}
	}
	if err != nil {
		return nil, false, fmt.Errorf("publish policy: %w", err)
	}
	s.setCurrent(p, v)
	if err := s.loadRenewals(ctx); err != nil {
		return v, published, err
	}
	if published && s.onPublish != nil {
		s.onPublish(ctx, p, v)
	}
	return v, published, nil
}

// Load makes the newest stored version current, or publishes fallback when
// no version is stored yet (a new installation starts on the seed policy).
func (s *Service) Load(ctx context.Context, fallback []byte) (*vern.PolicyVersion, error) {
	latest, err := s.store.FindLatestPolicyVersion(ctx)
	if vern.ErrorCode(err) == vern.ENOTFOUND {
		v, _, err := s.Publish(ctx, fallback)
		return v, err
	} else if err != nil {
		return nil, fmt.Errorf("load policy: %w", err)
	}
	p, err := parse(latest.Source)
	if err != nil {
		return nil, fmt.Errorf("load stored policy %q: %w", latest.Version, err)
	}
	s.setCurrent(p, latest)
	if err := s.loadRenewals(ctx); err != nil {
		return nil, err
	}
	return latest, nil
}

// Refresh picks up a version that another node published.
func (s *Service) Refresh(ctx context.Context) error {
	latest, err := s.store.FindLatestPolicyVersion(ctx)
	if err != nil {
		return fmt.Errorf("refresh policy: %w", err)
	}
	if _, cur := s.Current(); cur != nil && cur.Seq == latest.Seq {
		return nil
	}
	p, err := parse(latest.Source)
	if err != nil {
		return fmt.Errorf("refresh policy %q: %w", latest.Version, err)
	}
	s.setCurrent(p, latest)
	return s.loadRenewals(ctx)
}

func (s *Service) setCurrent(p *policy.Policy, v *vern.PolicyVersion) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.version != nil && s.version.Seq > v.Seq {
		return // never go back to an older version
	}
	s.current, s.version, s.rendered = p, v, map[string][]byte{}
}

// Current returns the current policy and its version record.
func (s *Service) Current() (*policy.Policy, *vern.PolicyVersion) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.current, s.version
}

// Versions lists every published version, newest first.
func (s *Service) Versions(ctx context.Context) ([]*vern.PolicyVersion, error) {
	return s.store.FindPolicyVersions(ctx)
}

// Version returns a published version by label. Returns ENOTFOUND.
func (s *Service) Version(ctx context.Context, label string) (*policy.Policy, *vern.PolicyVersion, error) {
	v, err := s.store.FindPolicyVersion(ctx, label)
	if vern.ErrorCode(err) == vern.ENOTFOUND {
		return nil, nil, vern.Errorf(vern.ENOTFOUND, "Policy version not found.")
	} else if err != nil {
		return nil, nil, err
	}
	p, err := parse(v.Source)
	if err != nil {
		return nil, nil, fmt.Errorf("parse stored policy %q: %w", v.Version, err)
	}
	return p, v, nil
}

// Notice returns the current privacy notice as HTML in lang ("" for the
// policy's default language). Returns EINVALID for a language the policy
// is not written in.
func (s *Service) Notice(lang string) ([]byte, error) {
	s.mu.RLock()
	p, html := s.current, s.rendered[lang]
	s.mu.RUnlock()
	if p == nil {
		return nil, vern.Errorf(vern.ENOTFOUND, "No policy is published yet.")
	}
	if html != nil {
		return html, nil
	}
	if lang == "" {
		lang = p.DefaultLanguage
	}
	if !slices.Contains(p.Languages, lang) {
		return nil, vern.Invalid(vern.FieldError{Field: "lang", Code: "unknown_language", Message: "The privacy notice is not available in that language."})
	}
	html, err := p.Render(lang)
	if err != nil {
		return nil, fmt.Errorf("render notice: %w", err)
	}
	s.mu.Lock()
	if s.current == p {
		s.rendered[lang] = html
	}
	s.mu.Unlock()
	return html, nil
}

// parse turns policy problems into an EINVALID error listing each one.
func parse(src []byte) (*policy.Policy, error) {
	p, err := policy.Parse(src)
	if err == nil {
		return p, nil
	}
	var probs *policy.Problems
	if errors.As(err, &probs) {
		var fs vern.Fields
		for _, pr := range probs.List {
			fs.Add(pr.Path, "policy", fmt.Sprintf("line %d: %s", pr.Line, pr.Message))
		}
		return nil, &vern.Error{Code: vern.EINVALID, Message: "The policy file is invalid.", Fields: fs}
	}
	return nil, err
}
