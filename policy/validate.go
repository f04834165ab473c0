package policy

import (
	"slices"
	"strings"
)

// eea lists the EEA states (EU plus Iceland, Liechtenstein and Norway).
// Transfers to any other country need a Chapter V safeguard.
var eea = []string{
	"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
	"LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO",
}

// validate runs the checks that need the whole policy: duplicates,
// references between sections and the legal rules that tie them together.
// It also runs on a policy with structural problems, so every check must
// tolerate empty fields.
func (d *decoder) validate(p *Policy) {
	d.checkKeys(p)
	d.checkPurposes(p)
	d.checkScopes(p)
	d.checkRecipients(p)
	d.checkCookies(p)
	d.checkRetention(p)
	d.checkCoverage(p)
	d.checkNotice(p)
	d.checkRights(p)
}

// checkKeys reports duplicate keys in every keyed list, and fields claimed
// by two categories: each registry field must map to exactly one category.
func (d *decoder) checkKeys(p *Policy) {
	dups := func(list, what string, keys []string) {
		first := map[string]int{}
		for i, k := range keys {
			if k == "" {
				continue // missing key, already reported
			}
			if j, ok := first[k]; ok {
				d.errorf(field(index(list, i), "key"), "duplicate %s key %q (first at line %d)", what, k, d.at(index(list, j)).line)
				continue
			}
			first[k] = i
		}
	}
	dups("sources", "source", keysOf(p.sources, func(x *Source) string { return x.Key }))
	dups("data_categories", "data category", keysOf(p.categories, func(x *DataCategory) string { return x.Key }))
	dups("never_collected", "never_collected", keysOf(p.neverCollected, func(x *NeverCollected) string { return x.Key }))
	dups("purposes", "purpose", keysOf(p.purposes, func(x *Purpose) string { return x.Key }))
	dups("objection_scopes", "objection scope", keysOf(p.scopes, func(x *ObjectionScope) string { return x.Key }))
	dups("recipients", "recipient", keysOf(p.recipients, func(x *Recipient) string { return x.Key }))
	dups("retention", "retention rule", keysOf(p.retention, func(x *RetentionRule) string { return x.Key }))
	dups("cookies", "cookie category", keysOf(p.cookies, func(x *CookieCategory) string { return x.Key }))

	owner := map[string]string{}
	for i, c := range p.categories {
		for j, f := range c.Fields {
			if o, ok := owner[f]; ok && o != c.Key {
				d.errorf(index(field(index("data_categories", i), "fields"), j), "field %q already belongs to data category %q", f, o)
				continue
			}
			owner[f] = c.Key
		}
	}
}

func keysOf[T any](xs []*T, key func(*T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = key(x)
	}
	return out
}

// refs reports the entries of list (at path) that are not keys of known.
// Nothing is reported against an empty collection: its absence is already
// a problem, and repeating it at every reference would bury that one.
func refs[T any](d *decoder, path, what string, list []string, known map[string]*T) {
	if len(known) == 0 {
		return
	}
	for i, k := range list {
		if _, ok := known[k]; !ok {
			d.errorf(index(path, i), "unknown %s %q", what, k)
		}
	}
}

func (d *decoder) checkPurposes(p *Policy) {
	for i, pu := range p.purposes {
		path := index("purposes", i)
		refs(d, field(path, "categories"), "data category", pu.Categories, p.categoryByKey)
		if pu.CookieCategory != "" {
			cp := field(path, "cookie_category")
			c, ok := p.cookieByKey[pu.CookieCategory]
			switch {
			case !ok:
				d.errorf(cp, "unknown cookie category %q", pu.CookieCategory)
			case c.AlwaysOn:
				d.errorf(cp, "cookie category %q is always on, so it cannot gate a purpose", c.Key)
			case c.Purpose != pu.Key:
				d.errorf(cp, "cookie category %q gates purpose %q, not %q", c.Key, c.Purpose, pu.Key)
			}
			if !pu.HasBasis(BasisConsent) {
				// Non-essential cookies need consent (ekomloven § 3-15).
				d.errorf(field(path, "legal_basis"), "a cookie-gated purpose must rely on consent")
			}
			if !pu.HasOptOut(OptOutCookieSettings) {
				d.errorf(field(path, "opt_out"), "a cookie-gated purpose must offer opt_out cookie_settings")
			}
		} else if pu.HasOptOut(OptOutCookieSettings) {
			d.errorf(field(path, "opt_out"), "cookie_settings can only stop a purpose that has a cookie_category")
		}
		switch {
		case len(pu.OptOut) > 0:
		case pu.HasBasis(BasisConsent):
			// Withdrawing must be as easy as giving consent (Art. 7(3)).
			d.errorf(field(path, "opt_out"), "a consent purpose must offer a way to withdraw (opt_out)")
		case pu.DirectMarketing:
			d.errorf(field(path, "opt_out"), "a direct-marketing purpose must offer a way to object (opt_out)")
		}
	}
}

