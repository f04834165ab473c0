package sqlite

import (
	"context"
	"fmt"

	"github.com/vernhq/vern"
)

const organizationColumns = `id, match_key, name, org_number, country, website, phone, email, address, created_at`

// EnsureOrganization inserts o unless its match key exists, then loads the stored row into o.
func (s *store) EnsureOrganization(ctx context.Context, o *vern.Organization) error {
	_, err := s.exec(ctx, `INSERT INTO organizations (`+organizationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (match_key) DO NOTHING`,
		o.ID, o.MatchKey, o.Name, o.OrgNumber, o.Country, o.Website, o.Phone, o.Email, o.Address, formatTime(o.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert organization: %w", translateErr(err))
	}
	// Read through the writer: inside or outside a transaction it sees the row just written.
	stored, err := s.findOrganization(ctx, true, `match_key = ?`, o.MatchKey)
	if err != nil {
		return err
	}
	*o = *stored
	return nil
}

// FindOrganizationByID returns the organisation with id.
func (s *store) FindOrganizationByID(ctx context.Context, id string) (*vern.Organization, error) {
	return s.findOrganization(ctx, false, `id = ?`, id)
}

func (s *store) findOrganization(ctx context.Context, onWriter bool, where string, arg any) (*vern.Organization, error) {
	var o vern.Organization
	var created string
	query := s.readRow
	if onWriter {
		query = s.writeRow
	}
	err := query(ctx, `SELECT `+organizationColumns+` FROM organizations WHERE `+where, arg).
		Scan(&o.ID, &o.MatchKey, &o.Name, &o.OrgNumber, &o.Country, &o.Website, &o.Phone, &o.Email, &o.Address, &created)
	if err != nil {
		return nil, fmt.Errorf("find organization: %w", translateErr(err))
	}
	if o.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	return &o, nil
}
