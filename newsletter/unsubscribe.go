package newsletter

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/consent"
)

// tokenDomain keeps unsubscribe-link MACs apart from every other
// signature, withdrawal links included.
const tokenDomain = "unsubscribe-link"

// ActorUnsubscribeLink is the actor of changes made through an unsubscribe link.
const ActorUnsubscribeLink = "public:unsubscribe_link"

const (
	tokenVersion = 1
	tokenMACSize = 32
)

var (
	tokenEncoding   = base64.RawURLEncoding.Strict()
	errTokenInvalid = vern.Errorf(vern.EINVALID, "The unsubscribe link is invalid.")
)

// Token returns the opaque token of a person's unsubscribe link for list
// (RFC 8058: hard to forge, naming the list and the person):
//
//	0x01, 1 byte n + n bytes list, 1 byte n + n bytes person id,
//	32 bytes MAC: Signer.Sign("unsubscribe-link", all bytes before)
//
// as strict unpadded base64url. It does not expire: a link in an old
// email must keep working. It shows ids, never an address.
func (s *Service) Token(list, personID string) (string, error) {
	if list == "" || personID == "" || len(list) > 255 || len(personID) > 255 {
		return "", vern.Errorf(vern.EINVALID, "An unsubscribe link needs a list and a person.")
	}
	b := make([]byte, 0, 3+len(list)+len(personID)+tokenMACSize)
	b = append(b, tokenVersion, byte(len(list)))
	b = append(b, list...)
	b = append(b, byte(len(personID)))
	b = append(b, personID...)
	b = append(b, s.keys.Sign(tokenDomain, b)...)
	return tokenEncoding.EncodeToString(b), nil
}

// UnsubscribeURL returns the one-click link of a person for list.
func (s *Service) UnsubscribeURL(list, personID string) (string, error) {
	t, err := s.Token(list, personID)
	if err != nil {
		return "", err
	}
	return s.baseURL + "/u/" + t, nil
}

// parse checks a token's encoding and MAC before reading anything in it.
// A token for another list fails the MAC, since the list is signed.
func (s *Service) parse(token string) (list, personID string, err error) {
	b, err := tokenEncoding.DecodeString(token)
	if err != nil || len(b) < 3+tokenMACSize || b[0] != tokenVersion {
		return "", "", errTokenInvalid
	}
	payload, mac := b[:len(b)-tokenMACSize], b[len(b)-tokenMACSize:]
	if !s.keys.Verify(tokenDomain, payload, mac) {
		return "", "", errTokenInvalid
	}
	rest := payload[1:]
	var fields [2]string
	for i := range fields {
		if len(rest) < 1 || rest[0] == 0 || len(rest) < 1+int(rest[0]) {
			return "", "", errTokenInvalid
		}
		n := int(rest[0])
		fields[i], rest = string(rest[1:1+n]), rest[1+n:]
	}
	if len(rest) != 0 || (fields[0] != vern.ListNewsletter && fields[0] != vern.ListCustomerUpdates) {
		return "", "", errTokenInvalid
	}
	return fields[0], fields[1], nil
}

// Describe verifies a token and returns the list it unsubscribes from,
// for a confirmation page; it changes nothing. Returns EINVALID.
func (s *Service) Describe(token string) (list string, err error) {
	list, _, err = s.parse(token)
	return list, err
}

// Unsubscribe takes the person a token names off its list at once (GDPR
// Art. 7(3), 21(3)): for the newsletter it withdraws the consent, for
// customer updates it records an objection, and in the same transaction
// it puts the person's email on the suppression list, so that no audience
// or mailing reaches them again. Using a link twice, or for someone
// already erased, changes nothing and is no error. Returns EINVALID for a
// forged, altered or malformed token, changing nothing.
func (s *Service) Unsubscribe(ctx context.Context, token string, ev consent.Evidence) (personID string, err error) {
	list, personID, err := s.parse(token)
	if err != nil {
		return "", err
	}
	sp, err := s.store.FindPersonByID(ctx, personID)
	if vern.ErrorCode(err) == vern.ENOTFOUND {
		return "", nil // erased: already suppressed, nothing left to stop
	} else if err != nil {
		return "", fmt.Errorf("find person: %w", err)
	}
	suppress := func(tx vern.Store) error {
		if sp.EmailIndex == nil {
			return nil
		}
		return tx.AddSuppression(ctx, &vern.Suppression{Hash: sp.EmailIndex, Reason: vern.SuppressUnsubscribe, At: s.clock.Now()})
	}
	switch list {
	case vern.ListNewsletter:
		_, err = s.ledger.Record(ctx, ActorUnsubscribeLink, consent.RecordInput{PersonID: personID, Purpose: list, Action: consent.ActionWithdraw, Evidence: ev}, suppress)
		if vern.ErrorCode(err) == vern.ECONFLICT {
			// No consent in force (already unsubscribed): the suppression
			// entry still holds the wish.
			err = suppress(s.store)
		}
	default:
		_, err = s.ledger.Object(ctx, ActorUnsubscribeLink, consent.ObjectionInput{PersonID: personID, Scope: list, Evidence: ev}, suppress)
	}
	if vern.ErrorCode(err) == vern.ENOTFOUND {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("unsubscribe: %w", err)
	}
	return personID, nil
}
