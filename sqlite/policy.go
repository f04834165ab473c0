package sqlite

import (
	"context"
	"fmt"

	"github.com/vernhq/vern"
)

// CreatePolicyVersion stores v and sets its Seq.
func (s *store) CreatePolicyVersion(ctx context.Context, v *vern.PolicyVersion) error {
	err := s.writeRow(ctx, `INSERT INTO policy_versions (version, hash, published_at, recorded_at, source)
		VALUES (?, ?, ?, ?, ?) RETURNING seq`,
		v.Version, v.Hash, formatTime(v.PublishedAt), formatTime(v.RecordedAt), v.Source).Scan(&v.Seq)
	if err != nil {
		return fmt.Errorf("insert policy version: %w", translateErr(err))
	}
	return nil
}

// FindPolicyVersions lists every version, newest first, without sources.
func (s *store) FindPolicyVersions(ctx context.Context) ([]*vern.PolicyVersion, error) {
	rows, err := s.readRows(ctx, `SELECT seq, version, hash, published_at, recorded_at, NULL FROM policy_versions ORDER BY seq DESC`)
	if err != nil {
		return nil, fmt.Errorf("find policy versions: %w", translateErr(err))
	}
	defer rows.Close()
	var out []*vern.PolicyVersion
	for rows.Next() {
		v, err := scanPolicyVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find policy versions: %w", translateErr(err))
	}
	return out, nil
}

// FindPolicyVersion returns one version with its source.
func (s *store) FindPolicyVersion(ctx context.Context, version string) (*vern.PolicyVersion, error) {
	v, err := scanPolicyVersion(s.readRow(ctx, `SELECT seq, version, hash, published_at, recorded_at, source
		FROM policy_versions WHERE version = ?`, version))
	if err != nil {
		return nil, fmt.Errorf("find policy version: %w", err)
	}
	return v, nil
}

// FindLatestPolicyVersion returns the newest version with its source.
func (s *store) FindLatestPolicyVersion(ctx context.Context) (*vern.PolicyVersion, error) {
	v, err := scanPolicyVersion(s.readRow(ctx, `SELECT seq, version, hash, published_at, recorded_at, source
		FROM policy_versions ORDER BY seq DESC LIMIT 1`))
	if err != nil {
		return nil, fmt.Errorf("find latest policy version: %w", err)
	}
	return v, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanPolicyVersion(row scanner) (*vern.PolicyVersion, error) {
	var v vern.PolicyVersion
	var published, recorded string
	if err := row.Scan(&v.Seq, &v.Version, &v.Hash, &published, &recorded, &v.Source); err != nil {
		return nil, translateErr(err)
	}
	var err error
	if v.PublishedAt, err = parseTime(published); err != nil {
		return nil, err
	}
	if v.RecordedAt, err = parseTime(recorded); err != nil {
		return nil, err
	}
	return &v, nil
}
