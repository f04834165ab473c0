package newsletter

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/mail"
	"github.com/vernhq/vern/policy"
)

// queuePage is how many people are decided and queued per transaction.
const queuePage = 2000

// queue walks the registry in id order and queues one mail per recipient
// not yet recorded for the send, a page per transaction: the outbox rows,
// the recipient records and the send's progress commit together, so a
// crash loses nothing and a resumed send mails no one twice.
func (s *Service) queue(ctx context.Context, p *policy.Policy, sd *vern.Send) error {
	after := ""
	for {
		cands, err := s.store.FindAudienceCandidates(ctx, after, queuePage)
		if err != nil {
			return fmt.Errorf("read people: %w", err)
		}
		if len(cands) == 0 {
			break
		}
		recipients, skipped, err := s.recipients(ctx, p, sd, after, cands)
		if err != nil {
			return err
		}
		after = cands[len(cands)-1].Person.ID
		msgs := make([]*vern.SealedMail, 0, len(recipients))
		recs := make([]vern.SendRecipient, 0, len(recipients))
		now := s.clock.Now()
		for _, sp := range recipients {
			pd, err := s.people.OpenPersonal(sp)
			if err != nil {
				return fmt.Errorf("open person: %w", err)
			}
			if pd.Email == "" {
				skipped++
				continue
			}
			m, err := s.mail(p, sd, sp, pd.Email)
			if err != nil {
				return err
			}
			sm, err := mail.Seal(s.keys, now, "", m)
			if err != nil {
				return fmt.Errorf("seal mail: %w", err)
			}
			msgs = append(msgs, sm)
			recs = append(recs, vern.SendRecipient{PersonID: sp.ID, MailID: sm.ID})
		}
		queued, skip := sd.Queued+len(msgs), sd.Skipped+skipped
		err = s.store.InTx(ctx, func(tx vern.Store) error {
			if err := tx.EnqueueMail(ctx, msgs...); err != nil {
				return err
			}
			if err := tx.AddSendRecipients(ctx, sd.ID, recs, now); err != nil {
				return err
			}
			upd := *sd
			upd.Queued, upd.Skipped = queued, skip
			return tx.UpdateSendProgress(ctx, &upd)
		})
		if err != nil {
			return fmt.Errorf("queue send %s: %w", sd.ID, err)
		}
		sd.Queued, sd.Skipped = queued, skip
	}
	done := s.clock.Now().UTC().Truncate(time.Microsecond)
	sd.Status, sd.QueuedAt = vern.SendQueued, &done
	if err := s.store.UpdateSendProgress(ctx, sd); err != nil {
		return fmt.Errorf("finish send %s: %w", sd.ID, err)
	}
	return nil
}

// recipients keeps the page's people the send may mail: allowed for the
// list's purpose (for a policy notice: not restricted), not suppressed and
// not already recorded for the send. skipped counts the others, except
// those already recorded.
func (s *Service) recipients(ctx context.Context, p *policy.Policy, sd *vern.Send, after string, cands []*vern.AudienceCandidate) ([]*vern.SealedPerson, int, error) {
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.Person.ID
	}
	events, contracts, err := s.store.FindAudienceLedger(ctx, after, ids[len(ids)-1])
	if err != nil {
		return nil, 0, fmt.Errorf("read ledgers: %w", err)
	}
	allowed := make([]bool, len(cands))
	if sd.List == vern.ListPolicyNotice {
		// A notice is information the controller owes (Art. 12, 13), not
		// marketing; only a restriction (Art. 18) stops it.
		for i, id := range ids {
			allowed[i] = consent.Fold(events[id]).Restriction == nil
		}
	} else {
		ds, _, err := s.ledger.DecideLoaded(sd.List, ids, events, contracts)
		if err != nil {
			return nil, 0, fmt.Errorf("decide %s: %w", sd.List, err)
		}
		for i, d := range ds {
			allowed[i] = d.Allowed
		}
	}
	done, err := s.store.FindSendRecipients(ctx, sd.ID, ids)
	if err != nil {
		return nil, 0, fmt.Errorf("find send recipients: %w", err)
	}
	var hashes [][]byte
	kept := make([]*vern.SealedPerson, 0, len(cands))
	skipped := 0
	for i, c := range cands {
		switch {
		case done[c.Person.ID]:
		case !allowed[i] || c.Person.EmailIndex == nil:
			skipped++
		default:
			kept = append(kept, c.Person)
			hashes = append(hashes, c.Person.EmailIndex)
		}
	}
	suppressed, err := s.store.FindSuppressed(ctx, hashes)
	if err != nil {
		return nil, 0, fmt.Errorf("check suppression list: %w", err)
	}
	out := kept[:0]
	for _, sp := range kept {
		if suppressed[string(sp.EmailIndex)] {
			skipped++
			continue
		}
		out = append(out, sp)
	}
	return out, skipped, nil
}

// mail builds one recipient's mail in their language.
func (s *Service) mail(p *policy.Policy, sd *vern.Send, sp *vern.SealedPerson, to string) (vern.Mail, error) {
	lang := language(p, sp.Language)
	if sd.List == vern.ListPolicyNotice {
		summary := ""
		if p.Change != nil {
			summary = p.Change.Summary.Get(lang)
		}
		if strings.TrimSpace(summary) == "" {
			return vern.Mail{}, vern.Errorf(vern.EINVALID, "The policy's change summary is missing in %s.", lang)
		}
		var renew []string
		for _, key := range s.policy.Renewed() {
			if pu, ok := p.Purpose(key); ok {
				renew = append(renew, pu.Title.Get(lang))
			}
		}
		return vern.Mail{To: to, Template: vern.MailPolicyNotice, Language: lang, Vars: map[string]string{
			"version": sd.PolicyVersion, "summary": summary, "notice_url": s.baseURL + "/privacy?lang=" + lang,
			"reconsent": strings.Join(renew, "\n"),
		}}, nil
	}
	url, err := s.UnsubscribeURL(sd.List, sp.ID)
	if err != nil {
		return vern.Mail{}, err
	}
	return vern.Mail{To: to, Template: vern.MailNewsletter, Language: lang,
		Vars: map[string]string{"subject": sd.Subject[lang], "body": sd.Body[lang], "unsubscribe_url": url, "list": sd.List},
		// RFC 2369 and RFC 8058: one HTTPS URI on one line (folding can
		// break DKIM at some MTAs), and the one-click key exactly.
		Headers: map[string]string{"List-Unsubscribe": "<" + url + ">", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
	}, nil
}

// language picks the policy language closest to the person's: theirs
// when the policy is written in it (no and nn read as nb), else the
// policy's default.
func language(p *policy.Policy, tag string) string {
	primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
	if primary == "no" || primary == "nn" {
		primary = "nb"
	}
	for _, l := range p.Languages {
		if l == primary {
			return l
		}
	}
	return p.DefaultLanguage
}
