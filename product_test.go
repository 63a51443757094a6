package crm_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

func TestProductCodeType(t *testing.T) {
	want := map[crm.ProductCode]crm.ProductType{
		crm.ProductBalanceAccount:    crm.ProductTypeCash,
		crm.ProductDepositoryAccount: crm.ProductTypeDepository,
		crm.ProductCurrencyWallet:    crm.ProductTypeWallet,
		crm.ProductWallet:            crm.ProductTypeWallet,
		"SAVINGS":                    "",
		"":                           "",
	}
	got := map[crm.ProductCode]crm.ProductType{}
	for code := range want {
		got[code] = code.Type()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("types (-want +got):\n%s", diff)
	}
}

func TestActivationStatus(t *testing.T) {
	cases := []struct {
		typ               crm.ProductType
		ended, identified bool
		want              crm.ProductStatus
	}{
		{crm.ProductTypeCash, false, false, crm.ProductPending},
		{crm.ProductTypeCash, false, true, crm.ProductActive},
		{crm.ProductTypeCash, true, true, crm.ProductRejected},
		{crm.ProductTypeCash, true, false, crm.ProductRejected},
		{crm.ProductTypeDepository, false, false, crm.ProductActive},
		{crm.ProductTypeWallet, false, false, crm.ProductActive},
		{crm.ProductTypeWallet, true, false, crm.ProductRejected},
	}
	for _, tc := range cases {
		if got := crm.ActivationStatus(tc.typ, tc.ended, tc.identified); got != tc.want {
			t.Errorf("ActivationStatus(%s, ended %v, identified %v) = %s, want %s", tc.typ, tc.ended, tc.identified, got, tc.want)
		}
	}
}

func TestProductLifecycleTimestamps(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	t1, t2 := t0.Add(time.Hour), t0.Add(2*time.Hour)
	p := crm.NewCustomerProduct("p1", "telco", "c1", crm.ProductBalanceAccount, t0)
	want := &crm.CustomerProduct{ID: "p1", OrgID: "telco", CustomerID: "c1", Code: crm.ProductBalanceAccount,
		Type: crm.ProductTypeCash, Currency: "EUR", Status: crm.ProductReceived, CreatedAt: t0, ModifiedAt: t0, Version: 1}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("new (-want +got):\n%s", diff)
	}
	p.Activate(t1, &crm.ProductAccount{IBAN: "ES8099990001450000000001", BIC: "CRMXESM1XXX"})
	want.Status, want.ModifiedAt, want.OpenedAt = crm.ProductActive, t1, &t1
	want.Account = &crm.ProductAccount{IBAN: "ES8099990001450000000001", BIC: "CRMXESM1XXX", ModifiedAt: t1}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("activated (-want +got):\n%s", diff)
	}
	if err := p.Close(t2); err != nil {
		t.Fatal(err)
	}
	want.Status, want.ModifiedAt, want.ClosedAt = crm.ProductClosed, t2, &t2
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("closed (-want +got):\n%s", diff)
	}
	for _, s := range crm.TerminalProductStatuses {
		p.Status = s
		if err := p.Close(t2); crm.ErrorCodeOf(err) != crm.ESTATE {
			t.Errorf("closing a %s product: %v, want ESTATE", s, err)
		}
	}
	// A wallet never gets an account or a currency.
	w := crm.NewCustomerProduct("p2", "telco", "c1", crm.ProductCurrencyWallet, t0)
	w.Activate(t1, &crm.ProductAccount{IBAN: "x"})
	if w.Currency != "" || w.Account != nil {
		t.Errorf("wallet %+v", w)
	}
}

