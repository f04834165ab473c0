package mail

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/keyring"
)

func mailAAD(id string) []byte { return []byte("mail:" + id) }

// Seal returns m ready for the mail outbox, sealed with a data key of its
// own that is erased with the content once the mail is sent.
func Seal(keys *keyring.Keyring, now time.Time, requestID string, m vern.Mail) (*vern.SealedMail, error) {
	now = now.UTC().Truncate(time.Microsecond)
	id := vern.NewID("mail", now)
	dk, wrapped, err := keys.NewDataKey(id)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode mail: %w", err)
	}
	return &vern.SealedMail{ID: id, RequestID: requestID, Template: m.Template, WrappedKey: wrapped,
		Sealed: dk.Seal(b, mailAAD(id)), CreatedAt: now, NextAttemptAt: now}, nil
}

// Open returns the mail stored as sm.
func Open(keys *keyring.Keyring, sm *vern.SealedMail) (*vern.Mail, error) {
	dk, err := keys.Unwrap(sm.WrappedKey, sm.ID)
	if err != nil {
		return nil, fmt.Errorf("key of mail %s: %w", sm.ID, err)
	}
	b, err := dk.Open(sm.Sealed, mailAAD(sm.ID))
	if err != nil {
		return nil, fmt.Errorf("open mail %s: %w", sm.ID, err)
	}
	var m vern.Mail
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode mail %s: %w", sm.ID, err)
	}
	return &m, nil
}
