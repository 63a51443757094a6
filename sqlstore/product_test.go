package sqlstore_test

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/blobstore"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// productCtx is a products-surface request: an OAuth client of telco and
// the Requestor-ID it sent.
func productCtx() context.Context {
	return crm.WithRequestInfo(context.Background(), crm.RequestInfo{RequestID: "req-p",
		RequestorID: "0198a0f1-4567-7d43-ab00-00000000a11c",
		Principal:   crm.Principal{ID: "client:1", Orgs: []string{"telco"}, Roles: crm.ProductScopes}})
}

var identificationPDF = []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")

func identify(t *testing.T, db *sqlstore.DB, org, customerID string) {
	t.Helper()
	blobs, err := blobstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ids := db.Identifications(blobs)
	_, err = ids.CreateIdentificationProcess(ctxAs("key:1"), org, customerID, upload(t, ids, crm.DocNIF, "", identificationPDF), crm.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

func TestProductLifecycle(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := productCtx()
		c, err := db.Customers.CreateCustomer(ctxAs("key:1"), "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// No identification process yet: the cash product waits.
		cash, err := db.Products.CreateCustomerProduct(ctx, "telco", c.ID, crm.ProductBalanceAccount, crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := &crm.CustomerProduct{ID: cash.ID, OrgID: "telco", CustomerID: c.ID, Code: crm.ProductBalanceAccount,
			Type: crm.ProductTypeCash, Currency: "EUR", Status: crm.ProductPending, CreatedAt: t0, ModifiedAt: t0, Version: 2}
		if diff := cmp.Diff(want, cash); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		got, err := db.Products.GetCustomerProduct(ctx, "telco", cash.ID)
		if diff := cmp.Diff(want, got); diff != "" || err != nil {
			t.Errorf("read back %v (-want +got):\n%s", err, diff)
		}
		// Other products do not wait for identification.
		dep, err := db.Products.CreateCustomerProduct(ctx, "telco", c.ID, crm.ProductDepositoryAccount, crm.WriteOptions{})
		if err != nil || dep.Status != crm.ProductActive || dep.OpenedAt == nil || dep.Currency != "" || dep.Account != nil {
			t.Fatalf("depository %+v, %v", dep, err)
		}
		_, err = db.Products.CreateCustomerProduct(ctx, "telco", c.ID, crm.ProductBalanceAccount, crm.WriteOptions{})
		mustCode(t, err, crm.ECONFLICT)

		// The identification activates the pending cash product, with an IBAN.
		clock.Advance(time.Hour)
		identify(t, db, "telco", c.ID)
		got, _ = db.Products.GetCustomerProduct(ctx, "telco", cash.ID)
		t1 := t0.Add(time.Hour)
		if got.Status != crm.ProductActive || got.OpenedAt == nil || !got.OpenedAt.Equal(t1) || !got.ModifiedAt.Equal(t1) || got.Version != 3 {
			t.Errorf("after identification %+v", got)
		}
		if got.Account == nil || crm.CheckIBAN(got.Account.IBAN) != "" || got.Account.IBAN[4:8] != "9999" || got.Account.BIC != "CRMXESM1XXX" {
			t.Fatalf("account %+v", got.Account)
		}
		iban := got.Account.IBAN

		// Filters.
		for _, tc := range []struct {
			f    crm.ProductFilter
			want []string
		}{
			{crm.ProductFilter{}, []string{cash.ID, dep.ID}},
			{crm.ProductFilter{IBAN: iban}, []string{cash.ID}},
			{crm.ProductFilter{IBAN: "ES7921000813610123456789"}, nil},
			{crm.ProductFilter{Type: crm.ProductTypeDepository}, []string{dep.ID}},
			{crm.ProductFilter{Code: crm.ProductBalanceAccount, Status: crm.ProductActive}, []string{cash.ID}},
			{crm.ProductFilter{Status: crm.ProductClosed}, nil},
		} {
			list, err := db.Products.ListCustomerProducts(ctx, "telco", c.ID, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, p := range list {
				ids = append(ids, p.ID)
			}
			if diff := cmp.Diff(tc.want, ids); diff != "" {
				t.Errorf("filter %+v (-want +got):\n%s", tc.f, diff)
			}
		}

		// The customer cannot end while it has open products.
		mustCode(t, db.Customers.DeactivateCustomer(ctxAs("key:1"), "telco", c.ID, crm.WriteOptions{}), crm.ESTATE)

		// Close: once; then a new product of the same code may open.
		clock.Advance(time.Hour)
		if err := db.Products.CloseCustomerProduct(ctx, "telco", cash.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		mustCode(t, db.Products.CloseCustomerProduct(ctx, "telco", cash.ID, crm.WriteOptions{}), crm.ESTATE)
		got, _ = db.Products.GetCustomerProduct(ctx, "telco", cash.ID)
		t2 := t1.Add(time.Hour)
		if got.Status != crm.ProductClosed || got.ClosedAt == nil || !got.ClosedAt.Equal(t2) || !got.OpenedAt.Equal(t1) || got.Account.IBAN != iban {
			t.Errorf("closed %+v", got)
		}
		again, err := db.Products.CreateCustomerProduct(ctx, "telco", c.ID, crm.ProductBalanceAccount, crm.WriteOptions{})
		if err != nil || again.Status != crm.ProductActive || again.Account == nil || again.Account.IBAN == iban {
			t.Fatalf("reopened %+v, %v", again, err)
		}
		for _, id := range []string{again.ID, dep.ID} {
			if err := db.Products.CloseCustomerProduct(ctx, "telco", id, crm.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Customers.DeactivateCustomer(ctxAs("key:1"), "telco", c.ID, crm.WriteOptions{}); err != nil {
			t.Fatalf("deactivate with every product closed: %v", err)
		}
		// An ended customer's new products are rejected.
		rejected, err := db.Products.CreateCustomerProduct(ctx, "telco", c.ID, crm.ProductCurrencyWallet, crm.WriteOptions{})
		if err != nil || rejected.Status != crm.ProductRejected || rejected.OpenedAt != nil {
			t.Errorf("product of an ended customer %+v, %v", rejected, err)
		}
	})
}

func TestProductOrgsAndErrors(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := productCtx()
		c, _ := db.Customers.CreateCustomer(ctxAs("key:1"), "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		p, err := db.Products.CreateCustomerProduct(ctx, "telco", c.ID, crm.ProductWallet, crm.WriteOptions{})
		if err != nil || p.Type != crm.ProductTypeWallet || p.Status != crm.ProductActive {
			t.Fatalf("wallet %+v, %v", p, err)
		}
		_, err = db.Products.GetCustomerProduct(ctx, "other", p.ID)
		mustCode(t, err, crm.ENOTFOUND)
		mustCode(t, db.Products.CloseCustomerProduct(ctx, "other", p.ID, crm.WriteOptions{}), crm.ENOTFOUND)
		_, err = db.Products.ListCustomerProducts(ctx, "other", c.ID, crm.ProductFilter{})
		mustCode(t, err, crm.ENOTFOUND)
		_, err = db.Products.CreateCustomerProduct(ctx, "other", c.ID, crm.ProductWallet, crm.WriteOptions{})
		mustCode(t, err, crm.ENOTFOUND)
		_, err = db.Products.CreateCustomerProduct(ctx, "telco", c.ID, crm.ProductCode("SAVINGS"), crm.WriteOptions{})
		mustCode(t, err, crm.EINVALID)

		// If-Match is checked in the close's transaction.
		mustCode(t, db.Products.CloseCustomerProduct(ctx, "telco", p.ID, crm.WriteOptions{IfMatch: 1}), crm.EPRECONDITION)
		if err := db.Products.CloseCustomerProduct(ctx, "telco", p.ID, crm.WriteOptions{IfMatch: 2}); err != nil {
			t.Fatal(err)
		}
		if n := len(events(t, db, "other")); n != 0 {
			t.Errorf("rejected writes appended %d events", n)
		}
	})
}

func TestProductEvents(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := productCtx()
		c, _ := db.Customers.CreateCustomer(ctxAs("key:1"), "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		p, _ := db.Products.CreateCustomerProduct(ctx, "telco", c.ID, crm.ProductBalanceAccount, crm.WriteOptions{})
		identify(t, db, "telco", c.ID)
		if err := db.Products.CloseCustomerProduct(ctx, "telco", p.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		got, _ := db.Products.GetCustomerProduct(ctx, "telco", p.ID)
		iban, _ := json.Marshal(got.Account.IBAN)
		at, _ := json.Marshal(t0)
		type change struct{ Before, After string }
		type ev struct {
			Type, Requestor string
			Sequence        int64
			Changes         map[string]change
		}
		want := []ev{
			{crm.EventCustomerProductCreated, "0198a0f1-4567-7d43-ab00-00000000a11c", 1, map[string]change{
				"product_code": {"null", `"BALANCE_ACCOUNT"`}, "product_type": {"null", `"CASH"`},
				"currency": {"null", `"EUR"`}, "status": {"null", `"RECEIVED"`}}},
			{crm.EventCustomerProductStatusChanged, "0198a0f1-4567-7d43-ab00-00000000a11c", 2, map[string]change{
				"status": {`"RECEIVED"`, `"PENDING"`}}},
			// Activated by the identification upload, a v4 request without a Requestor-ID.
			{crm.EventCustomerProductStatusChanged, "", 3, map[string]change{
				"status": {`"PENDING"`, `"ACTIVE"`}, "opened_at": {"null", string(at)},
				"account_data.iban": {"null", string(iban)}, "account_data.bic": {"null", `"CRMXESM1XXX"`},
				"account_data.modified_at": {"null", string(at)}}},
			{crm.EventCustomerProductStatusChanged, "0198a0f1-4567-7d43-ab00-00000000a11c", 4, map[string]change{
				"status": {`"ACTIVE"`, `"CLOSED"`}, "closed_at": {"null", string(at)}}},
		}
		var gotEvents []ev
		for _, e := range events(t, db, "telco") {
			if e.AggregateType != crm.AggregateCustomerProduct {
				continue
			}
			if e.AggregateID != p.ID || e.RequestID == "" || e.OrgID != "telco" {
				t.Errorf("event %+v", e)
			}
			g := ev{Type: e.Type, Requestor: e.RequestorID, Sequence: e.Sequence, Changes: map[string]change{}}
			for k, c := range e.Changes {
				g.Changes[k] = change{string(c.Before), string(c.After)}
			}
			gotEvents = append(gotEvents, g)
		}
		if diff := cmp.Diff(want, gotEvents); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}

func TestConcurrentProductCreatesOneWins(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := productCtx()
		c, _ := db.Customers.CreateCustomer(ctxAs("key:1"), "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		identify(t, db, "telco", c.ID)
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				_, errs[i] = db.Products.CreateCustomerProduct(ctx, "telco", c.ID, crm.ProductBalanceAccount, crm.WriteOptions{})
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch crm.ErrorCodeOf(err) {
			case "":
				won++
			case crm.ECONFLICT:
			default:
				t.Errorf("unexpected error %v", err)
			}
		}
		list, _ := db.Products.ListCustomerProducts(ctx, "telco", c.ID, crm.ProductFilter{})
		if won != 1 || len(list) != 1 {
			t.Errorf("%d creates won, %d products stored; want exactly 1", won, len(list))
		}
		// The database itself refuses a second open product, whoever writes it.
		err := db.Exec(ctx, `INSERT INTO customer_products (id, org_id, customer_id, product_code, product_type, status,
			created_at, modified_at, version) VALUES ('x', 'telco', ?, 'BALANCE_ACCOUNT', 'CASH', 'BLOCKED', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1)`, c.ID)
		if err == nil {
			t.Error("the open-product index let a second open BALANCE_ACCOUNT in")
		}
	})
}

func TestProductSettingsIssueIBANs(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := productCtx()
		mustCode(t, db.Products.SetProductSettings(ctx, sqlstore.DeploymentProducts, crm.ProductSettings{BankCode: "21", BranchCode: "0001", BIC: "X"}), crm.EINVALID)
		deployment := crm.ProductSettings{BankCode: "2100", BranchCode: "0813", BIC: "CAIXESBBXXX"}
		if err := db.Products.SetProductSettings(ctx, sqlstore.DeploymentProducts, deployment); err != nil {
			t.Fatal(err)
		}
		own := crm.ProductSettings{BankCode: "0049", BranchCode: "1500", BIC: "BSCHESMMXXX"}
		if err := db.Products.SetProductSettings(ctx, "telco", own); err != nil {
			t.Fatal(err)
		}
		for org, want := range map[string]crm.ProductSettings{"telco": own, "other": deployment} {
			if got, err := db.Products.ProductSettings(ctx, org); err != nil || got != want {
				t.Errorf("%s settings %+v, %v", org, got, err)
			}
			c, _ := db.Customers.CreateCustomer(ctxAs("key:1"), org, crmtest.Private("14861628V"), crm.WriteOptions{})
			identify(t, db, org, c.ID)
			p, err := db.Products.CreateCustomerProduct(ctx, org, c.ID, crm.ProductBalanceAccount, crm.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Account == nil || p.Account.IBAN[4:12] != want.BankCode+want.BranchCode ||
				p.Account.BIC != want.BIC || crm.CheckIBAN(p.Account.IBAN) != "" {
				t.Errorf("%s account %+v", org, p.Account)
			}
		}
	})
}

// TestIssuedIBANsAreUniqueAcrossOrgs: orgs that share the deployment's bank
// and branch never get the same account number, since an IBAN names one
// account everywhere.
func TestIssuedIBANsAreUniqueAcrossOrgs(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := productCtx()
		seen := map[string]string{}
		for _, org := range []string{"telco", "other", "third"} {
			c, err := db.Customers.CreateCustomer(ctxAs("key:1"), org, crmtest.Private("14861628V"), crm.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			identify(t, db, org, c.ID)
			p, err := db.Products.CreateCustomerProduct(ctx, org, c.ID, crm.ProductBalanceAccount, crm.WriteOptions{})
			if err != nil || p.Account == nil {
				t.Fatalf("%s: %+v %v", org, p, err)
			}
			if prev, dup := seen[p.Account.IBAN]; dup {
				t.Errorf("IBAN %s issued to %s and to %s", p.Account.IBAN, prev, org)
			}
			seen[p.Account.IBAN] = org
		}
	})
}

// TestIssuedIBANsSayNothingOfOtherOrgs: an org that opens two accounts
// cannot tell from their numbers how many other orgs opened in between.
func TestIssuedIBANsSayNothingOfOtherOrgs(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := productCtx()
		customers := 0
		open := func(org string) int64 {
			t.Helper()
			customers++
			c, err := db.Customers.CreateCustomer(ctxAs("key:1"), org, crmtest.Private(crmtest.NIF(customers)), crm.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			identify(t, db, org, c.ID)
			p, err := db.Products.CreateCustomerProduct(ctx, org, c.ID, crm.ProductBalanceAccount, crm.WriteOptions{})
			if err != nil || p.Account == nil {
				t.Fatalf("%s: %+v %v", org, p, err)
			}
			n, err := strconv.ParseInt(p.Account.IBAN[14:], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		first := open("telco")
		for range 3 {
			open("other")
		}
		// A sequence would make the difference 4; a random number makes
		// any difference equally likely.
		if second := open("telco"); second-first == 4 || second-first == 1 {
			t.Errorf("telco's account numbers %d then %d follow a sequence shared with other orgs", first, second)
		}
	})
}
