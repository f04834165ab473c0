package request

import (
	"context"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/mail"
)

// enqueueMail adds m to the mail outbox inside tx, sealed with a key of its
// own, so the mail goes out exactly when the change it announces commits.
func (s *Service) enqueueMail(ctx context.Context, tx vern.Store, requestID string, m vern.Mail) error {
	sm, err := mail.Seal(s.keys, s.clock.Now(), requestID, m)
	if err != nil {
		return err
	}
	return tx.EnqueueMail(ctx, sm)
}