func TestParseProductEnums(t *testing.T) {
	if c, err := crm.ParseProductCode("productCode", "DEPOSITORY_ACCOUNT"); err != nil || c != crm.ProductDepositoryAccount {
		t.Errorf("code %q %v", c, err)
	}
	for _, bad := range []string{"", "balance_account", "BALANCE_ACCOUNT ", "LOAN"} {
		_, err := crm.ParseProductCode("productCode", bad)
		var e *crm.Error
		if crm.ErrorCodeOf(err) != crm.EINVALID || !asError(err, &e) || e.Fields[0].Field != "productCode" {
			t.Errorf("code %q: %v", bad, err)
		}
	}
	if _, err := crm.ParseProductStatus("status", "OPEN"); crm.ErrorCodeOf(err) != crm.EINVALID {
		t.Errorf("status OPEN: %v", err)
	}
	if st, err := crm.ParseProductStatus("status", "RESTRICTED"); err != nil || st != crm.ProductRestricted {
		t.Errorf("status RESTRICTED: %q %v", st, err)
	}
	if ty, err := crm.ParseProductType("productType", "WALLET"); err != nil || ty != crm.ProductTypeWallet {
		t.Errorf("type WALLET: %q %v", ty, err)
	}
	if _, err := crm.ParseProductType("productType", "CURRENCY_WALLET"); crm.ErrorCodeOf(err) != crm.EINVALID {
		t.Errorf("type CURRENCY_WALLET: %v", err)
	}
}

func asError(err error, e **crm.Error) bool {
	x, ok := err.(*crm.Error)
	*e = x
	return ok && len(x.Fields) == 1
}

func TestProductSettings(t *testing.T) {
	if err := crm.DefaultProductSettings().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	bad := crm.ProductSettings{BankCode: "21a0", BranchCode: "001", BIC: "caixesbb"}
	err := bad.Validate()
	e, _ := err.(*crm.Error)
	if e == nil || len(e.Fields) != 3 {
		t.Errorf("bad settings: %v", err)
	}
	cases := []struct {
		s    crm.ProductSettings
		n    int64
		want string
	}{
		{crm.DefaultProductSettings(), 1, "ES8099990001450000000001"},
		// The documentation's own example account, rebuilt from its parts.
		{crm.ProductSettings{BankCode: "2100", BranchCode: "0813", BIC: "CAIXESBBXXX"}, 123456789, "ES7921000813610123456789"},
		{crm.DefaultProductSettings(), 9999999999, "ES9199990001409999999999"},
	}
	for _, tc := range cases {
		got, err := tc.s.IssueIBAN(tc.n)
		if err != nil || got != tc.want || crm.CheckIBAN(got) != "" {
			t.Errorf("IssueIBAN(%d) = %q, %v; want %q", tc.n, got, err, tc.want)
		}
	}
	for _, n := range []int64{0, -1, 10000000000} {
		if _, err := crm.DefaultProductSettings().IssueIBAN(n); err == nil {
			t.Errorf("IssueIBAN(%d) accepted", n)
		}
	}
}

func TestParseScopes(t *testing.T) {
	cases := []struct {
		in   string
		want []crm.Role
		ok   bool
	}{
		{"", crm.ProductScopes, true},
		{"products:write,products:read", crm.ProductScopes, true},
		{"products:read products:read", []crm.Role{crm.RoleProductsRead}, true},
		{" products:write ", []crm.Role{crm.RoleProductsWrite}, true},
		{"customers:read:masked, products:read", []crm.Role{crm.RoleProductsRead, crm.RoleCustomersReadMasked}, true},
		{"admin", nil, false},
		{"products:read,customers:read", nil, false},
	}
	for _, tc := range cases {
		got, err := crm.ParseScopes(tc.in)
		if (err == nil) != tc.ok || !cmp.Equal(tc.want, got) {
			t.Errorf("ParseScopes(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func FuzzIssueIBAN(f *testing.F) {
	f.Add("9999", "0001", int64(1))
	f.Add("2100", "0813", int64(123456789))
	f.Add("0000", "0000", int64(9999999999))
	f.Add("12a4", "0001", int64(5))
	f.Fuzz(func(t *testing.T, bank, branch string, n int64) {
		s := crm.ProductSettings{BankCode: bank, BranchCode: branch, BIC: "CRMXESM1XXX"}
		iban, err := s.IssueIBAN(n)
		valid := s.Validate() == nil && n >= 1 && n <= 9999999999
		if valid != (err == nil) {
			t.Fatalf("IssueIBAN(%q, %q, %d) = %q, %v; settings valid and n in range: %v", bank, branch, n, iban, err, valid)
		}
		if err == nil && (crm.CheckIBAN(iban) != "" || iban[4:8] != bank || iban[8:12] != branch) {
			t.Fatalf("issued %q for bank %q branch %q: %s", iban, bank, branch, crm.CheckIBAN(iban))
		}
	})
}
