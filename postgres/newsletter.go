package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/vernhq/vern"
)

const sendColumns = `id, list, subject, body, policy_version, actor, status, queued, skipped, created_at, queued_at`

// CreateSend stores sd.
func (s *store) CreateSend(ctx context.Context, sd *vern.Send) error {
	subj, body, err := encodeContent(sd)
	if err != nil {
		return err
	}
	_, err = s.q.ExecContext(ctx, `INSERT INTO sends (`+sendColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		sd.ID, sd.List, subj, body, sd.PolicyVersion, sd.Actor, sd.Status, sd.Queued, sd.Skipped, sd.CreatedAt.UTC(), nullTime(sd.QueuedAt))
	if err != nil {
		return fmt.Errorf("insert send: %w", translateErr(err))
	}
	return nil
}

// FindSend returns one send.
func (s *store) FindSend(ctx context.Context, id string) (*vern.Send, error) {
	sd, err := scanSend(s.q.QueryRowContext(ctx, `SELECT `+sendColumns+` FROM sends WHERE id = $1`, id))
	if vern.ErrorCode(err) == vern.ENOTFOUND {
		return nil, vern.Errorf(vern.ENOTFOUND, "Send not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find send: %w", err)
	}
	return sd, nil
}

// FindSends returns every send, newest first.
func (s *store) FindSends(ctx context.Context) ([]*vern.Send, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+sendColumns+` FROM sends ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("find sends: %w", translateErr(err))
	}
	out, err := scanRows(rows, scanSend)
	if err != nil {
		return nil, fmt.Errorf("find sends: %w", err)
	}
	return out, nil
}

// UpdateSendProgress sets a send's counts, status and QueuedAt.
func (s *store) UpdateSendProgress(ctx context.Context, sd *vern.Send) error {
	res, err := s.q.ExecContext(ctx, `UPDATE sends SET status = $1, queued = $2, skipped = $3, queued_at = $4 WHERE id = $5`,
		sd.Status, sd.Queued, sd.Skipped, nullTime(sd.QueuedAt), sd.ID)
	if err != nil {
		return fmt.Errorf("update send: %w", translateErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update send: %w", err)
	} else if n == 0 {
		return vern.Errorf(vern.ENOTFOUND, "Send not found.")
	}
	return nil
}

// AddSendRecipients records rs under the send in one statement, all or none.
func (s *store) AddSendRecipients(ctx context.Context, sendID string, rs []vern.SendRecipient, at time.Time) error {
	if len(rs) == 0 {
		return nil
	}
	people := make([]string, len(rs))
	mails := make([]string, len(rs))
	for i, r := range rs {
		people[i], mails[i] = r.PersonID, r.MailID
	}
	_, err := s.q.ExecContext(ctx, `INSERT INTO send_recipients (send_id, person_id, mail_id, at)
		SELECT $1, p, m, $4 FROM unnest($2::text[], $3::text[]) AS t(p, m)`, sendID, people, mails, at.UTC())
	if err != nil {
		return fmt.Errorf("insert send recipients: %w", translateErr(err))
	}
	return nil
}

// FindSendRecipients returns which of personIDs the send already has.
func (s *store) FindSendRecipients(ctx context.Context, sendID string, personIDs []string) (map[string]bool, error) {
	out := make(map[string]bool)
	for len(personIDs) > 0 {
		chunk := personIDs[:min(len(personIDs), 10000)]
		personIDs = personIDs[len(chunk):]
		rows, err := s.q.QueryContext(ctx, `SELECT person_id FROM send_recipients WHERE send_id = $1 AND person_id = ANY($2)`, sendID, chunk)
		if err != nil {
			return nil, fmt.Errorf("find send recipients: %w", translateErr(err))
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("scan send recipient: %w", err)
			}
			out[id] = true
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("find send recipients: %w", translateErr(err))
		}
	}
	return out, nil
}

func encodeContent(sd *vern.Send) (subject, body string, err error) {
	enc := func(m map[string]string) (string, error) {
		if m == nil {
			return "{}", nil
		}
		b, err := json.Marshal(m)
		return string(b), err
	}
	if subject, err = enc(sd.Subject); err != nil {
		return "", "", fmt.Errorf("encode send content: %w", err)
	}
	if body, err = enc(sd.Body); err != nil {
		return "", "", fmt.Errorf("encode send content: %w", err)
	}
	return subject, body, nil
}

func scanSend(row scanner) (*vern.Send, error) {
	var sd vern.Send
	var subj, body []byte
	var queuedAt sql.NullTime
	if err := row.Scan(&sd.ID, &sd.List, &subj, &body, &sd.PolicyVersion, &sd.Actor, &sd.Status, &sd.Queued, &sd.Skipped, &sd.CreatedAt, &queuedAt); err != nil {
		return nil, translateErr(err)
	}
	if err := json.Unmarshal(subj, &sd.Subject); err != nil {
		return nil, fmt.Errorf("decode send content: %w", err)
	}
	if err := json.Unmarshal(body, &sd.Body); err != nil {
		return nil, fmt.Errorf("decode send content: %w", err)
	}
	if len(sd.Subject) == 0 {
		sd.Subject = nil
	}
	if len(sd.Body) == 0 {
		sd.Body = nil
	}
	sd.CreatedAt = sd.CreatedAt.UTC()
	if queuedAt.Valid {
		t := queuedAt.Time.UTC()
		sd.QueuedAt = &t
	}
	return &sd, nil
}