func (d *decoder) checkScopes(p *Policy) {
	for i, s := range p.scopes {
		path := index("objection_scopes", i)
		if _, ok := p.purposeByKey[s.Key]; ok {
			d.errorf(field(path, "key"), "objection scope %q has the same key as a purpose", s.Key)
		}
		refs(d, field(path, "purposes"), "purpose", s.Purposes, p.purposeByKey)
		if s.Key != "direct_marketing" {
			continue
		}
		for j, k := range s.Purposes {
			if pu, ok := p.purposeByKey[k]; ok && !pu.DirectMarketing {
				d.errorf(index(field(path, "purposes"), j), "purpose %q is in the direct_marketing scope but not marked direct_marketing: true", k)
			}
		}
	}
	dm, hasDM := p.scopeByKey["direct_marketing"]
	for i, pu := range p.purposes {
		if !pu.DirectMarketing {
			continue
		}
		// An objection to direct marketing must reach every such purpose
		// (Art. 21(3)), and the API resolves it through this scope.
		if !hasDM {
			d.errorf(field(index("purposes", i), "direct_marketing"), "purpose is marked direct_marketing but there is no objection scope direct_marketing")
		} else if !slices.Contains(dm.Purposes, pu.Key) {
			d.errorf(field(index("purposes", i), "direct_marketing"), "purpose %q is marked direct_marketing but missing from objection scope direct_marketing", pu.Key)
		}
	}
}

func (d *decoder) checkRecipients(p *Policy) {
	for i, r := range p.recipients {
		path := index("recipients", i)
		refs(d, field(path, "categories"), "data category", r.Categories, p.categoryByKey)
		refs(d, field(path, "purposes"), "purpose", r.Purposes, p.purposeByKey)
		inEEA := slices.Contains(eea, r.Country)
		switch {
		case r.Country != "" && !inEEA && r.TransferBasis == "":
			d.errorf(field(path, "country"), "%s is outside the EEA; state transfer_basis (GDPR Chapter V)", r.Country)
		case r.TransferBasis != "" && r.Country == "":
			d.errorf(field(path, "transfer_basis"), "transfer_basis needs the country the data goes to")
		case r.TransferBasis != "" && inEEA:
			d.errorf(field(path, "transfer_basis"), "%s is in the EEA, so no transfer basis applies", r.Country)
		}
		switch r.Role {
		case RoleProcessor:
			if r.DPA == nil {
				d.errorf(field(path, "dpa"), "a processor needs a dpa entry (Art. 28(3)); write dpa: {status: missing} until one is signed")
			} else if r.DPA.Status == DPANotRequired {
				d.errorf(field(field(path, "dpa"), "status"), "a processor always needs a data processing agreement (Art. 28(3))")
			}
		case RoleAuthority:
			if r.DPA != nil && r.DPA.Status != DPANotRequired {
				d.errorf(field(field(path, "dpa"), "status"), "an authority receives data under the law, not under a data processing agreement")
			}
		}
		if r.Role != RoleAuthority && r.Country == "" {
			d.warnf(path, "recipient %q: country not stated, so transfers outside the EEA cannot be checked", r.Key)
		}
		if r.Role == RoleProcessor && r.DPA != nil && r.DPA.Status == DPAMissing {
			d.warnf(field(path, "dpa"), "recipient %q: no signed data processing agreement (Art. 28(3))", r.Key)
		}
	}
}

