package sqlstore_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

var (
	testPDF = []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
	testPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
)

func sha256hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestIdentificationProcessLifecycle(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		blobs := newMemBlobs(clock.Now)
		ids := db.Identifications(blobs)
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		if has, err := ids.HasIdentificationProcess(ctx, "telco", c.ID); has || err != nil {
			t.Fatalf("has before any process = %v, %v", has, err)
		}
		p, err := ids.CreateIdentificationProcess(ctx, "telco", c.ID, upload(t, ids, crm.DocNIF, "my id.png", testPDF), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// The media type comes from the content, not from the name.
		want := crm.Document{ID: p.Document.ID, Name: "my_id.png", Type: crm.DocNIF, MediaType: crm.MediaPDF,
			SizeBytes: int64(len(testPDF)), SHA256: sha256hex(testPDF), BlobKey: "identification/telco/" + p.Document.ID}
		if diff := cmp.Diff(want, p.Document); diff != "" || !p.ProcessDate.Equal(t0) || p.CustomerID != c.ID {
			t.Errorf("created %+v (-want +got):\n%s", p, diff)
		}
		clock.Advance(time.Minute)
		p2, err := ids.CreateIdentificationProcess(ctx, "telco", c.ID, upload(t, ids, crm.DocPassport, "", testPNG), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p2.Document.Name != "document.png" || p2.Document.MediaType != crm.MediaPNG {
			t.Errorf("second document %+v", p2.Document)
		}

		list, err := ids.ListIdentificationProcesses(ctx, "telco", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]crm.IdentificationProcess{*p, *p2}, list); diff != "" {
			t.Errorf("list (-want +got):\n%s", diff)
		}
		got, err := ids.GetIdentificationProcess(ctx, "telco", c.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(p, got); diff != "" {
			t.Errorf("get (-created +read):\n%s", diff)
		}
		doc, body, err := ids.OpenDocument(ctx, "telco", p.Document.ID)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(body)
		body.Close()
		if !bytes.Equal(raw, testPDF) || doc.SHA256 != sha256hex(testPDF) {
			t.Errorf("document bytes %q, sha %s", raw, doc.SHA256)
		}
		if has, err := ids.HasIdentificationProcess(ctx, "telco", c.ID); !has || err != nil {
			t.Errorf("has = %v, %v", has, err)
		}

		// Another org, or another customer, sees nothing.
		other, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(7)), crm.WriteOptions{})
		_, err = ids.ListIdentificationProcesses(ctx, "other", c.ID)
		mustCode(t, err, crm.ENOTFOUND)
		_, err = ids.GetIdentificationProcess(ctx, "other", c.ID, p.ID)
		mustCode(t, err, crm.ENOTFOUND)
		_, err = ids.GetIdentificationProcess(ctx, "telco", other.ID, p.ID)
		mustCode(t, err, crm.ENOTFOUND)
		_, _, err = ids.OpenDocument(ctx, "other", p.Document.ID)
		mustCode(t, err, crm.ENOTFOUND)
		if has, _ := ids.HasIdentificationProcess(ctx, "other", c.ID); has {
			t.Error("has in another org")
		}
		if l, _ := ids.ListIdentificationProcesses(ctx, "telco", other.ID); len(l) != 0 {
			t.Errorf("other customer's list %+v", l)
		}

		// Each upload is an event on the customer, with the new values.
		var mine []crm.Event
		for _, e := range events(t, db, "telco") {
			if e.Type == crm.EventIdentificationProcessCreated {
				mine = append(mine, e)
			}
		}
		if len(mine) != 2 || mine[0].AggregateType != crm.AggregateCustomer || mine[0].AggregateID != c.ID ||
			mine[0].Sequence != 2 || mine[1].Sequence != 3 || mine[0].Actor != "key:1" {
			t.Fatalf("events %+v", mine)
		}
		prefix := "identification_processes." + p.ID + "."
		wantChanges := map[string]string{"process_date": `"2026-11-23T10:00:00Z"`, "document.name": `"my_id.png"`,
			"document.type": `"NIF"`, "document.media_type": `"application/pdf"`, "document.size_bytes": strconv.Itoa(len(testPDF)),
			"document.id": `"` + p.Document.ID + `"`, "document.sha256": `"` + p.Document.SHA256 + `"`}
		for field, after := range wantChanges {
			ch, ok := mine[0].Changes[prefix+field]
			if !ok || string(ch.Before) != "null" || string(ch.After) != after {
				t.Errorf("change %s = %s -> %s, want null -> %s", field, ch.Before, ch.After, after)
			}
		}
		if len(mine[0].Changes) != len(wantChanges) {
			t.Errorf("changes %v", mine[0].Changes)
		}
		if strings.Contains(string(mine[0].Data), "identification/") {
			t.Errorf("the blob key leaked into the event: %s", mine[0].Data)
		}
		cust, _ := db.Customers.GetCustomer(ctx, "telco", c.ID)
		if cust.Version != 3 {
			t.Errorf("customer version %d, want 3", cust.Version)
		}
	})
}

