package sqlstore

import (
	"context"
	"database/sql"
	"io"
	"time"

	"github.com/telcoops/crm"
)

var _ crm.IdentificationService = (*Identifications)(nil)

// identificationBlobPrefix namespaces the blobs of identification
// documents, so that the orphan cleanup never touches anyone else's.
const identificationBlobPrefix = "identification/"

const identificationColumns = `id, org_id, customer_id, process_date, document_id, document_name, document_type,
	media_type, size_bytes, sha256, blob_key`

// Identifications keeps customers' identification processes: their rows
// in the database and their documents' bytes in a blob store. The two never
// disagree: a document's blob is durably written before its row commits,
// a blob whose row did not commit is deleted at once when that is certain,
// and CleanOrphanBlobs removes those a crash left behind.
type Identifications struct {
	db    *DB
	blobs crm.BlobStore
}

// Identifications returns the identification processes of db, with their
// documents in blobs.
func (db *DB) Identifications(blobs crm.BlobStore) *Identifications {
	return &Identifications{db: db, blobs: blobs}
}

// CheckIdentifiable returns nil for an active customer of org, ENOTFOUND
// for none, ESTATE for a deactivated one: asked before an upload's body is
// read, so that requests that would fail write nothing at all.
func (s *Identifications) CheckIdentifiable(ctx context.Context, org, customerID string) error {
	c, err := s.db.getCustomer(ctx, org, customerID)
	if err != nil {
		return err
	}
	if c.EndedAt != nil {
		return crm.Errorf(crm.ESTATE, "the customer was deactivated on %s", c.EndedAt.Format(time.DateOnly))
	}
	return nil
}

// StageDocument streams an upload to a temporary blob (crm.StageDocument).
func (s *Identifications) StageDocument(ctx context.Context, name string, r io.Reader) (*crm.StagedDocument, error) {
	return crm.StageDocument(ctx, s.blobs, name, r)
}

// DiscardDocument removes a staged document; once a process kept it, there
// is nothing left to remove.
func (s *Identifications) DiscardDocument(ctx context.Context, d *crm.StagedDocument) error {
	return s.blobs.Discard(ctx, d.Handle)
}

// CreateIdentificationProcess moves the staged document under its final
// key, then commits the process with its event on the customer. The blob
// is durable before the row commits, so no row ever lacks its bytes; a
// blob whose row did not commit is deleted at once when that is certain,
// else by CleanOrphanBlobs.
func (s *Identifications) CreateIdentificationProcess(ctx context.Context, org, customerID string, n crm.NewIdentificationProcess, opts crm.WriteOptions) (*crm.IdentificationProcess, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	// Refuse up front what the transaction would refuse, so that requests
	// for unknown or ended customers keep no blob at all.
	if err := s.CheckIdentifiable(ctx, org, customerID); err != nil {
		return nil, err
	}
	in := n.Document
	docID := newID()
	p := &crm.IdentificationProcess{ID: newID(), OrgID: org, CustomerID: customerID, ProcessDate: s.db.now(),
		Document: crm.Document{ID: docID, Name: crm.DocumentName(in.Name, in.MediaType), Type: n.Type, MediaType: in.MediaType,
			SizeBytes: in.SizeBytes, SHA256: in.SHA256, BlobKey: identificationBlobPrefix + org + "/" + docID}}
	if err := s.blobs.Promote(ctx, in.Handle, p.Document.BlobKey); err != nil {
		if crm.ErrorCodeOf(err) == crm.ENOTFOUND {
			// Swept (DiscardStaged) before it could be kept: the request
			// was fine, its bytes are gone, and a retry will do.
			return nil, crm.Errorf(crm.EUNAVAILABLE, "the uploaded document was discarded before it could be kept; send it again")
		}
		return nil, err
	}

	committing := false
	err := s.db.writeKeeping(ctx, org, opts, func() any { return p }, func(t *tx) error {
		c, err := t.lockActiveCustomer(org, customerID)
		if err != nil {
			return err
		}
		d := p.Document
		if _, err := t.exec("INSERT INTO identification_processes ("+identificationColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			p.ID, org, customerID, s.db.dialect.ts(p.ProcessDate), d.ID, d.Name, d.Type, d.MediaType, d.SizeBytes, d.SHA256, d.BlobKey); err != nil {
			return err
		}
		changes, err := crm.Diff(nil, map[string]any{"identification_processes": map[string]any{
			p.ID: map[string]any{"process_date": p.ProcessDate, "document": d}}})
		if err != nil {
			return err
		}
		// The process belongs to the customer: its version moves, so the
		// customer's events stay in one sequence.
		now := s.db.now()
		c.UpdatedAt, c.Version = now, c.Version+1
		if _, err := t.exec("UPDATE customers SET updated_at = ?, version = ? WHERE id = ?", s.db.dialect.ts(now), c.Version, c.ID); err != nil {
			return err
		}
		if err := t.appendEvent(org, crm.EventIdentificationProcessCreated, crm.AggregateCustomer, c.ID, c.Version, p, changes); err != nil {
			return err
		}
		// Identified now: the customer's PENDING cash products activate.
		if err := t.activatePendingCashProducts(org, customerID); err != nil {
			return err
		}
		committing = true
		return nil
	})
	if err != nil {
		// Before the commit was attempted the transaction surely rolled
		// back and the blob is garbage. A failed commit may still have
		// committed, so its blob stays: a row must never lose its bytes, and
		// CleanOrphanBlobs removes the blob later if the row is not there.
		if !committing {
			if derr := s.blobs.Delete(context.WithoutCancel(ctx), p.Document.BlobKey); derr != nil {
				s.db.log.Warn("orphan blob left for the cleanup", "key", p.Document.BlobKey, "error", derr.Error())
			}
		}
		return nil, err
	}
	return p, nil
}

