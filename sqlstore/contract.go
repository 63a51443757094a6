package sqlstore

import (
	"context"
	"database/sql"

	"github.com/telcoops/crm"
)

var _ crm.ContractService = (*Contracts)(nil)

// CreateContract opens a contract on an open account. Contracts of one
// account never overlap, so "the active contract" is always one.
func (s *Contracts) CreateContract(ctx context.Context, org, accountID string, n crm.NewContract, opts crm.WriteOptions) (*crm.Contract, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	c := &crm.Contract{ID: newID(), AccountID: accountID, StartDate: n.StartDate.UTC(), Requests: []crm.ContractRequest{}}
	if n.EndDate != nil {
		end := n.EndDate.UTC()
		c.EndDate = &end
	}
	err := s.writeKeeping(ctx, org, opts, func() any { return c }, func(t *tx) error {
		a, err := t.lockOpenAccount(org, accountID)
		if err != nil {
			return err
		}
		c.AccountExternalID = *a.ExternalID
		// Two ranges overlap when each starts before the other ends.
		query := "SELECT COUNT(*) FROM contracts WHERE account_id = ? AND (end_date IS NULL OR end_date > ?)"
		args := []any{accountID, s.dialect.ts(c.StartDate)}
		if c.EndDate != nil {
			query += " AND start_date < ?"
			args = append(args, s.dialect.ts(*c.EndDate))
		}
		var overlapping int
		if err := t.queryRow(query, args...).Scan(&overlapping); err != nil {
			return err
		}
		if overlapping > 0 {
			return crm.Errorf(crm.ECONFLICT, "the account already has a contract in that period")
		}
		if _, err := t.exec("INSERT INTO contracts (id, account_id, start_date, end_date, created_at) VALUES (?, ?, ?, ?, ?)",
			c.ID, accountID, s.dialect.ts(c.StartDate), s.dialect.tsPtr(c.EndDate), s.dialect.ts(s.now())); err != nil {
			return err
		}
		for _, r := range n.Requests {
			req, err := t.insertContractRequest(c.ID, r)
			if err != nil {
				return err
			}
			c.Requests = append(c.Requests, req)
			a.ContractReference = &req.ContractReferenceID
		}
		changes, err := crm.Diff(nil, map[string]any{"contracts": map[string]any{c.ID: c}})
		if err != nil {
			return err
		}
		if len(c.Requests) > 0 {
			if err := t.saveAccountBody(a); err != nil {
				return err
			}
		}
		return t.bumpAccount(a, crm.EventContractCreated, c, changes)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AddContractRequest files a request under a contract; its reference
// becomes the account's contract_reference.
func (s *Contracts) AddContractRequest(ctx context.Context, org, accountID, contractID string, r crm.NewContractRequest, opts crm.WriteOptions) (*crm.ContractRequest, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	var out crm.ContractRequest
	err := s.writeKeeping(ctx, org, opts, func() any { return &out }, func(t *tx) error {
		a, err := t.lockOpenAccount(org, accountID)
		if err != nil {
			return err
		}
		var one int
		if err := t.queryRow("SELECT 1 FROM contracts WHERE id = ? AND account_id = ?", contractID, accountID).Scan(&one); err == sql.ErrNoRows {
			return crm.Errorf(crm.ENOTFOUND, "contract not found")
		} else if err != nil {
			return err
		}
		if out, err = t.insertContractRequest(contractID, r); err != nil {
			return err
		}
		before := a.ContractReference
		a.ContractReference = &out.ContractReferenceID
		if err := t.saveAccountBody(a); err != nil {
			return err
		}
		changes, err := crm.Diff(map[string]any{"contract_reference": before, "contracts": map[string]any{contractID: map[string]any{"requests": map[string]any{}}}},
			map[string]any{"contract_reference": a.ContractReference, "contracts": map[string]any{contractID: map[string]any{"requests": map[string]any{out.RequestExternalID: out}}}})
		if err != nil {
			return err
		}
		return t.bumpAccount(a, crm.EventContractRequestAdded, out, changes)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (t *tx) insertContractRequest(contractID string, r crm.NewContractRequest) (crm.ContractRequest, error) {
	created := t.db.now()
	if r.CreateDate != nil {
		created = r.CreateDate.UTC()
	}
	out := crm.ContractRequest{RequestExternalID: r.RequestExternalID, CreateDate: created,
		ContractReferenceID: r.ContractReferenceID, Type: r.Type, OriginUser: r.OriginUser}
	_, err := t.exec(`INSERT INTO contract_requests (id, contract_id, request_external_id, create_date, contract_reference_id, type, origin_user)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, newID(), contractID, out.RequestExternalID, t.db.dialect.ts(created), out.ContractReferenceID, out.Type, out.OriginUser)
	return out, err
}

// saveAccountBody rewrites the account document without moving its
// version; the caller's event does that.
func (t *tx) saveAccountBody(a *crm.Account) error {
	body, err := jsonString(bodyOf(a))
	if err != nil {
		return err
	}
	_, err = t.exec("UPDATE accounts SET body = ? WHERE id = ?", body, a.ID)
	return err
}

// FindAccountByExternalID implements E1.
func (s *Contracts) FindAccountByExternalID(ctx context.Context, org, externalID string) (string, error) {
	var id string
	err := s.lookupRow(ctx, "SELECT id FROM accounts WHERE org_id = ? AND external_id = ?", org, externalID).Scan(&id)
	if err == sql.ErrNoRows {
		return "", crm.Errorf(crm.ENOTFOUND, "account not found")
	}
	return id, translate(err)
}

// ListContracts implements E2: an account's contracts, oldest first.
func (s *Contracts) ListContracts(ctx context.Context, org, externalID string) ([]crm.Contract, error) {
	id, err := s.FindAccountByExternalID(ctx, org, externalID)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, "SELECT id, start_date, end_date FROM contracts WHERE account_id = ? ORDER BY start_date, id", id)
	if err != nil {
		return nil, translate(err)
	}
	var out []crm.Contract
	for rows.Next() {
		c := crm.Contract{AccountID: id, AccountExternalID: externalID, Requests: []crm.ContractRequest{}}
		if err := rows.Scan(&c.ID, timeScan{&c.StartDate}, nullTimeScan{&c.EndDate}); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	for i := range out {
		if out[i].Requests, err = s.contractRequests(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	if out == nil {
		out = []crm.Contract{}
	}
	return out, nil
}

// ActiveContract implements E3: the contract active now, or ENOTFOUND.
func (s *Contracts) ActiveContract(ctx context.Context, org, externalID string) (*crm.Contract, error) {
	all, err := s.ListContracts(ctx, org, externalID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for i := range all {
		if all[i].ActiveAt(now) {
			return &all[i], nil
		}
	}
	return nil, crm.Errorf(crm.ENOTFOUND, "the account has no active contract")
}

func (db *database) contractRequests(ctx context.Context, contractID string) ([]crm.ContractRequest, error) {
	rows, err := db.query(ctx, `SELECT request_external_id, create_date, contract_reference_id, type, origin_user
		FROM contract_requests WHERE contract_id = ? ORDER BY create_date, id`, contractID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []crm.ContractRequest{}
	for rows.Next() {
		var r crm.ContractRequest
		if err := rows.Scan(&r.RequestExternalID, timeScan{&r.CreateDate}, &r.ContractReferenceID, &r.Type, &r.OriginUser); err != nil {
			return nil, translate(err)
		}
		out = append(out, r)
	}
	return out, translate(rows.Err())
}
