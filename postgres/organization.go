package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/vernhq/vern"
)

const organizationColumns = `id, match_key, name, org_number, country, website, phone, email, address, created_at`

// EnsureOrganization inserts o unless its match key exists, then loads the stored row into o.
func (s *store) EnsureOrganization(ctx context.Context, o *vern.Organization) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO organizations (`+organizationColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (match_key) DO NOTHING`,
		o.ID, o.MatchKey, o.Name, o.OrgNumber, o.Country, o.Website, o.Phone, o.Email, o.Address, o.CreatedAt.UTC())
	if err != nil {
		return fmt.Errorf("insert organization: %w", translateErr(err))
	}
	stored, err := s.findOrganization(ctx, `match_key = $1`, o.MatchKey)
	if err != nil {
		return err
	}
	*o = *stored
	return nil
}

// FindOrganizationByID returns the organisation with id.
func (s *store) FindOrganizationByID(ctx context.Context, id string) (*vern.Organization, error) {
	return s.findOrganization(ctx, `id = $1`, id)
}

func (s *store) findOrganization(ctx context.Context, where string, arg any) (*vern.Organization, error) {
	var o vern.Organization
	var created time.Time
	err := s.q.QueryRowContext(ctx, `SELECT `+organizationColumns+` FROM organizations WHERE `+where, arg).
		Scan(&o.ID, &o.MatchKey, &o.Name, &o.OrgNumber, &o.Country, &o.Website, &o.Phone, &o.Email, &o.Address, &created)
	if err != nil {
		return nil, fmt.Errorf("find organization: %w", translateErr(err))
	}
	o.CreatedAt = created.UTC()
	return &o, nil
}