// TestDocumentLinkTargetEndsWithCustomer: OpenDocument serves a document
// only while its customer is active, so a signed link dies with the
// customer, not only at its expiry; the process itself stays readable.
func TestDocumentLinkTargetEndsWithCustomer(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		ids := db.Identifications(newMemBlobs(clock.Now))
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		p, err := ids.CreateIdentificationProcess(ctx, "telco", c.ID, upload(t, ids, crm.DocNIF, "id.pdf", testPDF), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, body, err := ids.OpenDocument(ctx, "telco", p.Document.ID)
		if err != nil {
			t.Fatal(err)
		}
		body.Close()
		if err := db.Customers.DeactivateCustomer(ctx, "telco", c.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		_, _, err = ids.OpenDocument(ctx, "telco", p.Document.ID)
		mustCode(t, err, crm.ENOTFOUND)
		if _, err := ids.GetIdentificationProcess(ctx, "telco", c.ID, p.ID); err != nil {
			t.Errorf("the ended customer's process: %v", err)
		}
		mustCode(t, ids.CheckIdentifiable(ctx, "telco", c.ID), crm.ESTATE)
		mustCode(t, ids.CheckIdentifiable(ctx, "other", c.ID), crm.ENOTFOUND)
	})
}

// TestUploadFileNameIsMetadata: a file name is kept, reduced, as the
// document's name and never makes its key.
func TestUploadFileNameIsMetadata(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		ids := db.Identifications(newMemBlobs(clock.Now))
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		p, err := ids.CreateIdentificationProcess(ctx, "telco", c.ID, upload(t, ids, crm.DocNIF, "../../etc/passwd", testPDF), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Document.Name != "passwd" || p.Document.BlobKey != "identification/telco/"+p.Document.ID {
			t.Errorf("document %+v", p.Document)
		}
		for _, name := range []string{strings.Repeat("a", 256), "a\x00b.pdf", "a\xffb.pdf", "a\x1bb.pdf"} {
			_, err := ids.StageDocument(ctx, name, bytes.NewReader(testPDF))
			if crm.ErrorCodeOf(err) != crm.EINVALID || !strings.Contains(err.Error(), "document") {
				t.Errorf("StageDocument(%q): %v", name, err)
			}
		}
	})
}

func TestIdentificationProcessRejects(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		blobs := newMemBlobs(clock.Now)
		ids := db.Identifications(blobs)
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		ended, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(9)), crm.WriteOptions{})
		db.Customers.DeactivateCustomer(ctx, "telco", ended.ID, crm.WriteOptions{})
		before := len(events(t, db, "telco"))
		cases := []struct {
			name     string
			org, cid string
			in       crm.NewIdentificationProcess
			code     crm.ErrorCode
		}{
			{"no document", "telco", c.ID, crm.NewIdentificationProcess{Type: crm.DocNIF}, crm.EINVALID},
			{"no type", "telco", c.ID, upload(t, ids, "", "", testPDF), crm.EINVALID},
			{"unknown customer", "telco", "0198a0f1-4567-7d43-ab00-000000000001", upload(t, ids, crm.DocNIF, "", testPDF), crm.ENOTFOUND},
			{"other org", "other", c.ID, upload(t, ids, crm.DocNIF, "", testPDF), crm.ENOTFOUND},
			{"ended customer", "telco", ended.ID, upload(t, ids, crm.DocNIF, "", testPDF), crm.ESTATE},
		}
		for _, tc := range cases {
			_, err := ids.CreateIdentificationProcess(ctx, tc.org, tc.cid, tc.in, crm.WriteOptions{})
			if crm.ErrorCodeOf(err) != tc.code {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			}
		}
		if k := blobs.keys(); len(k) != 0 {
			t.Errorf("rejected uploads left blobs: %v", k)
		}
		if n := len(events(t, db, "telco")); n != before {
			t.Errorf("rejected uploads appended %d events", n-before)
		}
	})
}

