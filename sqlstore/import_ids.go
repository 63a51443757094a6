package sqlstore

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/telcoops/crm/sqlstore/internal/engine"
)

// idPool hands out values of one of the org's external-id sequences from
// a block reserved in advance, in a statement of its own: drawing them in
// the batch's transaction would hold the sequence's row lock while the
// batch is written, stalling the API's creates. Values left unused are
// given back at the end if nobody drew after them.
type idPool struct {
	name      string
	mu        sync.Mutex // the producer draws, the writer may take
	next, end int64      // next value to hand out; last reserved
}

// take hands out a value already reserved, if one is left.
func (p *idPool) take() (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next == 0 || p.next > p.end {
		return "", false
	}
	p.next++
	return strconv.FormatInt(p.next-1, 10), true
}

// draw hands out the next value, reserving a block when none is left.
// It holds no lock while reserving: on SQLite the reservation waits for
// the writer's transaction, and the writer may take meanwhile.
func (im *importer) draw(ctx context.Context, p *idPool) (string, error) {
	if id, ok := p.take(); ok {
		return id, nil
	}
	size := im.block
	end, err := engine.Reserve(ctx, im.db.eng, im.org, p.name, size)
	if err != nil {
		return "", translate(err)
	}
	p.mu.Lock()
	p.next, p.end = end-size+2, end
	p.mu.Unlock()
	return strconv.FormatInt(end-size+1, 10), nil
}

// releaseIDs gives back the unused tail of each block, unless the
// sequence moved on meanwhile.
func (im *importer) releaseIDs(ctx context.Context) error {
	var errs []error
	for _, p := range []*idPool{&im.custIDs, &im.acctIDs} {
		if p.next == 0 || p.next > p.end {
			continue
		}
		_, err := im.db.wr.ExecContext(ctx, im.db.dialect.q(`UPDATE org_sequences SET value = ?
			WHERE org_id = ? AND name = ? AND value = ?`), p.next-1, im.org, p.name, p.end)
		errs = append(errs, translate(err))
	}
	return errors.Join(errs...)
}

// redraw draws an external id that is neither in the table nor one the
// batch's lines give: from the import's block while it lasts, else as the
// API draws.
func (t *tx) redraw(org, table string, pool *idPool, own map[string]bool) (*string, error) {
	for {
		id, ok := pool.take()
		if !ok {
			var err error
			if id, err = t.nextExternalID(org, table); err != nil {
				return nil, err
			}
		} else if taken, err := t.existingExternalIDs(table, org, []string{id}); err != nil {
			return nil, err
		} else if taken[id] != "" {
			continue
		}
		if !own[id] {
			return &id, nil
		}
	}
}

// existingExternalIDs returns which of ids the org's table already holds,
// each with its row's id.
func (t *tx) existingExternalIDs(table, org string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		query, args := t.db.dialect.externalIDsIn(table, org, ids[:n])
		rows, err := t.Query(query, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var ext, id string
			if err := rows.Scan(&ext, &id); err != nil {
				rows.Close()
				return nil, err
			}
			out[ext] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}
