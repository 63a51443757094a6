package sqlstore

import (
	"context"
	"database/sql"
	"sort"
	"time"

	"github.com/telcoops/crm"
)

var _ crm.PromotionService = (*Promotions)(nil)

const promotionColumns = "id, account_id, promotion_code, name, start_date, end_date, cancellation_date, created_at"

// AddPromotion attaches a promotion to an open account.
func (s *Promotions) AddPromotion(ctx context.Context, org, accountID string, n crm.NewPromotion, opts crm.WriteOptions) (*crm.AccountPromotion, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	now := s.now()
	p := &crm.AccountPromotion{ID: newID(), AccountID: accountID, PromotionCode: n.PromotionCode, Name: n.Name,
		StartDate: n.StartDate, EndDate: n.EndDate, CreatedAt: now}
	err := s.writeKeeping(ctx, org, opts, func() any { return p }, func(t *tx) error {
		a, err := t.lockOpenAccount(org, accountID)
		if err != nil {
			return err
		}
		if _, err := t.exec("INSERT INTO account_promotions ("+promotionColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			p.ID, accountID, p.PromotionCode, p.Name, p.StartDate, p.EndDate, nil, s.dialect.ts(now)); err != nil {
			return err
		}
		if err := t.recordPromotionOperation(p, crm.OperationAdded); err != nil {
			return err
		}
		changes, err := crm.Diff(nil, map[string]any{"promotions": map[string]any{p.ID: p}})
		if err != nil {
			return err
		}
		return t.bumpAccount(a, crm.EventPromotionAdded, p, changes)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ListPromotions lists an account's promotions whose status, derived now,
// passes the filter (ACTIVE, SCHEDULED or ALL).
func (s *Promotions) ListPromotions(ctx context.Context, org, accountID, filter string) ([]crm.AccountPromotion, error) {
	all, err := s.promotions(ctx, org, accountID)
	if err != nil {
		return nil, err
	}
	today := crm.Today(s.now())
	out := []crm.AccountPromotion{}
	for _, p := range all {
		if filter == "ALL" || p.StatusOn(today) == filter {
			out = append(out, p)
		}
	}
	return out, nil
}

// PromotionHistory lists the operations on an account's promotions from a
// day on, oldest first, including cancellations and expiries that time made.
func (s *Promotions) PromotionHistory(ctx context.Context, org, accountID string, from *time.Time) ([]crm.PromotionOperation, error) {
	all, err := s.promotions(ctx, org, accountID)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT account_promotion_id, operation, operation_date, modified_by
		FROM account_promotion_operations WHERE account_id = ? ORDER BY operation_date, id`, accountID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	codes := map[string]string{}
	for _, p := range all {
		codes[p.ID] = p.PromotionCode
	}
	// Recorded operations come in the order they happened; those that time
	// performed are added after, and a stable sort by date keeps both orders.
	var ops []crm.PromotionOperation
	for rows.Next() {
		var op crm.PromotionOperation
		if err := rows.Scan(&op.AccountPromotionID, &op.Operation, timeScan{&op.OperationDate}, &op.ModifiedBy); err != nil {
			return nil, translate(err)
		}
		op.PromotionCode = codes[op.AccountPromotionID]
		ops = append(ops, op)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	now := s.now()
	for _, p := range all {
		ops = append(ops, p.TimeOperations(now)...)
	}
	out := []crm.PromotionOperation{}
	for _, op := range ops {
		if from == nil || !op.OperationDate.Before(*from) {
			out = append(out, op)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].OperationDate.Before(out[j].OperationDate) })
	return out, nil
}

// CancelPromotion schedules (or reschedules) a promotion's cancellation.
func (s *Promotions) CancelPromotion(ctx context.Context, org, accountID, promotionID, date string, opts crm.WriteOptions) error {
	return s.write(ctx, org, opts, func(t *tx) error {
		a, err := t.lockOpenAccount(org, accountID)
		if err != nil {
			return err
		}
		p, err := scanPromotion(t.queryRow("SELECT "+promotionColumns+" FROM account_promotions WHERE id = ? AND account_id = ?", promotionID, accountID))
		if err != nil {
			return err
		}
		if err := p.ValidateCancellation(date); err != nil {
			return err
		}
		switch p.StatusOn(crm.Today(s.now())) {
		case crm.PromotionCancelled, crm.PromotionExpired:
			return crm.Errorf(crm.ESTATE, "the promotion is already %s", p.StatusOn(crm.Today(s.now())))
		}
		before := p.CancellationDate
		p.CancellationDate = &date
		if _, err := t.exec("UPDATE account_promotions SET cancellation_date = ? WHERE id = ?", date, p.ID); err != nil {
			return err
		}
		if err := t.recordPromotionOperation(p, crm.OperationCancellationScheduled); err != nil {
			return err
		}
		changes, err := crm.Diff(map[string]any{"promotions": map[string]any{p.ID: map[string]any{"cancellation_date": before}}},
			map[string]any{"promotions": map[string]any{p.ID: map[string]any{"cancellation_date": date}}})
		if err != nil {
			return err
		}
		return t.bumpAccount(a, crm.EventPromotionCancellationScheduled, p, changes)
	})
}

func (t *tx) recordPromotionOperation(p *crm.AccountPromotion, op string) error {
	by := t.info.Principal.ID
	if by == "" {
		by = "system"
	}
	_, err := t.exec(`INSERT INTO account_promotion_operations (id, account_promotion_id, account_id, operation, operation_date, modified_by)
		VALUES (?, ?, ?, ?, ?, ?)`, newID(), p.ID, p.AccountID, op, t.db.dialect.ts(t.db.now()), by)
	return err
}

// bumpAccount records a change to something the account owns (promotions,
// contracts): the account's version moves so its events stay in sequence.
func (t *tx) bumpAccount(a *crm.Account, eventType string, data any, changes map[string]crm.Change) error {
	now := t.db.now()
	a.UpdatedAt, a.Version = now, a.Version+1
	if _, err := t.exec("UPDATE accounts SET updated_at = ?, version = ? WHERE id = ?", t.db.dialect.ts(now), a.Version, a.ID); err != nil {
		return err
	}
	return t.appendEvent(a.OrgID, eventType, crm.AggregateAccount, a.ID, a.Version, data, changes)
}

func (db *database) promotions(ctx context.Context, org, accountID string) ([]crm.AccountPromotion, error) {
	if _, err := db.getAccount(ctx, org, accountID); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, "SELECT "+promotionColumns+" FROM account_promotions WHERE account_id = ? ORDER BY start_date, created_at, id", accountID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []crm.AccountPromotion
	for rows.Next() {
		p, err := scanPromotion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, translate(rows.Err())
}

func scanPromotion(row rowScanner) (*crm.AccountPromotion, error) {
	var p crm.AccountPromotion
	var end, cancel sql.NullString
	err := row.Scan(&p.ID, &p.AccountID, &p.PromotionCode, &p.Name, &p.StartDate, &end, &cancel, timeScan{&p.CreatedAt})
	if err == sql.ErrNoRows {
		return nil, crm.Errorf(crm.ENOTFOUND, "promotion not found")
	}
	if err != nil {
		return nil, translate(err)
	}
	if end.Valid {
		p.EndDate = &end.String
	}
	if cancel.Valid {
		p.CancellationDate = &cancel.String
	}
	return &p, nil
}
