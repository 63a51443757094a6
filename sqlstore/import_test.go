package sqlstore_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/jsonlimport"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// importLine is a valid import line: a private customer with one
// direct-debit account, with the external ids given (none when empty).
func importLine(t *testing.T, nif, ext, accountExt string) string {
	t.Helper()
	l := crm.ImportLine{NewCustomer: crmtest.Private(nif), Accounts: []crm.NewAccount{newAccount(directDebit())}}
	if ext != "" {
		l.ExternalID = &ext
	}
	if accountExt != "" {
		l.Accounts[0].ExternalID = &accountExt
	}
	raw, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// runImport imports the lines and returns the stats and the report.
func runImport(t *testing.T, db *sqlstore.DB, batch int, lines ...string) (jsonlimport.Stats, []crm.ImportRejection) {
	t.Helper()
	var report []crm.ImportRejection
	stats, err := jsonlimport.Run(context.Background(), db, "telco", strings.NewReader(strings.Join(lines, "\n")+"\n"),
		jsonlimport.Options{Actor: "import:test.jsonl", BatchSize: batch, Reject: func(r crm.ImportRejection) error {
			report = append(report, r)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	return stats, report
}

func TestImportValidLines(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, _ *crmtest.Clock) {
		corp := crm.ImportLine{NewCustomer: crmtest.Corporate(crmtest.CIF(1234567))}
		digital, _ := json.Marshal(crm.ImportLine{NewCustomer: crmtest.Digital("Ana@Example.com")})
		corpRaw, _ := json.Marshal(corp)
		stats, report := runImport(t, db, 0,
			importLine(t, crmtest.NIF(1), "legacy-1", "acc-1"), string(corpRaw), "", string(digital))
		want := jsonlimport.Stats{Lines: 3, Bytes: stats.Bytes, Imported: 3, Accounts: 1}
		if diff := cmp.Diff(want, stats); diff != "" || len(report) != 0 {
			t.Fatalf("stats (-want +got):\n%s\nreport %v", diff, report)
		}
		ctx := context.Background()
		ref, err := db.Customers.FindCustomerByExternalID(ctx, "telco", "legacy-1")
		if err != nil {
			t.Fatal(err)
		}
		ids, _ := db.Accounts.ListAccountIDs(ctx, "telco", ref.ID)
		if len(ids) != 1 {
			t.Fatalf("accounts %v", ids)
		}
		a, err := db.Accounts.GetAccount(ctx, "telco", ids[0])
		if err != nil || *a.ExternalID != "acc-1" || a.PaymentMethod.IBAN != validIBAN || a.InvoiceCycle != crm.DefaultInvoiceCycle {
			t.Fatalf("account %+v, %v", a, err)
		}
		if h, _ := db.Accounts.BillingAddressHistory(ctx, "telco", a.ID, nil, nil); len(h) != 1 {
			t.Errorf("billing history %+v", h)
		}
		// Lines without external ids get them from the org's sequence in
		// line order, and the unused rest of the block is given back.
		if r, err := db.Customers.FindCustomerByExternalID(ctx, "telco", "2"); err != nil {
			t.Errorf("the digital customer (line 4) has no external id 2: %v", err)
		} else if c, _ := db.Customers.GetCustomer(ctx, "telco", r.ID); c.DigitalPersonalInfo.Email != "ana@example.com" {
			t.Errorf("external id 2 is %+v", c)
		}
		next, err := db.Customers.CreateCustomer(ctxAs("key:1"), "telco", crmtest.Private(crmtest.NIF(99)), crm.WriteOptions{})
		if err != nil || *next.ExternalID != "3" {
			t.Errorf("the API's next external id %v, %v; want 3", next.ExternalID, err)
		}
	})
}

// The events of an imported line are the API's: same data and changes,
// sequence 1, the import as actor, each account's after its customer's.
func TestImportEventsAsTheAPI(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, _ *crmtest.Clock) {
		runImport(t, db, 0, importLine(t, crmtest.NIF(7), "legacy-7", "acc-7"))
		ctx := ctxAs("key:1")
		n := crmtest.Private(crmtest.NIF(7))
		n.ExternalID = strp("legacy-7")
		c, err := db.Customers.CreateCustomer(ctx, "other", n, crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		na := newAccount(directDebit())
		na.ExternalID = strp("acc-7")
		if _, err := db.Accounts.CreateAccount(ctx, "other", c.ID, na, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		imported, _ := db.Outbox.Events(context.Background(), "telco", 0, 100)
		api, _ := db.Outbox.Events(context.Background(), "other", 0, 100)
		if len(imported) != 2 || len(api) != 2 {
			t.Fatalf("events: %d imported, %d by the API", len(imported), len(api))
		}
		for i, e := range imported {
			if e.Sequence != 1 || e.Actor != "import:test.jsonl" || e.Type != api[i].Type || e.RequestID != "" {
				t.Errorf("event %d: %+v", i, e)
			}
			if diff := cmp.Diff(api[i].Changes, e.Changes); diff != "" {
				t.Errorf("%s changes (-api +import):\n%s", e.Type, diff)
			}
			if diff := cmp.Diff(eventData(t, api[i]), eventData(t, e)); diff != "" {
				t.Errorf("%s data (-api +import):\n%s", e.Type, diff)
			}
		}
		if imported[0].Type != crm.EventCustomerCreated || imported[1].Type != "account.created" ||
			imported[0].Position >= imported[1].Position {
			t.Errorf("feed order: %s at %d, %s at %d", imported[0].Type, imported[0].Position, imported[1].Type, imported[1].Position)
		}
	})
}

// eventData is an event's data without what differs between two orgs.
func eventData(t *testing.T, e crm.Event) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(e.Data, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "org_id", "customer_id"} {
		delete(m, k)
	}
	return m
}

func TestImportRejectsInvalidLines(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, _ *crmtest.Clock) {
		card := importLine(t, crmtest.NIF(3), "card", "")
		card = strings.Replace(card, `"type":"DIRECT_DEBIT","details":{"iban":"`+validIBAN+`"}`,
			`"type":"CREDIT_CARD","details":{"token_id":"0198a0f1-4567-7d43-ab00-000000000001"}`, 1)
		stats, report := runImport(t, db, 0,
			importLine(t, "12345678A", "bad-nif", ""),
			strings.Replace(importLine(t, crmtest.NIF(2), "unknown", ""), `"modality"`, `"modalidad"`, 1),
			card,
			`{"type":`,
			importLine(t, crmtest.NIF(4), "good", ""))
		if stats.Imported != 1 || stats.Rejected != 4 || stats.Lines != 5 {
			t.Errorf("stats %+v", stats)
		}
		want := []crm.ImportRejection{
			{Line: 1, ExternalID: strp("bad-nif"), Errors: []string{"personal_info.identity_document.number: " +
				report[0].Errors[0][len("personal_info.identity_document.number: "):]}},
			{Line: 2, ExternalID: strp("unknown"), Errors: []string{"accounts[0].modalidad: unknown field"}},
			{Line: 3, ExternalID: strp("card"), Errors: []string{"accounts[0].payment_method.details.token_id: is not a tokenized card of this customer"}},
			{Line: 4, Errors: []string{"the line is not valid JSON: unexpected EOF"}},
		}
		if diff := cmp.Diff(want, report); diff != "" {
			t.Errorf("report (-want +got):\n%s", diff)
		}
		if !strings.HasPrefix(report[0].Errors[0], "personal_info.identity_document.number: ") {
			t.Errorf("bad NIF reported as %q", report[0].Errors)
		}
		if _, err := db.Customers.FindCustomerByExternalID(context.Background(), "telco", "card"); crm.ErrorCodeOf(err) != crm.ENOTFOUND {
			t.Errorf("a rejected line was written: %v", err)
		}
	})
}