func (d *decoder) checkCookies(p *Policy) {
	for i, c := range p.cookies {
		path := index("cookies", i)
		switch {
		case c.AlwaysOn && c.Purpose != "":
			d.errorf(field(path, "purpose"), "an always-on category cannot gate a purpose; only strictly necessary cookies may skip consent")
		case !c.AlwaysOn && c.Purpose == "":
			d.errorf(path, "a cookie category that needs consent must name the purpose it gates")
		case c.Purpose != "":
			if pu, ok := p.purposeByKey[c.Purpose]; !ok {
				d.errorf(field(path, "purpose"), "unknown purpose %q", c.Purpose)
			} else if pu.CookieCategory != c.Key {
				d.errorf(field(path, "purpose"), "purpose %q must name cookie_category %q", c.Purpose, c.Key)
			}
		}
		for j, t := range c.Tools {
			if t.Recipient == "" {
				continue
			}
			tp := field(index(field(path, "tools"), j), "recipient")
			r, ok := p.recipientByKey[t.Recipient]
			switch {
			case !ok:
				d.errorf(tp, "unknown recipient %q", t.Recipient)
			case c.Purpose != "" && !slices.Contains(r.Purposes, c.Purpose):
				d.errorf(tp, "recipient %q does not list purpose %q", t.Recipient, c.Purpose)
			}
		}
	}
}

func (d *decoder) checkRetention(p *Policy) {
	for i, r := range p.retention {
		path := index("retention", i)
		refs(d, field(path, "purposes"), "purpose", r.Purposes, p.purposeByKey)
		refs(d, field(path, "categories"), "data category", r.Categories, p.categoryByKey)
		allKnown := !slices.ContainsFunc(r.Purposes, func(k string) bool { _, ok := p.purposeByKey[k]; return !ok })
		if len(r.Purposes) > 0 && allKnown {
			for j, c := range r.Categories {
				if !slices.ContainsFunc(r.Purposes, func(k string) bool {
					pu, ok := p.purposeByKey[k]
					return ok && slices.Contains(pu.Categories, c)
				}) {
					d.errorf(index(field(path, "categories"), j), "data category %q is not used by any of the rule's purposes", c)
				}
			}
		}
		if r.Anchor == AnchorConsentWithdrawn {
			if len(r.Purposes) == 0 {
				d.errorf(field(path, "anchor"), "anchor consent_withdrawn needs purposes that rely on consent")
			}
			for j, k := range r.Purposes {
				if pu, ok := p.purposeByKey[k]; ok && !pu.HasBasis(BasisConsent) {
					d.errorf(index(field(path, "purposes"), j), "purpose %q does not rely on consent, so consent_withdrawn never happens for it", k)
				}
			}
		}
		if r.Action == ActionTruncateIP && len(p.categoryByKey) > 0 && !slices.ContainsFunc(p.ruleCategories(r), func(k string) bool {
			c, ok := p.categoryByKey[k]
			return ok && slices.Contains(c.Fields, "ip_address")
		}) {
			d.errorf(field(path, "action"), "truncate_ip needs a data category with the field ip_address")
		}
		if h := r.LegalHold; h != nil {
			ok, comparable := holdCovered(r.Period, r.Anchor, h)
			switch {
			case !comparable:
				d.errorf(field(field(path, "legal_hold"), "anchor"), "cannot compare legal hold anchor %s with rule anchor %s; use the rule's anchor, collected or financial_year_end", h.Anchor, r.Anchor)
			case !ok:
				d.errorf(field(path, "period"), "retention period %s %s is shorter than the legal hold %s %s (%s)", r.Period, r.Anchor, h.Period, h.Anchor, h.Law)
			}
		}
	}
	// A rule that deletes data another rule must keep by law promises
	// something the law forbids; the enforcer would skip the records, but
	// the notice would be wrong.
	for i, a := range p.retention {
		if a.Action != ActionDelete && a.Action != ActionAnonymise {
			continue
		}
		for j, b := range p.retention {
			if i == j || b.LegalHold == nil || !p.overlap(a, b) {
				continue
			}
			if ok, comparable := holdCovered(a.Period, a.Anchor, b.LegalHold); comparable && !ok {
				d.errorf(field(index("retention", i), "period"), "retention period %s %s is shorter than the legal hold %s %s (%s) of rule %q on the same data",
					a.Period, a.Anchor, b.LegalHold.Period, b.LegalHold.Anchor, b.LegalHold.Law, b.Key)
			}
		}
	}
}