// ListIdentificationProcesses lists a customer's processes, oldest first.
func (s *Identifications) ListIdentificationProcesses(ctx context.Context, org, customerID string) ([]crm.IdentificationProcess, error) {
	if err := s.db.customerExists(ctx, org, customerID); err != nil {
		return nil, err
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.q("SELECT "+identificationColumns+
		" FROM identification_processes WHERE org_id = ? AND customer_id = ? ORDER BY process_date, id"), org, customerID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []crm.IdentificationProcess{}
	for rows.Next() {
		p, err := scanIdentificationProcess(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, translate(rows.Err())
}

// GetIdentificationProcess returns one process of a customer, or ENOTFOUND.
func (s *Identifications) GetIdentificationProcess(ctx context.Context, org, customerID, id string) (*crm.IdentificationProcess, error) {
	return scanIdentificationProcess(s.db.read.QueryRowContext(ctx, s.db.dialect.q("SELECT "+identificationColumns+
		" FROM identification_processes WHERE org_id = ? AND customer_id = ? AND id = ?"), org, customerID, id))
}

// OpenDocument returns a document of the org with its bytes, or ENOTFOUND
// when its process is gone or its customer was deactivated.
func (s *Identifications) OpenDocument(ctx context.Context, org, documentID string) (*crm.Document, io.ReadCloser, error) {
	// Only while its process exists and its customer is active: a signed
	// link must die with them, not only at its expiry.
	return s.openDocument(ctx, "SELECT "+identificationColumns+
		" FROM identification_processes p WHERE org_id = ? AND document_id = ? AND EXISTS (SELECT 1 FROM customers c"+
		" WHERE c.org_id = p.org_id AND c.id = p.customer_id AND c.ended_at IS NULL)", org, documentID)
}

// openDocument opens the blob of the process query finds, or ENOTFOUND.
func (s *Identifications) openDocument(ctx context.Context, query string, args ...any) (*crm.Document, io.ReadCloser, error) {
	p, err := scanIdentificationProcess(s.db.read.QueryRowContext(ctx, s.db.dialect.q(query), args...))
	if crm.ErrorCodeOf(err) == crm.ENOTFOUND {
		return nil, nil, crm.Errorf(crm.ENOTFOUND, "document not found")
	}
	if err != nil {
		return nil, nil, err
	}
	body, err := s.blobs.Open(ctx, p.Document.BlobKey)
	if crm.ErrorCodeOf(err) == crm.ENOTFOUND {
		// The write order makes this impossible short of losing files.
		return nil, nil, crm.Internal(err)
	}
	if err != nil {
		return nil, nil, err
	}
	d := p.Document
	d.CustomerID = p.CustomerID
	return &d, body, nil
}

// HasIdentificationProcess reports whether the customer has at least one
// identification process (products activation depends on it).
func (s *Identifications) HasIdentificationProcess(ctx context.Context, org, customerID string) (bool, error) {
	return hasIdentificationProcess(s.db.queryRow(ctx, hasIdentificationQuery, org, customerID))
}

// hasIdentificationProcess is HasIdentificationProcess inside a write, for
// decisions that must hold at commit.
func (t *tx) hasIdentificationProcess(org, customerID string) (bool, error) {
	return hasIdentificationProcess(t.queryRow(hasIdentificationQuery, org, customerID))
}

const hasIdentificationQuery = "SELECT 1 FROM identification_processes WHERE org_id = ? AND customer_id = ? LIMIT 1"

func hasIdentificationProcess(row *sql.Row) (bool, error) {
	var one int
	err := row.Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, translate(err)
}

func scanIdentificationProcess(row rowScanner) (*crm.IdentificationProcess, error) {
	var p crm.IdentificationProcess
	d := &p.Document
	err := row.Scan(&p.ID, &p.OrgID, &p.CustomerID, timeScan{&p.ProcessDate}, &d.ID, &d.Name, &d.Type,
		&d.MediaType, &d.SizeBytes, &d.SHA256, &d.BlobKey)
	if err == sql.ErrNoRows {
		return nil, crm.Errorf(crm.ENOTFOUND, "identification process not found")
	}
	if err != nil {
		return nil, translate(err)
	}
	return &p, nil
}