// A line that duplicates another of the file, or a customer already in
// the org, is rejected with the conflict; the rest of its batch stays.
func TestImportDuplicates(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, _ *crmtest.Clock) {
		if _, err := db.Customers.CreateCustomer(ctxAs("key:1"), "telco", crmtest.Private(crmtest.NIF(50)), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		stats, report := runImport(t, db, 3,
			importLine(t, crmtest.NIF(1), "a", "acc-a"),
			importLine(t, crmtest.NIF(50), "in-db", ""), // the API's customer's document
			importLine(t, crmtest.NIF(1), "b", ""),      // line 1's document, same batch
			importLine(t, crmtest.NIF(2), "c", "acc-a"), // line 1's account external id, next batch
			importLine(t, crmtest.NIF(3), "a", ""),      // line 1's external id, next batch
			importLine(t, crmtest.NIF(4), "d", ""))
		want := []crm.ImportRejection{
			{Line: 2, ExternalID: strp("in-db"), Errors: []string{"personal_info.identity_document: a customer with this identity document already exists"}},
			{Line: 3, ExternalID: strp("b"), Errors: []string{"personal_info.identity_document: a customer with this identity document already exists"}},
			{Line: 4, ExternalID: strp("c"), Errors: []string{"accounts[0].external_id: an account with this external_id already exists"}},
			{Line: 5, ExternalID: strp("a"), Errors: []string{"external_id: a customer with this external_id already exists"}},
		}
		if diff := cmp.Diff(want, report); diff != "" {
			t.Errorf("report (-want +got):\n%s", diff)
		}
		if stats.Imported != 2 || stats.Rejected != 4 || stats.Skipped != 0 {
			t.Errorf("stats %+v", stats)
		}
		for _, ext := range []string{"a", "d"} {
			if _, err := db.Customers.FindCustomerByExternalID(context.Background(), "telco", ext); err != nil {
				t.Errorf("line with external id %s: %v", ext, err)
			}
		}
		// Nothing of a rejected line was written, accounts and events included.
		events, _ := db.Outbox.Events(context.Background(), "telco", 0, 100)
		if len(events) != 1+2+2 {
			t.Errorf("%d events, want the API's customer's and 2 for each imported line", len(events))
		}
	})
}

