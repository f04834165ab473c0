package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vernhq/vern"
)

const visitorConsentColumns = `id, visitor_id, seq, nonce, policy_version, cookie_hash, granted, refused, gpc, language, origin, page_url, user_agent, ip_prefix, at, prev_hash, hash`

// AppendVisitorConsent stores c. UNIQUE (visitor_id, seq) turns a second
// append at one position into ECONFLICT (of two transactions appending after
// the same choice, the second waits on the index entry and fails once the
// first commits), and UNIQUE nonce a replay.
func (s *store) AppendVisitorConsent(ctx context.Context, c *vern.VisitorConsent) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO visitor_consents (`+visitorConsentColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		c.ID, c.VisitorID, c.Seq, c.Nonce, c.PolicyVersion, c.CookieHash, strings.Join(c.Granted, ","), strings.Join(c.Refused, ","),
		c.GPC, c.Language, c.Origin, c.PageURL, c.UserAgent, c.IPPrefix, c.At.UTC(), nullBytes(c.PrevHash), c.Hash)
	if err != nil {
		return fmt.Errorf("insert visitor consent: %w", translateErr(err))
	}
	return nil
}

// FindVisitorHead returns the newest choice's Seq and Hash.
func (s *store) FindVisitorHead(ctx context.Context, visitorID string) (int64, []byte, error) {
	var seq int64
	var hash []byte
	err := s.q.QueryRowContext(ctx, `SELECT seq, hash FROM visitor_consents WHERE visitor_id = $1 ORDER BY seq DESC LIMIT 1`, visitorID).Scan(&seq, &hash)
	if err != nil {
		return 0, nil, fmt.Errorf("find visitor head: %w", translateErr(err))
	}
	return seq, hash, nil
}

// FindVisitorConsents returns a visitor's choices, oldest first.
func (s *store) FindVisitorConsents(ctx context.Context, visitorID string) ([]*vern.VisitorConsent, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+visitorConsentColumns+` FROM visitor_consents WHERE visitor_id = $1 ORDER BY seq`, visitorID)
	if err != nil {
		return nil, fmt.Errorf("find visitor consents: %w", translateErr(err))
	}
	out, err := scanRows(rows, scanVisitorConsent)
	if err != nil {
		return nil, fmt.Errorf("find visitor consents: %w", err)
	}
	return out, nil
}

// FindVisitorConsentByNonce returns the choice with that nonce.
func (s *store) FindVisitorConsentByNonce(ctx context.Context, nonce string) (*vern.VisitorConsent, error) {
	c, err := scanVisitorConsent(s.q.QueryRowContext(ctx, `SELECT `+visitorConsentColumns+` FROM visitor_consents WHERE nonce = $1`, nonce))
	if err != nil {
		return nil, fmt.Errorf("find visitor consent: %w", err)
	}
	return c, nil
}

// CountVisitorConsents returns how many choices are stored.
func (s *store) CountVisitorConsents(ctx context.Context) (int, error) {
	var n int
	if err := s.q.QueryRowContext(ctx, `SELECT count(*) FROM visitor_consents`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count visitor consents: %w", translateErr(err))
	}
	return n, nil
}

func scanVisitorConsent(row scanner) (*vern.VisitorConsent, error) {
	var c vern.VisitorConsent
	var granted, refused string
	if err := row.Scan(&c.ID, &c.VisitorID, &c.Seq, &c.Nonce, &c.PolicyVersion, &c.CookieHash, &granted, &refused,
		&c.GPC, &c.Language, &c.Origin, &c.PageURL, &c.UserAgent, &c.IPPrefix, &c.At, &c.PrevHash, &c.Hash); err != nil {
		return nil, translateErr(err)
	}
	c.Granted, c.Refused = splitKeys(granted), splitKeys(refused)
	c.At = c.At.UTC()
	return &c, nil
}

// splitKeys reads a comma-separated list, "" as none.
func splitKeys(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// LinkVisitor records the link, keeping an existing identical one.
func (s *store) LinkVisitor(ctx context.Context, l *vern.VisitorLink) error {
	res, err := s.q.ExecContext(ctx, `INSERT INTO visitor_links (visitor_id, person_id, source, at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (visitor_id) DO NOTHING`, l.VisitorID, l.PersonID, l.Source, l.At.UTC())
	if err != nil {
		return fmt.Errorf("link visitor: %w", translateErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("link visitor: %w", err)
	} else if n == 1 {
		return nil
	}
	old, err := s.FindVisitorLink(ctx, l.VisitorID)
	if err != nil {
		return err
	}
	if old.PersonID != l.PersonID {
		return vern.Errorf(vern.ECONFLICT, "The visitor is already linked to another person.")
	}
	return nil
}

// FindVisitorLink returns the person a visitor is linked to.
func (s *store) FindVisitorLink(ctx context.Context, visitorID string) (*vern.VisitorLink, error) {
	l, err := scanVisitorLink(s.q.QueryRowContext(ctx, `SELECT visitor_id, person_id, source, at FROM visitor_links WHERE visitor_id = $1`, visitorID))
	if err != nil {
		return nil, fmt.Errorf("find visitor link: %w", err)
	}
	return l, nil
}

// FindVisitorLinks returns the visitors linked to a person, oldest first.
func (s *store) FindVisitorLinks(ctx context.Context, personID string) ([]*vern.VisitorLink, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT visitor_id, person_id, source, at FROM visitor_links WHERE person_id = $1 ORDER BY at, visitor_id`, personID)
	if err != nil {
		return nil, fmt.Errorf("find visitor links: %w", translateErr(err))
	}
	out, err := scanRows(rows, scanVisitorLink)
	if err != nil {
		return nil, fmt.Errorf("find visitor links: %w", err)
	}
	return out, nil
}

