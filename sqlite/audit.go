package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vernhq/vern"
)

const accessRecordColumns = `id, person_id, seq, actor, action, operation, fields, request_id, at, prev_hash, hash`

// accessBatch is how many records EachAccessChain reads per query.
const accessBatch = 5000

// AppendAccessRecords stores recs in one transaction, one prepared
// statement run per record (SQLite parses a many-row VALUES list slower
// than it executes the rows). The UNIQUE (person_id, seq) constraint turns
// an append at a taken position into ECONFLICT, and the transaction (or,
// inside an outer InTx, the caller's) keeps none of recs.
func (s *store) AppendAccessRecords(ctx context.Context, recs []*vern.AccessRecord) error {
	if len(recs) == 0 {
		return nil
	}
	args := make([][]any, len(recs)) // encoded once, outside fn, which may run twice
	for i, a := range recs {
		fields, err := encodeAccessFields(a.Fields)
		if err != nil {
			return err
		}
		args[i] = []any{a.ID, a.PersonID, a.Seq, a.Actor, a.Action, a.Operation, fields, a.RequestID,
			formatTime(a.At), nullBytes(a.PrevHash), a.Hash}
	}
	return s.InTx(ctx, func(txs vern.Store) error {
		tx := txs.(*store)
		ctx := context.WithoutCancel(ctx) // see stmt.go: never interrupt the shared writer
		st, err := tx.tx.PrepareContext(ctx, `INSERT INTO access_records (`+accessRecordColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("prepare insert access records: %w", translateErr(err))
		}
		defer st.Close()
		for _, a := range args {
			if _, err := st.ExecContext(ctx, a...); err != nil {
				return fmt.Errorf("insert access records: %w", translateErr(err))
			}
		}
		return nil
	})
}

// FindAccessRecords returns a person's records, oldest first.
func (s *store) FindAccessRecords(ctx context.Context, personID string) ([]*vern.AccessRecord, error) {
	rows, err := s.readRows(ctx, `SELECT `+accessRecordColumns+` FROM access_records WHERE person_id = ? ORDER BY seq`, personID)
	if err != nil {
		return nil, fmt.Errorf("find access records: %w", translateErr(err))
	}
	out, err := scanRows(rows, scanAccessRecord)
	if err != nil {
		return nil, fmt.Errorf("find access records: %w", err)
	}
	return out, nil
}

// FindLastAccessRecords returns each person's newest record. The ids come
// in as a VALUES list and each is joined to its MAX(seq), which the
// (person_id, seq) index answers with one seek per person however long the
// trail is; a plain IN would read every record of every person.
func (s *store) FindLastAccessRecords(ctx context.Context, personIDs []string) (map[string]*vern.AccessRecord, error) {
	out := make(map[string]*vern.AccessRecord)
	for len(personIDs) > 0 {
		chunk := personIDs[:min(len(personIDs), 5000)]
		personIDs = personIDs[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		q := `WITH p(id) AS (VALUES (?)` + strings.Repeat(",(?)", len(chunk)-1) + `)
			SELECT ` + prefixColumns("a.", accessRecordColumns) + ` FROM p
			JOIN access_records a ON a.person_id = p.id
				AND a.seq = (SELECT MAX(seq) FROM access_records m WHERE m.person_id = p.id)`
		qctx := ctx
		if s.tx != nil {
			qctx = context.WithoutCancel(ctx)
		}
		rows, err := s.r.QueryContext(qctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("find last access records: %w", translateErr(err))
		}
		recs, err := scanRows(rows, scanAccessRecord)
		if err != nil {
			return nil, fmt.Errorf("find last access records: %w", err)
		}
		for _, a := range recs {
			out[a.PersonID] = a
		}
	}
	return out, nil
}

// EachAccessChain walks every trail in (person_id, seq) order, one batch
// per query with keyset pagination. Each batch is read whole and its
// statement closed before fn runs, so no read transaction stays open for the
// walk (which would keep the WAL from being checkpointed) and fn may use the
// store. A chain that spans batches is carried over to the next one.
func (s *store) EachAccessChain(ctx context.Context, fn func(personID string, recs []*vern.AccessRecord) error) error {
	next := func(last *vern.AccessRecord) ([]*vern.AccessRecord, error) { return s.accessRecordsAfter(ctx, last) }
	return walkChains(accessBatch, next, func(r *vern.AccessRecord) string { return r.PersonID }, fn)
}

// accessRecordsAfter returns the next batch of records after last in
// (person_id, seq) order, or the first batch when last is nil.
func (s *store) accessRecordsAfter(ctx context.Context, last *vern.AccessRecord) ([]*vern.AccessRecord, error) {
	var rows *sql.Rows
	var err error
	if last == nil {
		rows, err = s.readRows(ctx, `SELECT `+accessRecordColumns+` FROM access_records
			ORDER BY person_id, seq LIMIT ?`, accessBatch)
	} else {
		rows, err = s.readRows(ctx, `SELECT `+accessRecordColumns+` FROM access_records
			WHERE (person_id, seq) > (?, ?) ORDER BY person_id, seq LIMIT ?`, last.PersonID, last.Seq, accessBatch)
	}
	if err != nil {
		return nil, fmt.Errorf("walk access chains: %w", translateErr(err))
	}
	out, err := scanRows(rows, scanAccessRecord)
	if err != nil {
		return nil, fmt.Errorf("walk access chains: %w", err)
	}
	return out, nil
}

func scanAccessRecord(row scanner) (*vern.AccessRecord, error) {
	var a vern.AccessRecord
	var fields, at string
	if err := row.Scan(&a.ID, &a.PersonID, &a.Seq, &a.Actor, &a.Action, &a.Operation, &fields, &a.RequestID,
		&at, &a.PrevHash, &a.Hash); err != nil {
		return nil, translateErr(err)
	}
	var err error
	if a.Fields, err = decodeAccessFields(fields); err != nil {
		return nil, err
	}
	if a.At, err = parseTime(at); err != nil {
		return nil, err
	}
	return &a, nil
}

// encodeAccessFields stores field names as a JSON array; none is "[]".
func encodeAccessFields(fields []string) (string, error) {
	if len(fields) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return "", fmt.Errorf("encode access fields: %w", err)
	}
	return string(b), nil
}

// decodeAccessFields reads the JSON array back; an empty one is nil.
func decodeAccessFields(s string) ([]string, error) {
	var fields []string
	if err := json.Unmarshal([]byte(s), &fields); err != nil {
		return nil, fmt.Errorf("decode stored access fields: %w", err)
	}
	if len(fields) == 0 {
		fields = nil // "[]" and nil hash alike; nil is what callers compare with
	}
	return fields, nil
}

// prefixColumns qualifies each column of a column list with prefix.
func prefixColumns(prefix, cols string) string {
	parts := strings.Split(cols, ", ")
	for i, c := range parts {
		parts[i] = prefix + c
	}
	return strings.Join(parts, ", ")
}
