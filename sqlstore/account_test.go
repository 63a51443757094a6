package sqlstore_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

const validIBAN = "ES7921000813610123456789"

func strp(s string) *string { return &s }

func newAccount(pm crm.PaymentMethodRequest) crm.NewAccount {
	return crm.NewAccount{Modality: crm.ModalityPostpaid, PaymentMethod: &pm, BillingAddress: &crm.BillingAddress{
		AddressLines: []string{"Avenida de Bruselas, 38"}, PostalCode: "28108", StateID: "28", Locality: "Alcobendas",
		AdministrativeArea: "Madrid", RegionCode: "ES"}}
}

func directDebit() crm.PaymentMethodRequest {
	return crm.PaymentMethodRequest{Type: crm.PaymentDirectDebit, Details: &crm.PaymentDetails{IBAN: strp(validIBAN)}}
}

func TestAccountLifecycle(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		a, err := db.Accounts.CreateAccount(ctx, "telco", c.ID, newAccount(directDebit()), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if *a.ExternalID != "1" || a.InvoiceCycle != crm.DefaultInvoiceCycle {
			t.Errorf("account %+v", a)
		}
		got, err := db.Accounts.GetAccount(ctx, "telco", a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(a, got); diff != "" {
			t.Errorf("read back (-created +read):\n%s", diff)
		}
		ids, _ := db.Accounts.ListAccountIDs(ctx, "telco", c.ID)
		if diff := cmp.Diff([]string{a.ID}, ids); diff != "" {
			t.Errorf("ids: %s", diff)
		}
		_, err = db.Accounts.GetAccount(ctx, "other", a.ID)
		mustCode(t, err, crm.ENOTFOUND)

		// A card that is not the customer's is refused.
		card := crm.PaymentMethodRequest{Type: crm.PaymentCreditCard, Details: &crm.PaymentDetails{TokenID: strp("0198a0f1-4567-7d43-ab00-000000000001")}}
		_, err = db.Accounts.CreateAccount(ctx, "telco", c.ID, newAccount(card), crm.WriteOptions{})
		mustCode(t, err, crm.EINVALID)

		// Pending tokenization, then completion applies the card.
		pend := crm.PaymentMethodRequest{Type: crm.PaymentCreditCard, Details: &crm.PaymentDetails{ReferenceID: strp("ref-1")}}
		pending, err := db.Accounts.SetPaymentMethod(ctx, "telco", a.ID, pend, crm.WriteOptions{})
		if err != nil || !pending {
			t.Fatalf("pending = %v, %v", pending, err)
		}
		got, _ = db.Accounts.GetAccount(ctx, "telco", a.ID)
		if got.PaymentMethod.Type != crm.PaymentDirectDebit {
			t.Errorf("the method changed before the card was tokenized: %+v", got.PaymentMethod)
		}
		res := crm.TokenizationResult{Status: crm.TokenizationCompleted, TokenID: "0198a0f1-4567-7d43-ab00-0000000000aa", Summary: "5100", ExpirationDate: "05/2029"}
		if err := db.Accounts.CompleteTokenization(ctx, "telco", "ref-1", res, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := db.Accounts.CompleteTokenization(ctx, "telco", "ref-1", res, crm.WriteOptions{}); err != nil {
			t.Errorf("a retried identical result must be accepted: %v", err)
		}
		mustCode(t, db.Accounts.CompleteTokenization(ctx, "telco", "ref-1", crm.TokenizationResult{Status: crm.TokenizationFailed}, crm.WriteOptions{}), crm.ESTATE)
		got, _ = db.Accounts.GetAccount(ctx, "telco", a.ID)
		want := crm.PaymentMethod{Type: crm.PaymentCreditCard, CardID: res.TokenID, CardSummary: "5100", CardExpiration: "05/2029"}
		if diff := cmp.Diff(want, got.PaymentMethod); diff != "" || got.PendingReference != "" {
			t.Errorf("method after completion (-want +got):\n%s", diff)
		}
		cards, _ := db.Accounts.ListCreditCards(ctx, "telco", c.ID)
		if len(cards) != 1 || cards[0].ID != res.TokenID {
			t.Errorf("cards %+v", cards)
		}
		reqs, _ := db.Accounts.ListTokenizationRequests(ctx, "telco", a.ID)
		if len(reqs) != 1 || reqs[0].Status != crm.TokenizationCompleted || *reqs[0].TokenID != res.TokenID {
			t.Errorf("requests %+v", reqs)
		}
		// The card now works by token, on this customer only.
		if _, err := db.Accounts.CreateAccount(ctx, "telco", c.ID, newAccount(crm.PaymentMethodRequest{Type: crm.PaymentCreditCard,
			Details: &crm.PaymentDetails{TokenID: strp(res.TokenID)}}), crm.WriteOptions{}); err != nil {
			t.Errorf("account with the new card: %v", err)
		}

		// A failed tokenization leaves the method and releases the account.
		db.Accounts.SetPaymentMethod(ctx, "telco", a.ID, crm.PaymentMethodRequest{Type: crm.PaymentCreditCard, Details: &crm.PaymentDetails{ReferenceID: strp("ref-2")}}, crm.WriteOptions{})
		if err := db.Accounts.CompleteTokenization(ctx, "telco", "ref-2", crm.TokenizationResult{Status: crm.TokenizationFailed}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		got, _ = db.Accounts.GetAccount(ctx, "telco", a.ID)
		if got.PaymentMethod.CardID != res.TokenID || got.PendingReference != "" {
			t.Errorf("after failure: %+v pending %q", got.PaymentMethod, got.PendingReference)
		}
		// A reference of another account is a conflict.
		other, _ := db.Accounts.CreateAccount(ctx, "telco", c.ID, newAccount(directDebit()), crm.WriteOptions{})
		_, err = db.Accounts.SetPaymentMethod(ctx, "telco", other.ID, crm.PaymentMethodRequest{Type: crm.PaymentCreditCard, Details: &crm.PaymentDetails{ReferenceID: strp("ref-1")}}, crm.WriteOptions{})
		mustCode(t, err, crm.ECONFLICT)

		// Close: another customer's URL is 404, whatever If-Match says and
		// whether the account is open (its version and state do not show);
		// then closed rejects changes.
		c2, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(7)), crm.WriteOptions{})
		mustCode(t, db.Accounts.CloseAccount(ctx, "telco", c2.ID, a.ID, crm.WriteOptions{}), crm.ENOTFOUND)
		mustCode(t, db.Accounts.CloseAccount(ctx, "telco", c2.ID, a.ID, crm.WriteOptions{IfMatch: 999}), crm.ENOTFOUND)
		if err := db.Accounts.CloseAccount(ctx, "telco", c.ID, a.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		mustCode(t, db.Accounts.CloseAccount(ctx, "telco", c.ID, a.ID, crm.WriteOptions{}), crm.ESTATE)
		mustCode(t, db.Accounts.CloseAccount(ctx, "telco", c2.ID, a.ID, crm.WriteOptions{}), crm.ENOTFOUND)
		_, err = db.Accounts.SetPaymentMethod(ctx, "telco", a.ID, directDebit(), crm.WriteOptions{})
		mustCode(t, err, crm.ESTATE)
		mustCode(t, db.Accounts.SetBillingAddress(ctx, "telco", a.ID, *newAccount(directDebit()).BillingAddress, crm.WriteOptions{}), crm.ESTATE)
		_, err = db.Promotions.AddPromotion(ctx, "telco", a.ID, crm.NewPromotion{PromotionCode: "P1", Name: "x", StartDate: "2026-01-01"}, crm.WriteOptions{})
		mustCode(t, err, crm.ESTATE)

		// An ended customer gets no new accounts.
		db.Customers.DeactivateCustomer(ctx, "telco", c2.ID, crm.WriteOptions{})
		_, err = db.Accounts.CreateAccount(ctx, "telco", c2.ID, newAccount(directDebit()), crm.WriteOptions{})
		mustCode(t, err, crm.ESTATE)

		// Account events are in sequence per account.
		var seqs []int64
		for _, e := range events(t, db, "telco") {
			if e.AggregateID == a.ID {
				seqs = append(seqs, e.Sequence)
			}
		}
		if diff := cmp.Diff([]int64{1, 2, 3, 4, 5, 6}, seqs); diff != "" {
			t.Errorf("account sequences (-want +got):\n%s", diff)
		}
	})
}

func TestBillingAddressHistory(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		a, _ := db.Accounts.CreateAccount(ctx, "telco", c.ID, newAccount(directDebit()), crm.WriteOptions{})
		addr := *a.BillingAddress
		for _, city := range []string{"Madrid", "Sevilla"} {
			clock.Advance(48 * time.Hour)
			addr.Locality = city
			if err := db.Accounts.SetBillingAddress(ctx, "telco", a.ID, addr, crm.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		all, _ := db.Accounts.BillingAddressHistory(ctx, "telco", a.ID, nil, nil)
		var cities []string
		for _, r := range all {
			cities = append(cities, r.BillingAddress.Locality)
		}
		if diff := cmp.Diff([]string{"Alcobendas", "Madrid", "Sevilla"}, cities); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
		if all[0].EndedAt == nil || !all[0].EndedAt.Equal(all[1].CreatedAt) || all[2].EndedAt != nil {
			t.Errorf("rows not chained: %+v", all)
		}
		day := func(d int) *time.Time { t := sqltest.Start.AddDate(0, 0, d).Truncate(24 * time.Hour); return &t }
		some, _ := db.Accounts.BillingAddressHistory(ctx, "telco", a.ID, day(1), day(2))
		if len(some) != 1 || some[0].BillingAddress.Locality != "Madrid" {
			t.Errorf("from/to filter: %+v", some)
		}
		got, _ := db.Accounts.GetAccount(ctx, "telco", a.ID)
		if got.BillingAddress.Locality != "Sevilla" {
			t.Errorf("account address %q", got.BillingAddress.Locality)
		}
	})
}

func TestPromotions(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		a, _ := db.Accounts.CreateAccount(ctx, "telco", c.ID, newAccount(directDebit()), crm.WriteOptions{})
		active, err := db.Promotions.AddPromotion(ctx, "telco", a.ID, crm.NewPromotion{PromotionCode: "WELCOME", Name: "Welcome", StartDate: "2026-11-01", EndDate: strp("2026-12-31")}, crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		sched, _ := db.Promotions.AddPromotion(ctx, "telco", a.ID, crm.NewPromotion{PromotionCode: "XMAS", Name: "Christmas", StartDate: "2026-12-20"}, crm.WriteOptions{})
		_, err = db.Promotions.AddPromotion(ctx, "telco", a.ID, crm.NewPromotion{PromotionCode: "BAD", Name: "x", StartDate: "2026-12-20", EndDate: strp("2026-12-01")}, crm.WriteOptions{})
		mustCode(t, err, crm.EINVALID)
		codes := func(filter string) []string {
			ps, err := db.Promotions.ListPromotions(ctx, "telco", a.ID, filter)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, p := range ps {
				out = append(out, p.PromotionCode)
			}
			return out
		}
		if diff := cmp.Diff([]string{"WELCOME"}, codes("ACTIVE")); diff != "" {
			t.Error(diff)
		}
		if diff := cmp.Diff([]string{"XMAS"}, codes("SCHEDULED")); diff != "" {
			t.Error(diff)
		}
		mustCode(t, db.Promotions.CancelPromotion(ctx, "telco", a.ID, active.ID, "2026-10-31", crm.WriteOptions{}), crm.EINVALID)
		mustCode(t, db.Promotions.CancelPromotion(ctx, "telco", a.ID, active.ID, "2027-01-01", crm.WriteOptions{}), crm.EINVALID)
		mustCode(t, db.Promotions.CancelPromotion(ctx, "telco", a.ID, "0198a0f1-4567-7d43-ab00-000000000009", "2026-12-01", crm.WriteOptions{}), crm.ENOTFOUND)
		if err := db.Promotions.CancelPromotion(ctx, "telco", a.ID, active.ID, "2026-12-01", crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		// A month on: WELCOME is cancelled, XMAS active.
		clock.Advance(30 * 24 * time.Hour)
		if diff := cmp.Diff([]string{"XMAS"}, codes("ACTIVE")); diff != "" {
			t.Error(diff)
		}
		ps, _ := db.Promotions.ListPromotions(ctx, "telco", a.ID, "ALL")
		if ps[0].StatusOn(crm.Today(clock.Now())) != crm.PromotionCancelled {
			t.Errorf("WELCOME status %s", ps[0].StatusOn(crm.Today(clock.Now())))
		}
		mustCode(t, db.Promotions.CancelPromotion(ctx, "telco", a.ID, active.ID, "2026-12-15", crm.WriteOptions{}), crm.ESTATE)
		hist, _ := db.Promotions.PromotionHistory(ctx, "telco", a.ID, nil)
		var ops []string
		for _, op := range hist {
			ops = append(ops, op.PromotionCode+":"+op.Operation)
		}
		want := []string{"WELCOME:ADDED", "XMAS:ADDED", "WELCOME:CANCELLATION_SCHEDULED", "WELCOME:CANCELLED"}
		if diff := cmp.Diff(want, ops); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
		from := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
		hist, _ = db.Promotions.PromotionHistory(ctx, "telco", a.ID, &from)
		if len(hist) != 1 || hist[0].Operation != crm.OperationCancelled || hist[0].ModifiedBy != "system" {
			t.Errorf("history from %v: %+v", from, hist)
		}
		_ = sched
	})
}

func TestContracts(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		a, _ := db.Accounts.CreateAccount(ctx, "telco", c.ID, newAccount(directDebit()), crm.WriteOptions{})
		_, err := db.Contracts.ActiveContract(ctx, "telco", *a.ExternalID)
		mustCode(t, err, crm.ENOTFOUND)
		start := clock.Now().Add(-time.Hour)
		end := start.Add(24 * time.Hour)
		k, err := db.Contracts.CreateContract(ctx, "telco", a.ID, crm.NewContract{StartDate: &start, EndDate: &end}, crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.Contracts.CreateContract(ctx, "telco", a.ID, crm.NewContract{StartDate: &start}, crm.WriteOptions{})
		mustCode(t, err, crm.ECONFLICT)
		if _, err := db.Contracts.AddContractRequest(ctx, "telco", a.ID, k.ID, crm.NewContractRequest{RequestExternalID: "214748364",
			ContractReferenceID: "MMC2105077108808", Type: "SALE_MOBILE_ONLY", OriginUser: "john.doe"}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		got, err := db.Contracts.ActiveContract(ctx, "telco", *a.ExternalID)
		if err != nil || got.ID != k.ID || len(got.Requests) != 1 || got.AccountExternalID != *a.ExternalID {
			t.Fatalf("active %+v %v", got, err)
		}
		acc, _ := db.Accounts.GetAccount(ctx, "telco", a.ID)
		if acc.ContractReference == nil || *acc.ContractReference != "MMC2105077108808" {
			t.Errorf("contract_reference %v", acc.ContractReference)
		}
		id, _ := db.Contracts.FindAccountByExternalID(ctx, "telco", *a.ExternalID)
		if id != a.ID {
			t.Errorf("E1 %q", id)
		}
		mustCode(t, db.Accounts.CloseAccount(ctx, "telco", c.ID, a.ID, crm.WriteOptions{}), crm.ESTATE)
		clock.Advance(48 * time.Hour)
		if err := db.Accounts.CloseAccount(ctx, "telco", c.ID, a.ID, crm.WriteOptions{}); err != nil {
			t.Errorf("close after the contract ended: %v", err)
		}
		all, _ := db.Contracts.ListContracts(ctx, "telco", *a.ExternalID)
		if len(all) != 1 {
			t.Errorf("contracts %+v", all)
		}
	})
}

func TestInvoiceRecipientAndSettings(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		p, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		co, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Corporate("B14507610"), crm.WriteOptions{})
		d, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Digital("jose@example.com"), crm.WriteOptions{})
		names := map[string]string{p.ID: "Antonio Benavente Blanco", co.ID: "IBM Inc", d.ID: "Jose Carrero"}
		for id, want := range names {
			a, err := db.Accounts.CreateAccount(ctx, "telco", id, newAccount(directDebit()), crm.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			r, err := db.Accounts.InvoiceRecipient(ctx, "telco", a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.Name != want || r.Email == nil || r.BillingAddress == nil {
				t.Errorf("recipient of %s: %+v", want, r)
			}
		}
		s := crm.DefaultAccountSettings()
		s.InvoiceCycle = crm.InvoiceCycle{Name: "DIA 15 - MENSUAL", Day: 15, Type: "M", Frequency: 1}
		s.PaymentMethods[crm.ModalityPostpaid] = []crm.PaymentType{crm.PaymentDirectDebit}
		if err := db.Accounts.SetAccountSettings(ctx, "telco", s); err != nil {
			t.Fatal(err)
		}
		a, _ := db.Accounts.CreateAccount(ctx, "telco", p.ID, newAccount(directDebit()), crm.WriteOptions{})
		if a.InvoiceCycle.Day != 15 {
			t.Errorf("org invoice cycle not applied: %+v", a.InvoiceCycle)
		}
		m, _ := db.Accounts.AvailablePaymentMethods(ctx, "telco", p.ID, a.ID)
		if diff := cmp.Diff([]crm.PaymentType{crm.PaymentDirectDebit}, m); diff != "" {
			t.Error(diff)
		}
		_, err := db.Accounts.AvailablePaymentMethods(ctx, "telco", co.ID, a.ID)
		mustCode(t, err, crm.ENOTFOUND)
	})
}

