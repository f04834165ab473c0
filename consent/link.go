package consent

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"github.com/vernhq/vern"
)

// linkDomain keeps withdrawal-link MACs apart from every other signature.
const linkDomain = "withdraw-link"

// ActorWithdrawalLink is the actor of withdrawals made through a link.
const ActorWithdrawalLink = "public:withdrawal_link"

const (
	linkVersion = 1
	linkMACSize = 32
	// linkMinSize is a token with three empty fields.
	linkMinSize = 1 + 8 + 3 + linkMACSize
)

// linkEncoding is strict so that a token has exactly one spelling: a
// changed trailing character never decodes to the same bytes.
var linkEncoding = base64.RawURLEncoding.Strict()

// linkToken is a verified withdrawal token.
type linkToken struct {
	personID, purpose, grantID string
	expires                    time.Time
}

var (
	errLinkInvalid = vern.Errorf(vern.EINVALID, "The withdrawal link is invalid.")
	errLinkExpired = vern.Errorf(vern.EINVALID, "The withdrawal link has expired.")
)

// WithdrawalToken returns a token for a link that withdraws the consent e
// grants, valid for ttl from now (Art. 7(3): withdrawing must be as easy as
// giving, so every consent can come with a link that withdraws it without a
// login). Returns EINVALID when e is not a consent_granted event or ttl is
// not positive.
//
// The token names one person, one purpose and the grant it was made for.
// Format, version 1, before encoding:
//
//	0x01                     version
//	8 bytes                  expiry, Unix seconds, big-endian
//	1 byte n, n bytes        person id
//	1 byte n, n bytes        purpose key
//	1 byte n, n bytes        id of the consent_granted event
//	32 bytes                 MAC: Signer.Sign("withdraw-link", all bytes above)
//
// encoded as unpadded, strict base64url, so that it can sit in a URL or a
// List-Unsubscribe header as is. The token is signed, not encrypted: it
// shows ids, never an email address or a name.
func (s *Service) WithdrawalToken(e *vern.ConsentEvent, ttl time.Duration) (string, error) {
	if e == nil || e.Kind != vern.EventConsentGranted {
		return "", vern.Errorf(vern.EINVALID, "Withdrawal links are made only for consent grants.")
	}
	if ttl <= 0 {
		return "", vern.Errorf(vern.EINVALID, "A withdrawal link needs a positive lifetime.")
	}
	fields := []string{e.PersonID, e.Purpose, e.ID}
	b := make([]byte, 0, linkMinSize+len(e.PersonID)+len(e.Purpose)+len(e.ID))
	b = append(b, linkVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(s.clock.Now().Add(ttl).Unix()))
	for _, f := range fields {
		if f == "" || len(f) > 255 {
			return "", vern.Errorf(vern.EINVALID, "The consent event lacks the ids a withdrawal link needs.")
		}
		b = append(b, byte(len(f)))
		b = append(b, f...)
	}
	b = append(b, s.signer.Sign(linkDomain, b)...)
	return linkEncoding.EncodeToString(b), nil
}

// parseLink checks a token's encoding, MAC and expiry, in that order, so
// that nothing in a forged token is read or reported on. Returns EINVALID.
func (s *Service) parseLink(token string) (linkToken, error) {
	b, err := linkEncoding.DecodeString(token)
	if err != nil || len(b) < linkMinSize || b[0] != linkVersion {
		return linkToken{}, errLinkInvalid
	}
	payload, mac := b[:len(b)-linkMACSize], b[len(b)-linkMACSize:]
	if !s.signer.Verify(linkDomain, payload, mac) {
		return linkToken{}, errLinkInvalid
	}
	exp := binary.BigEndian.Uint64(payload[1:9])
	rest := payload[9:]
	var fields [3]string
	for i := range fields {
		if len(rest) < 1 || len(rest) < 1+int(rest[0]) || rest[0] == 0 {
			return linkToken{}, errLinkInvalid
		}
		n := int(rest[0])
		fields[i], rest = string(rest[1:1+n]), rest[1+n:]
	}
	if len(rest) != 0 || exp > uint64(1<<62) {
		return linkToken{}, errLinkInvalid
	}
	t := linkToken{personID: fields[0], purpose: fields[1], grantID: fields[2], expires: time.Unix(int64(exp), 0)}
	if !s.clock.Now().Before(t.expires) {
		return linkToken{}, errLinkExpired
	}
	return t, nil
}

// DescribeToken verifies a withdrawal token and returns the purpose key it
// withdraws, for a confirmation page; it changes nothing. Returns EINVALID
// for a malformed, forged or expired token.
func (s *Service) DescribeToken(token string) (purpose string, err error) {
	t, err := s.parseLink(token)
	if err != nil {
		return "", err
	}
	return t.purpose, nil
}

// WithdrawByToken withdraws the consent a withdrawal token names, with ev
// as the evidence and ActorWithdrawalLink as the actor. The link withdraws
// the person's consent to the purpose in force now, even one given again
// after the grant the link was made for: a withdrawal is always what the
// person asked for.
//
// When no consent to the purpose is in force (the link was already used,
// or consent was withdrawn some other way) it returns (nil, nil): the
// person's wish holds, so using a link twice is harmless.
//
// Returns EINVALID for a malformed, forged or expired token, changing
// nothing, and otherwise the errors of Record.
func (s *Service) WithdrawByToken(ctx context.Context, token string, ev Evidence) (*vern.ConsentEvent, error) {
	t, err := s.parseLink(token)
	if err != nil {
		return nil, err
	}
	e, err := s.Record(ctx, ActorWithdrawalLink, RecordInput{PersonID: t.personID, Purpose: t.purpose, Action: ActionWithdraw, Evidence: ev})
	if errors.Is(err, errNothingToWithdraw) {
		return nil, nil
	}
	return e, err
}
