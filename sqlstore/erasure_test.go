package sqlstore_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestErasureResumes: an erasure whose document files could not be
// deleted (the process died after the transaction committed) is recorded
// as incomplete; erasing again deletes them and completes the record
// without writing the erasure twice.
func TestErasureResumes(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:dpo")
		blobs := newMemBlobs(clock.Now)
		ids := db.Identifications(blobs)
		privacy := db.Privacy(ids)
		c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ids.CreateIdentificationProcess(ctx, "telco", c.ID, upload(t, ids, crm.DocNIF, "id.pdf", testPDF), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if n := len(blobs.blobs); n != 1 {
			t.Fatalf("%d blobs before the erasure, want 1", n)
		}
		blobs.failDelete = errors.New("disk gone")
		first, err := privacy.EraseCustomer(ctx, "telco", c.ID, crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if first.Complete || len(blobs.blobs) != 1 {
			t.Fatalf("complete %v with %d blobs left: want an incomplete record", first.Complete, len(blobs.blobs))
		}
		if _, err := db.Customers.GetCustomer(ctx, "telco", c.ID); crm.ErrorCodeOf(err) != crm.ENOTFOUND {
			t.Fatalf("GetCustomer after the erasure: %v, want ENOTFOUND", err)
		}
		events := len(allEvents(t, db))

		blobs.failDelete = nil
		clock.Advance(1)
		again, err := privacy.EraseCustomer(ctx, "telco", c.ID, crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !again.Complete || len(blobs.blobs) != 0 {
			t.Fatalf("complete %v with %d blobs left after erasing again", again.Complete, len(blobs.blobs))
		}
		stored, err := privacy.GetErasure(ctx, "telco", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		first.Complete = true
		if diff := cmp.Diff(first, stored); diff != "" {
			t.Errorf("record (-first, completed +stored):\n%s", diff)
		}
		if n := len(allEvents(t, db)); n != events {
			t.Errorf("erasing again wrote %d events", n-events)
		}
		if stored.Actor != "key:dpo" {
			t.Errorf("actor %q", stored.Actor)
		}
	})
}

// TestRetentionPolicy: an org without a policy has the default; a stored
// one is read back; an invalid one is refused naming its field.
func TestRetentionPolicy(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:dpo")
		privacy := db.Privacy(db.Identifications(newMemBlobs(clock.Now)))
		p, err := privacy.RetentionPolicy(ctx, "telco")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(crm.DefaultRetention, p); diff != "" {
			t.Errorf("default (-want +got):\n%s", diff)
		}
		mine := crm.RetentionPolicy{LegalBasis: "Ley 11/2022", Years: 5}
		if err := privacy.SetRetentionPolicy(ctx, "telco", mine); err != nil {
			t.Fatal(err)
		}
		if p, _ = privacy.RetentionPolicy(ctx, "telco"); !cmp.Equal(mine, p) {
			t.Errorf("stored %+v, read %+v", mine, p)
		}
		err = privacy.SetRetentionPolicy(ctx, "telco", crm.RetentionPolicy{LegalBasis: "x", Years: -1})
		if e := (*crm.Error)(nil); !errors.As(err, &e) || e.Code != crm.EINVALID {
			t.Errorf("years -1: %v, want EINVALID", err)
		}
	})
}

func allEvents(t *testing.T, db *sqlstore.DB) []crm.Event {
	t.Helper()
	evs, err := db.Outbox.Events(ctxAs("key:dpo"), "telco", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}