// TestListsOfAnUnknownCustomer: a customer's lists answer not found for a
// customer the org does not have (customerExists), and an empty list for
// one it has.
func TestListsOfAnUnknownCustomer(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{c.ID, "0198a000-0000-7000-8000-000000000000"} {
			org := "other"
			if id != c.ID {
				org = "telco"
			}
			_, err := db.Accounts.ListAccountIDs(ctx, org, id)
			mustCode(t, err, crm.ENOTFOUND)
			_, err = db.Accounts.ListCreditCards(ctx, org, id)
			mustCode(t, err, crm.ENOTFOUND)
		}
		ids, err := db.Accounts.ListAccountIDs(ctx, "telco", c.ID)
		if err != nil || len(ids) != 0 {
			t.Fatalf("accounts of a customer with none: %v, %v", ids, err)
		}
		cards, err := db.Accounts.ListCreditCards(ctx, "telco", c.ID)
		if err != nil || len(cards) != 0 {
			t.Fatalf("cards of a customer with none: %v, %v", cards, err)
		}
	})
}

// TestCardTokensArePerOrg: a token id another org holds is simply another
// token here; a 409 would tell this org's gateway that the other has it.
func TestCardTokensArePerOrg(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		res := crm.TokenizationResult{Status: crm.TokenizationCompleted, TokenID: "e58ed763-928c-4155-bee9-fdbaaadc15f3", Summary: "5100", ExpirationDate: "05/2029"}
		var accounts []string
		for _, org := range []string{"telco", "other"} {
			c, err := db.Customers.CreateCustomer(ctx, org, crmtest.Private("14861628V"), crm.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			a, err := db.Accounts.CreateAccount(ctx, org, c.ID, newAccount(directDebit()), crm.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			pend := crm.PaymentMethodRequest{Type: crm.PaymentCreditCard, Details: &crm.PaymentDetails{ReferenceID: strp("ref-1")}}
			if _, err := db.Accounts.SetPaymentMethod(ctx, org, a.ID, pend, crm.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := db.Accounts.CompleteTokenization(ctx, org, "ref-1", res, crm.WriteOptions{}); err != nil {
				t.Fatalf("%s: %v", org, err)
			}
			cards, err := db.Accounts.ListCreditCards(ctx, org, c.ID)
			if err != nil || len(cards) != 1 || cards[0].ID != res.TokenID || cards[0].CustomerID != c.ID {
				t.Errorf("%s: cards %+v, %v", org, cards, err)
			}
			accounts = append(accounts, a.ID)
		}
		for i, org := range []string{"telco", "other"} {
			a, err := db.Accounts.GetAccount(ctx, org, accounts[i])
			if err != nil || a.PaymentMethod.CardID != res.TokenID {
				t.Errorf("%s: account %+v, %v", org, a, err)
			}
		}
	})
}
