package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vernhq/vern"
)

const accessRecordColumns = `id, person_id, seq, actor, action, operation, fields, request_id, at, prev_hash, hash`

// accessBatch is how many records EachAccessChain reads per query.
const accessBatch = 5000

// accessPerInsert bounds the rows of one INSERT: 11 parameters each stays
// well under PostgreSQL's 65535 parameters per statement.
const accessPerInsert = 1000

// AppendAccessRecords stores recs in one transaction, a multi-row INSERT
// per thousand records, in the order given. The UNIQUE (person_id, seq)
// constraint turns an append at a taken position into ECONFLICT: of two
// transactions appending after the same record, the second waits on the
// index entry and fails once the first commits, and its whole batch is
// rolled back.
func (s *store) AppendAccessRecords(ctx context.Context, recs []*vern.AccessRecord) error {
	if len(recs) == 0 {
		return nil
	}
	return s.InTx(ctx, func(txs vern.Store) error {
		tx := txs.(*store)
		for rest := recs; len(rest) > 0; {
			chunk := rest[:min(len(rest), accessPerInsert)]
			rest = rest[len(chunk):]
			var b strings.Builder
			b.WriteString(`INSERT INTO access_records (` + accessRecordColumns + `) VALUES `)
			args := make([]any, 0, len(chunk)*11)
			for i, a := range chunk {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteByte('(')
				for j := range 11 {
					if j > 0 {
						b.WriteByte(',')
					}
					b.WriteByte('$')
					b.WriteString(strconv.Itoa(i*11 + j + 1))
				}
				b.WriteByte(')')
				fields, err := encodeAccessFields(a.Fields)
				if err != nil {
					return err
				}
				args = append(args, a.ID, a.PersonID, a.Seq, a.Actor, a.Action, a.Operation, fields, a.RequestID,
					a.At.UTC(), nullBytes(a.PrevHash), a.Hash)
			}
			if _, err := tx.q.ExecContext(ctx, b.String(), args...); err != nil {
				return fmt.Errorf("insert access records: %w", translateErr(err))
			}
		}
		return nil
	})
}

// FindAccessRecords returns a person's records, oldest first.
func (s *store) FindAccessRecords(ctx context.Context, personID string) ([]*vern.AccessRecord, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+accessRecordColumns+` FROM access_records WHERE person_id = $1 ORDER BY seq`, personID)
	if err != nil {
		return nil, fmt.Errorf("find access records: %w", translateErr(err))
	}
	out, err := scanRows(rows, scanAccessRecord)
	if err != nil {
		return nil, fmt.Errorf("find access records: %w", err)
	}
	return out, nil
}

// FindLastAccessRecords returns each person's newest record. A LATERAL
// join takes one backward index step per person, however long the trail;
// DISTINCT ON would read every record of every person.
func (s *store) FindLastAccessRecords(ctx context.Context, personIDs []string) (map[string]*vern.AccessRecord, error) {
	out := make(map[string]*vern.AccessRecord)
	if len(personIDs) == 0 {
		return out, nil
	}
	rows, err := s.q.QueryContext(ctx, `SELECT a.* FROM unnest($1::text[]) AS p(id)
		CROSS JOIN LATERAL (SELECT `+accessRecordColumns+` FROM access_records
			WHERE person_id = p.id ORDER BY seq DESC LIMIT 1) a`, personIDs)
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
	return out, nil
}

// EachAccessChain walks every trail in (person_id, seq) order, one batch
// per query with keyset pagination. Each batch is read whole and its rows
// closed before fn runs, so no query stays open for the walk and fn may use
// the store. A chain that spans batches is carried over to the next one.
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
		rows, err = s.q.QueryContext(ctx, `SELECT `+accessRecordColumns+` FROM access_records
			ORDER BY person_id, seq LIMIT $1`, accessBatch)
	} else {
		rows, err = s.q.QueryContext(ctx, `SELECT `+accessRecordColumns+` FROM access_records
			WHERE (person_id, seq) > ($1, $2) ORDER BY person_id, seq LIMIT $3`, last.PersonID, last.Seq, accessBatch)
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
	var fields string
	var at time.Time
	if err := row.Scan(&a.ID, &a.PersonID, &a.Seq, &a.Actor, &a.Action, &a.Operation, &fields, &a.RequestID,
		&at, &a.PrevHash, &a.Hash); err != nil {
		return nil, translateErr(err)
	}
	var err error
	if a.Fields, err = decodeAccessFields(fields); err != nil {
		return nil, err
	}
	a.At = at.UTC()
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