// TestIdentificationWriteOrder checks the order that keeps bytes and rows
// in agreement: the blob is durable before the row commits, a failed blob
// write commits nothing, and a transaction that surely rolled back takes its
// blob with it.
func TestIdentificationWriteOrder(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		blobs := newMemBlobs(clock.Now)
		ids := db.Identifications(blobs)
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		in := func() crm.NewIdentificationProcess { return upload(t, ids, crm.DocNIF, "id.pdf", testPDF) }

		// The row is not there yet when the blob is written.
		blobs.afterPut = func(string) {
			if has, _ := ids.HasIdentificationProcess(ctx, "telco", c.ID); has {
				t.Error("the row committed before its blob was written")
			}
		}
		if _, err := ids.CreateIdentificationProcess(ctx, "telco", c.ID, in(), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}

		// A staged upload swept before it was kept is a 503 to retry, not
		// a 404 of something the client never named.
		swept := in()
		if err := ids.DiscardDocument(ctx, swept.Document); err != nil {
			t.Fatal(err)
		}
		_, err := ids.CreateIdentificationProcess(ctx, "telco", c.ID, swept, crm.WriteOptions{})
		mustCode(t, err, crm.EUNAVAILABLE)

		// A blob that cannot be written commits nothing.
		blobs.afterPut = nil
		blobs.failPut = crm.Internal(errors.New("disk full"))
		_, err = ids.CreateIdentificationProcess(ctx, "telco", c.ID, in(), crm.WriteOptions{})
		mustCode(t, err, crm.EINTERNAL)
		blobs.failPut = nil
		if l, _ := ids.ListIdentificationProcesses(ctx, "telco", c.ID); len(l) != 1 {
			t.Errorf("%d processes after a failed blob write, want 1", len(l))
		}
		if cust, _ := db.Customers.GetCustomer(ctx, "telco", c.ID); cust.Version != 2 {
			t.Errorf("customer version %d after a failed blob write, want 2", cust.Version)
		}

		// The customer ends between the blob write and the transaction: the
		// transaction refuses, and the blob goes.
		blobs.afterPut = func(string) {
			if err := db.Customers.DeactivateCustomer(ctx, "telco", c.ID, crm.WriteOptions{}); err != nil {
				t.Error(err)
			}
		}
		_, err = ids.CreateIdentificationProcess(ctx, "telco", c.ID, in(), crm.WriteOptions{})
		mustCode(t, err, crm.ESTATE)
		blobs.afterPut = nil
		if k := blobs.keys(); len(k) != 1 {
			t.Errorf("blobs after a refused transaction: %v", k)
		}

		// So does a request whose Idempotency-Key another one holds.
		c2, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(5)), crm.WriteOptions{})
		kept, err := ids.CreateIdentificationProcess(ctx, "telco", c2.ID, in(), keyed("k1"))
		if err != nil {
			t.Fatal(err)
		}
		// Kept for replay: the process's id, not its document's name or hash.
		if rec, err := db.Idempotency.LookupIdempotency(ctx, "telco", "k1"); err != nil || rec == nil ||
			string(rec.Result) != `{"id":"`+kept.ID+`","external_id":null}` {
			t.Errorf("kept result %+v, %v; want the process's receipt", rec, err)
		}
		_, err = ids.CreateIdentificationProcess(ctx, "telco", c2.ID, in(), keyed("k1"))
		mustCode(t, err, crm.EIDEMPOTENCY)
		if k := blobs.keys(); len(k) != 2 {
			t.Errorf("blobs after a refused idempotency claim: %v", k)
		}
	})
}
