package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/telcoops/crm"
)

var _ crm.CredentialService = (*Credentials)(nil)

// AddCredential gives an active customer a new username. Uniqueness is the
// database's: the unique index on (org_id, username) refuses a username the
// org already uses, so two concurrent adds cannot both win.
func (s *Credentials) AddCredential(ctx context.Context, org, customerID, username string, opts crm.WriteOptions) (*crm.Credential, error) {
	u, err := crm.ParseUsername(username)
	if err != nil {
		return nil, err
	}
	now := s.now()
	c := &crm.Credential{ID: newID(), CustomerID: customerID, Username: u, CreatedAt: now}
	err = s.writeKeeping(ctx, org, opts, func() any { return c }, func(t *tx) error {
		version, err := t.lockCredentialOwner(org, customerID, true)
		if err != nil {
			return err
		}
		if _, err := t.exec("INSERT INTO customer_credentials (id, org_id, customer_id, username, created_at) VALUES (?, ?, ?, ?, ?)",
			c.ID, org, customerID, u, s.dialect.ts(now)); err != nil {
			return usernameTaken(err)
		}
		return t.credentialEvent(org, customerID, version, crm.EventCredentialAdded, c, nil, c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ListCredentials returns a customer's credentials, oldest first, with the
// customer's version. One statement reads both, so the version is the one
// of the list returned on either engine.
func (s *Credentials) ListCredentials(ctx context.Context, org, customerID string) (*crm.CustomerCredentials, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.q(`SELECT c.version, cr.id, cr.username, cr.created_at
		FROM customers c LEFT JOIN customer_credentials cr ON cr.customer_id = c.id
		WHERE c.org_id = ? AND c.id = ? ORDER BY cr.created_at, cr.id`), org, customerID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := &crm.CustomerCredentials{CustomerID: customerID, Credentials: []crm.Credential{}}
	found := false
	for rows.Next() {
		var id, username sql.NullString
		var created *time.Time
		if err := rows.Scan(&out.Version, &id, &username, nullTimeScan{&created}); err != nil {
			return nil, translate(err)
		}
		found = true
		if id.Valid {
			out.Credentials = append(out.Credentials, crm.Credential{ID: id.String, CustomerID: customerID,
				Username: username.String, CreatedAt: *created})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	if !found {
		return nil, crm.Errorf(crm.ENOTFOUND, "customer not found")
	}
	return out, nil
}

// DeleteCredential removes a credential of the customer. An ended customer
// may lose its credentials: that is how its usernames are released.
func (s *Credentials) DeleteCredential(ctx context.Context, org, customerID, credentialID string, opts crm.WriteOptions) error {
	return s.write(ctx, org, opts, func(t *tx) error {
		version, err := t.lockCredentialOwner(org, customerID, false)
		if err != nil {
			return err
		}
		c, err := scanCredential(t.queryRow("SELECT id, customer_id, username, created_at FROM customer_credentials WHERE org_id = ? AND customer_id = ? AND id = ?",
			org, customerID, credentialID))
		if err != nil {
			return err
		}
		if _, err := t.exec("DELETE FROM customer_credentials WHERE id = ?", c.ID); err != nil {
			return err
		}
		return t.credentialEvent(org, customerID, version, crm.EventCredentialRemoved, c, c, nil)
	})
}

// MigrateCredential moves the credential with this username from the
// customer holding it (ended or not) to the active customer customerID,
// keeping its id. Each customer gets its event.
func (s *Credentials) MigrateCredential(ctx context.Context, org, customerID, username string, opts crm.WriteOptions) (*crm.Credential, error) {
	u, err := crm.ParseUsername(username)
	if err != nil {
		return nil, err
	}
	var moved *crm.Credential
	err = s.writeKeeping(ctx, org, opts, func() any { return moved }, func(t *tx) error {
		const byUsername = "SELECT id, customer_id, username, created_at FROM customer_credentials WHERE org_id = ? AND username = ?"
		c, err := scanCredential(t.queryRow(byUsername, org, u))
		if crm.ErrorCodeOf(err) == crm.ENOTFOUND {
			return crm.Errorf(crm.ENOTFOUND, "no customer of the org has the username %s", u)
		}
		if err != nil {
			return err
		}
		from := c.CustomerID
		// Every credential write locks the owning customer first; locking
		// both customers in id order means two migrations in opposite
		// directions wait for each other instead of deadlocking.
		versions, err := t.lockCustomers(org, customerID, from)
		if err != nil {
			return err
		}
		to, err := t.checkCredentialOwner(versions, customerID, true)
		if err != nil {
			return err
		}
		if from == customerID {
			return crm.Errorf(crm.ESTATE, "the username %s already belongs to this customer", u)
		}
		// The credential may have moved between the first read and the locks.
		if c, err = scanCredential(t.queryRow(byUsername, org, u)); err != nil {
			return err
		}
		if c.CustomerID != from {
			return crm.Errorf(crm.EUNAVAILABLE, "the credential changed concurrently, retry")
		}
		if _, err := t.exec("UPDATE customer_credentials SET customer_id = ? WHERE id = ?", customerID, c.ID); err != nil {
			return err
		}
		gone := *c
		c.CustomerID = customerID
		data := crm.CredentialMigration{Credential: *c, FromCustomerID: from, ToCustomerID: customerID}
		if err := t.credentialEvent(org, from, versions[from].version, crm.EventCredentialMigratedOut, data, &gone, nil); err != nil {
			return err
		}
		moved = c
		return t.credentialEvent(org, customerID, to, crm.EventCredentialMigratedIn, data, nil, c)
	})
	if err != nil {
		return nil, err
	}
	return moved, nil
}

// credentialOwner is what a credential write needs to know of a customer.
type credentialOwner struct {
	version int64
	endedAt *time.Time
}

// lockCustomers locks the org's customers with these ids, in id order, and
// returns those that exist by id.
func (t *tx) lockCustomers(org string, ids ...string) (map[string]credentialOwner, error) {
	in := placeholders(len(ids))
	args := []any{org}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := t.Query("SELECT id, version, ended_at FROM customers WHERE org_id = ? AND id IN ("+in+") ORDER BY id"+t.db.dialect.forUpdate, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]credentialOwner{}
	for rows.Next() {
		var id string
		var o credentialOwner
		if err := rows.Scan(&id, &o.version, nullTimeScan{&o.endedAt}); err != nil {
			return nil, err
		}
		out[id] = o
	}
	return out, rows.Err()
}

// lockCredentialOwner locks one customer and checks it may change its
// credentials; it returns the customer's version.
func (t *tx) lockCredentialOwner(org, customerID string, mustBeActive bool) (int64, error) {
	owners, err := t.lockCustomers(org, customerID)
	if err != nil {
		return 0, err
	}
	return t.checkCredentialOwner(owners, customerID, mustBeActive)
}

// checkCredentialOwner checks a locked customer: it exists in the org, it
// matches If-Match and, when it is to receive a credential, it has not ended.
func (t *tx) checkCredentialOwner(owners map[string]credentialOwner, customerID string, mustBeActive bool) (int64, error) {
	o, ok := owners[customerID]
	if !ok {
		return 0, crm.Errorf(crm.ENOTFOUND, "customer not found")
	}
	if err := t.checkVersion(o.version); err != nil {
		return 0, err
	}
	if mustBeActive && o.endedAt != nil {
		return 0, crm.Errorf(crm.ESTATE, "the customer was deactivated on %s and takes no new credentials", o.endedAt.Format("2006-01-02"))
	}
	return o.version, nil
}

// credentialEvent records a change to a customer's credentials: the
// customer's version moves, so its events stay in sequence and its ETag
// changes, and the event lists the credential before and after.
func (t *tx) credentialEvent(org, customerID string, version int64, eventType string, data any, before, after *crm.Credential) error {
	now := t.db.now()
	version++
	if _, err := t.exec("UPDATE customers SET version = ?, updated_at = ? WHERE id = ?", version, t.db.dialect.ts(now), customerID); err != nil {
		return err
	}
	changes, err := crm.Diff(credentialView(before), credentialView(after))
	if err != nil {
		return err
	}
	return t.appendEvent(org, eventType, crm.AggregateCustomer, customerID, version, data, changes)
}

// credentialView is how a credential shows in the changes of its
// customer's events: credentials.<id>.username.
func credentialView(c *crm.Credential) any {
	if c == nil {
		return nil
	}
	return map[string]any{"credentials": map[string]any{c.ID: map[string]any{"username": c.Username}}}
}

func scanCredential(row rowScanner) (*crm.Credential, error) {
	var c crm.Credential
	err := row.Scan(&c.ID, &c.CustomerID, &c.Username, timeScan{&c.CreatedAt})
	if err == sql.ErrNoRows {
		return nil, crm.Errorf(crm.ENOTFOUND, "credential not found")
	}
	if err != nil {
		return nil, translate(err)
	}
	return &c, nil
}

// usernameTaken names the unique index's refusal; the insert can violate
// no other.
func usernameTaken(err error) error {
	if crm.ErrorCodeOf(translate(err)) == crm.ECONFLICT {
		return &crm.Error{Code: crm.ECONFLICT, Message: "a credential with this username already exists in the org", Err: err}
	}
	return err
}
