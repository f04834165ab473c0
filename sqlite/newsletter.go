package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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
	_, err = s.exec(ctx, `INSERT INTO sends (`+sendColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sd.ID, sd.List, subj, body, sd.PolicyVersion, sd.Actor, sd.Status, sd.Queued, sd.Skipped, formatTime(sd.CreatedAt), nullTime(sd.QueuedAt))
	if err != nil {
		return fmt.Errorf("insert send: %w", translateErr(err))
	}
	return nil
}

// FindSend returns one send.
func (s *store) FindSend(ctx context.Context, id string) (*vern.Send, error) {
	sd, err := scanSend(s.readRow(ctx, `SELECT `+sendColumns+` FROM sends WHERE id = ?`, id))
	if vern.ErrorCode(err) == vern.ENOTFOUND {
		return nil, vern.Errorf(vern.ENOTFOUND, "Send not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find send: %w", err)
	}
	return sd, nil
}

// FindSends returns every send, newest first.
func (s *store) FindSends(ctx context.Context) ([]*vern.Send, error) {
	rows, err := s.readRows(ctx, `SELECT `+sendColumns+` FROM sends ORDER BY created_at DESC, id DESC`)
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
	res, err := s.exec(ctx, `UPDATE sends SET status = ?, queued = ?, skipped = ?, queued_at = ? WHERE id = ?`,
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

// AddSendRecipients records rs under the send, all or none.
func (s *store) AddSendRecipients(ctx context.Context, sendID string, rs []vern.SendRecipient, at time.Time) error {
	ts := formatTime(at)
	insert := func(tx *store) error {
		for _, r := range rs {
			if _, err := tx.exec(ctx, `INSERT INTO send_recipients (send_id, person_id, mail_id, at) VALUES (?, ?, ?, ?)`,
				sendID, r.PersonID, r.MailID, ts); err != nil {
				return fmt.Errorf("insert send recipient: %w", translateErr(err))
			}
		}
		return nil
	}
	if len(rs) <= 1 {
		return insert(s)
	}
	return s.InTx(ctx, func(tx vern.Store) error { return insert(tx.(*store)) })
}

// FindSendRecipients returns which of personIDs the send already has.
func (s *store) FindSendRecipients(ctx context.Context, sendID string, personIDs []string) (map[string]bool, error) {
	out := make(map[string]bool)
	for len(personIDs) > 0 {
		chunk := personIDs[:min(len(personIDs), 5000)]
		personIDs = personIDs[len(chunk):]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, sendID)
		for _, id := range chunk {
			args = append(args, id)
		}
		qctx := ctx
		if s.tx != nil {
			qctx = context.WithoutCancel(ctx)
		}
		rows, err := s.r.QueryContext(qctx, `SELECT person_id FROM send_recipients WHERE send_id = ? AND person_id IN (?`+
			strings.Repeat(",?", len(chunk)-1)+`)`, args...)
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
	var subj, body, created string
	var queuedAt sql.NullString
	if err := row.Scan(&sd.ID, &sd.List, &subj, &body, &sd.PolicyVersion, &sd.Actor, &sd.Status, &sd.Queued, &sd.Skipped, &created, &queuedAt); err != nil {
		return nil, translateErr(err)
	}
	if err := decodeContent(subj, body, &sd); err != nil {
		return nil, err
	}
	var err error
	if sd.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if queuedAt.Valid {
		t, err := parseTime(queuedAt.String)
		if err != nil {
			return nil, err
		}
		sd.QueuedAt = &t
	}
	return &sd, nil
}

func decodeContent(subj, body string, sd *vern.Send) error {
	if err := json.Unmarshal([]byte(subj), &sd.Subject); err != nil {
		return fmt.Errorf("decode send content: %w", err)
	}
	if err := json.Unmarshal([]byte(body), &sd.Body); err != nil {
		return fmt.Errorf("decode send content: %w", err)
	}
	if len(sd.Subject) == 0 {
		sd.Subject = nil
	}
	if len(sd.Body) == 0 {
		sd.Body = nil
	}
	return nil
}
