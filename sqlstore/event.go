package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/telcoops/crm"
)

// MaxEventPage bounds one page of the event feed.
const MaxEventPage = 1000

// Events returns up to limit events of org after the feed position after,
// in position order.
func (db *DB) Events(ctx context.Context, org string, after int64, limit int) ([]crm.Event, error) {
	if limit <= 0 || limit > MaxEventPage {
		limit = MaxEventPage
	}
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT position, id, org_id, type, aggregate_type, aggregate_id,
		sequence, occurred_at, actor, requestor_id, request_id, data, changes
		FROM events WHERE org_id = ? AND position > ? ORDER BY position LIMIT ?`), org, after, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []crm.Event
	for rows.Next() {
		var e crm.Event
		var requestor, request sql.NullString
		var data, changes []byte
		if err := rows.Scan(&e.Position, &e.ID, &e.OrgID, &e.Type, &e.AggregateType, &e.AggregateID, &e.Sequence,
			timeScan{&e.OccurredAt}, &e.Actor, &requestor, &request, &data, &changes); err != nil {
			return nil, translate(err)
		}
		e.RequestorID, e.RequestID = requestor.String, request.String
		e.Data = json.RawMessage(data)
		if err := json.Unmarshal(changes, &e.Changes); err != nil {
			return nil, crm.Internal(err)
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}