// A re-run skips the lines whose external ids are in the org; a line
// without one conflicts on its identity document.
func TestImportRerunSkips(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, _ *crmtest.Clock) {
		lines := []string{importLine(t, crmtest.NIF(1), "x1", ""), importLine(t, crmtest.NIF(2), "", ""),
			importLine(t, crmtest.NIF(3), "x3", "")}
		if stats, report := runImport(t, db, 2, lines...); stats.Imported != 3 || len(report) != 0 {
			t.Fatalf("first run %+v %v", stats, report)
		}
		stats, report := runImport(t, db, 2, lines...)
		if stats.Imported != 0 || stats.Skipped != 2 || stats.Rejected != 1 {
			t.Errorf("re-run %+v", stats)
		}
		want := []crm.ImportRejection{{Line: 2, Errors: []string{"personal_info.identity_document: a customer with this identity document already exists"}}}
		if diff := cmp.Diff(want, report); diff != "" {
			t.Errorf("report (-want +got):\n%s", diff)
		}
		events, _ := db.Outbox.Events(context.Background(), "telco", 0, 100)
		if len(events) != 6 {
			t.Errorf("%d events after the re-run, want 6", len(events))
		}
	})
}

// External ids the import draws skip those clients chose, as the API's do.
func TestImportDrawnExternalIDsSkipTaken(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, _ *crmtest.Clock) {
		n := crmtest.Private(crmtest.NIF(90))
		n.ExternalID = strp("2")
		if _, err := db.Customers.CreateCustomer(ctxAs("key:1"), "telco", n, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		stats, report := runImport(t, db, 0, importLine(t, crmtest.NIF(1), "", ""), importLine(t, crmtest.NIF(2), "", ""),
			importLine(t, crmtest.NIF(3), "", ""), importLine(t, crmtest.NIF(4), "", "1"))
		if stats.Imported != 4 || len(report) != 0 {
			t.Fatalf("stats %+v, report %v", stats, report)
		}
		seen := map[string]bool{}
		for i := 1; i <= 4; i++ {
			r, err := db.Customers.FindCustomer(context.Background(), "telco", crm.CustomerSearch{IdentityDocument: crmtest.NIF(i)})
			if err != nil || *r.ExternalID == "2" || seen[*r.ExternalID] {
				t.Errorf("line %d: %+v, %v", i, r, err)
				continue
			}
			seen[*r.ExternalID] = true
		}
	})
}

// A uniqueness violation in the middle of a batch sends the batch line by
// line: the culprit is rejected, every other line of the batch is written
// whole, with its account and events.
func TestImportBatchFallsBackLineByLine(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, _ *crmtest.Clock) {
		digital := func(email, ext string) string {
			l := crm.ImportLine{NewCustomer: crmtest.Digital(email)}
			l.ExternalID = &ext
			raw, _ := json.Marshal(l)
			return string(raw)
		}
		stats, report := runImport(t, db, 5,
			importLine(t, crmtest.NIF(1), "l1", ""),
			digital("same@example.com", "l2"),
			importLine(t, crmtest.NIF(3), "l3", ""),
			digital("SAME@example.com", "l4"), // line 2's email once normalised
			importLine(t, crmtest.NIF(5), "l5", ""))
		want := []crm.ImportRejection{{Line: 4, ExternalID: strp("l4"),
			Errors: []string{"digital_personal_info.email: a digital customer with this email already exists"}}}
		if diff := cmp.Diff(want, report); diff != "" {
			t.Errorf("report (-want +got):\n%s", diff)
		}
		if stats.Imported != 4 || stats.Accounts != 3 {
			t.Errorf("stats %+v", stats)
		}
		events, _ := db.Outbox.Events(context.Background(), "telco", 0, 100)
		if len(events) != 4+3 {
			t.Errorf("%d events, want 7", len(events))
		}
		for _, e := range events {
			if e.Sequence != 1 {
				t.Errorf("%s of %s has sequence %d", e.Type, e.AggregateID, e.Sequence)
			}
		}
	})
}