func scanVisitorLink(row scanner) (*vern.VisitorLink, error) {
	var l vern.VisitorLink
	if err := row.Scan(&l.VisitorID, &l.PersonID, &l.Source, &l.At); err != nil {
		return nil, translateErr(err)
	}
	l.At = l.At.UTC()
	return &l, nil
}

// DeleteVisitorLinks removes every link to a person.
func (s *store) DeleteVisitorLinks(ctx context.Context, personID string) (int, error) {
	res, err := s.q.ExecContext(ctx, `DELETE FROM visitor_links WHERE person_id = $1`, personID)
	if err != nil {
		return 0, fmt.Errorf("delete visitor links: %w", translateErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete visitor links: %w", err)
	}
	return int(n), nil
}

// FindIdleVisitors returns unlinked visitors whose newest choice is before
// before, in id order.
func (s *store) FindIdleVisitors(ctx context.Context, before time.Time, after string, limit int) ([]string, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT c.visitor_id FROM visitor_consents c
		WHERE c.visitor_id > $1 AND NOT EXISTS (SELECT 1 FROM visitor_links l WHERE l.visitor_id = c.visitor_id)
		GROUP BY c.visitor_id HAVING max(c.at) < $2 ORDER BY c.visitor_id LIMIT $3`, after, before.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("find idle visitors: %w", translateErr(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find idle visitors: %w", translateErr(err))
		}
		out = append(out, id)
	}
	return out, translateErr(rows.Err())
}

// DeleteVisitorConsents deletes the choices of the listed visitors that
// are still idle and unlinked.
func (s *store) DeleteVisitorConsents(ctx context.Context, visitorIDs []string, before time.Time) (int, error) {
	if len(visitorIDs) == 0 {
		return 0, nil
	}
	res, err := s.q.ExecContext(ctx, `DELETE FROM visitor_consents WHERE visitor_id IN (
		SELECT c.visitor_id FROM visitor_consents c WHERE c.visitor_id = ANY($1)
		AND NOT EXISTS (SELECT 1 FROM visitor_links l WHERE l.visitor_id = c.visitor_id)
		GROUP BY c.visitor_id HAVING max(c.at) < $2)`, visitorIDs, before.UTC())
	if err != nil {
		return 0, fmt.Errorf("delete visitor consents: %w", translateErr(err))
	}
	return affected(res), nil
}
