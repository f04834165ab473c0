package retention

import "github.com/vernhq/vern/policy"

// Register returns the register of recipients of the policy in force,
// with the warnings that apply today (S7).
func (s *Service) Register() []*policy.RegisterEntry {
	pol, _ := s.policy.Current()
	return pol.Register(s.clock.Now())
}

// Record returns the record of processing activities (GDPR Art. 30) of
// the policy in force, in lang.
func (s *Service) Record(lang string) *policy.Record {
	pol, _ := s.policy.Current()
	return pol.Record(lang, s.clock.Now())
}