// holdCovered reports whether a rule keeping data for period from anchor
// keeps it at least as long as the hold. Every anchor falls on or after
// collection, and a financial year ends at most a year after a record made
// in it, which makes these cases comparable; others are not.
func holdCovered(period Period, anchor Anchor, h *LegalHold) (ok, comparable bool) {
	switch {
	case anchor == h.Anchor, h.Anchor == AnchorCollected:
		return period.atLeast(h.Period), true
	case h.Anchor == AnchorFinancialYearEnd:
		return period.atLeast(h.Period.add(Period{Years: 1})), true
	}
	return false, false
}

// overlap reports whether two rules can cover the same record: they share
// a category, and a purpose (a rule without purposes covers them all).
func (p *Policy) overlap(a, b *RetentionRule) bool {
	ac, bc := p.ruleCategories(a), p.ruleCategories(b)
	if !slices.ContainsFunc(ac, func(c string) bool { return slices.Contains(bc, c) }) {
		return false
	}
	return len(a.Purposes) == 0 || len(b.Purposes) == 0 ||
		slices.ContainsFunc(a.Purposes, func(k string) bool { return slices.Contains(b.Purposes, k) })
}

// checkCoverage requires a deleting or anonymising rule for every personal
// category of every purpose: without one the data would be kept forever,
// against storage limitation (Art. 5(1)(e)), and the notice could not state
// a period (Art. 13(2)(a)).
func (d *decoder) checkCoverage(p *Policy) {
	for i, pu := range p.purposes {
		for j, c := range pu.Categories {
			cat, ok := p.categoryByKey[c]
			if !ok || !cat.Personal {
				continue
			}
			covered := slices.ContainsFunc(p.retention, func(r *RetentionRule) bool {
				return (r.Action == ActionDelete || r.Action == ActionAnonymise) &&
					(len(r.Purposes) == 0 || slices.Contains(r.Purposes, pu.Key)) &&
					slices.Contains(p.ruleCategories(r), c)
			})
			if !covered {
				d.errorf(index(field(index("purposes", i), "categories"), j), "no retention rule deletes or anonymises data category %q for purpose %q", c, pu.Key)
			}
		}
	}
}

// checkNotice requires an explanation in the notice for every legal basis a
// purpose relies on.
func (d *decoder) checkNotice(p *Policy) {
	if !d.seen("notice.legal_bases") {
		return // reported as missing
	}
	for _, b := range legalBases {
		if _, ok := p.Notice.LegalBases[b]; ok {
			continue
		}
		var users []string
		for _, pu := range p.PurposesWithBasis(b) {
			users = append(users, pu.Key)
		}
		if len(users) > 0 {
			d.errorf(field("notice", "legal_bases"), "missing explanation of legal basis %s, used by %s", b, strings.Join(users, ", "))
		}
	}
}

// checkRights requires every right of Art. 13(2)(b)-(c) exactly once.
func (d *decoder) checkRights(p *Policy) {
	if len(p.Rights.Items) == 0 {
		return // reported as missing or empty
	}
	seen := map[RightKind]bool{}
	for i, r := range p.Rights.Items {
		if seen[r.Kind] {
			d.errorf(field(index("rights.items", i), "key"), "right %q is listed twice", r.Kind)
		}
		seen[r.Kind] = true
	}
	var missing []string
	for _, k := range rightKinds {
		if !seen[k] {
			missing = append(missing, string(k))
		}
	}
	if len(missing) > 0 {
		d.errorf("rights.items", "missing right %s (Art. 13(2))", strings.Join(missing, ", "))
	}
}
