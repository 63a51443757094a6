package httpapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// exported is the part of a subject export the tests look into.
type exported struct {
	OrgID    string `json:"org_id"`
	Customer struct {
		ID      string  `json:"id"`
		EndedAt *string `json:"ended_at"`
	} `json:"customer"`
	ContactInfo *crm.ContactInfo `json:"contact_info"`
	Accounts    []struct {
		Account struct {
			ID string `json:"id"`
		} `json:"account"`
		BillingAddresses []struct{} `json:"billing_addresses"`
		Promotions       []struct {
			ID string `json:"id"`
		} `json:"promotions"`
		Contracts []struct {
			ID string `json:"id"`
		} `json:"contracts"`
		Tokenizations []struct {
			ReferenceID string `json:"reference_id"`
		} `json:"tokenization_requests"`
	} `json:"accounts"`
	Categories struct {
		Categories []struct {
			ID int `json:"id"`
		} `json:"categories"`
	} `json:"categories"`
	SpecialTreatment struct {
		Values []string `json:"values"`
	} `json:"special_treatment"`
	Credentials struct {
		Credentials []struct {
			ID string `json:"id"`
		} `json:"credentials"`
	} `json:"credentials"`
	IdentificationProcesses []processDetail `json:"identification_processes"`
	Products                []struct {
		ID string `json:"id"`
	} `json:"products"`
	Events []struct {
		ID string `json:"id"`
	} `json:"events"`
}

// TestSubjectExport exports a customer that has one of everything (the
// suites' seeded world) and finds every record and every event about it,
// as JSON and as a zip with the document's bytes.
func TestSubjectExport(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		s := newSuite(t, db, clock)
		w := seed(s, "telco", "telco", 10000, 0, "ES7921000813610123456789")
		officer, _ := s.apiKey("telco", crm.RolePrivacyOfficer)
		target := "/v4/orgs/telco/customers/" + w.ids["customer_id"] + "/export"
		r := s.must(http.StatusOK, "v4", "GET", target, nil, nil, bearer(officer)...)
		var x exported
		r.json(t, &x)

		got := map[string][]string{"customer": {x.Customer.ID}}
		for _, a := range x.Accounts {
			got["accounts"] = append(got["accounts"], a.Account.ID)
			for _, tr := range a.Tokenizations {
				got["tokenization_requests"] = append(got["tokenization_requests"], tr.ReferenceID)
			}
			if a.Account.ID != w.ids["account_id"] {
				continue
			}
			for _, p := range a.Promotions {
				got["promotions"] = append(got["promotions"], p.ID)
			}
			for _, c := range a.Contracts {
				got["contracts"] = append(got["contracts"], c.ID)
			}
			if len(a.BillingAddresses) != 1 {
				t.Errorf("billing addresses %d, want 1", len(a.BillingAddresses))
			}
		}
		for _, c := range x.Categories.Categories {
			got["categories"] = append(got["categories"], strconv.Itoa(c.ID))
		}
		got["special_treatment"] = x.SpecialTreatment.Values
		for _, c := range x.Credentials.Credentials {
			got["credentials"] = append(got["credentials"], c.ID)
		}
		for _, p := range x.IdentificationProcesses {
			got["identification_processes"] = append(got["identification_processes"], p.ProcessID)
		}
		for _, p := range x.Products {
			got["products"] = append(got["products"], p.ID)
		}
		for _, e := range x.Events {
			got["events"] = append(got["events"], e.ID)
		}
		want := map[string][]string{
			"customer":                 {w.ids["customer_id"]},
			"accounts":                 {w.ids["account_id"], w.ids["spare_account_id"], w.ids["card_account_id"]},
			"promotions":               {w.ids["account_promotion_id"]},
			"contracts":                {w.ids["contract_id"]},
			"tokenization_requests":    {w.ids["reference_id"]},
			"categories":               {w.ids["category_id"]},
			"special_treatment":        {"gold"},
			"identification_processes": {w.ids["identification_process_id"]},
			"products":                 {w.ids["customerProductId"]},
			"events":                   customerEvents(t, db, "telco", w.ids["customer_id"]),
		}
		// The third credential is the one made for the migration test.
		if c := got["credentials"]; len(c) != 3 || !slices.Contains(c, w.ids["credential_id"]) || !slices.Contains(c, w.ids["spare_credential_id"]) {
			t.Errorf("credentials %v", c)
		}
		delete(got, "credentials")
		for k := range got {
			if k != "events" {
				slices.Sort(got[k])
				slices.Sort(want[k])
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("export (-want +got):\n%s", diff)
		}
		if x.ContactInfo == nil || len(x.ContactInfo.Emails) == 0 {
			t.Errorf("contact_info %+v: want every email kept", x.ContactInfo)
		}
		// No value is a card number; IBANs (the account's, the product's)
		// hold Luhn-valid digit runs, so valid ones are passed over.
		values := map[string]bool{}
		jsonStrings(r.Body, values)
		for v := range values {
			// A signed link's query is a random signature, whose digits
			// and hyphens now and then line up as a Luhn-valid run.
			if u, err := url.Parse(v); err == nil && u.Scheme != "" && u.RawQuery != "" {
				v = u.Scheme + "://" + u.Host + u.Path
			}
			if crm.ContainsPAN(v) && crm.CheckIBAN(crm.NormalizeIBAN(v)) != "" {
				t.Errorf("the export holds a card number in %d characters", len(v))
			}
		}
		if d := x.IdentificationProcesses[0].Document; !bytes.Contains([]byte(d.PublicURL), []byte(w.ids["document_id"])) {
			t.Errorf("document link %q", d.PublicURL)
		}

		z := s.must(http.StatusOK, "v4", "GET", target, nil, nil, append(bearer(officer), "Accept", "application/zip")...)
		files := unzip(t, z)
		if diff := cmp.Diff(string(r.Body), string(files["export.json"])); diff != "" {
			t.Errorf("export.json differs from the JSON answer (-json +zip):\n%s", diff)
		}
		doc := "documents/" + w.ids["document_id"] + "-id-telco.pdf"
		if !bytes.Equal(files[doc], testPDF) {
			t.Errorf("zip %v: want %s with the uploaded bytes", keys(files), doc)
		}

		// Roles and orgs: customers:read is not enough; another org's
		// officer does not find the customer in its org.
		reader, _ := s.apiKey("telco", crm.RoleCustomersRead)
		wantStatus(t, s.send("v4", "GET", target, nil, bearer(reader)...), http.StatusForbidden)
		rival, _ := s.apiKey("rival", crm.RolePrivacyOfficer)
		wantStatus(t, s.send("v4", "GET", "/v4/orgs/rival/customers/"+w.ids["customer_id"]+"/export", nil, bearer(rival)...), http.StatusNotFound)
		wantStatus(t, s.send("v4", "GET", "/v4/orgs/telco/customers/0198a0f1-4567-7d43-ab00-0000000000ff/export", nil, bearer(officer)...), http.StatusNotFound)
	})
}

// TestSubjectExportDeactivated exports a customer deactivated after its
// identification: its record, process and document bytes are all there.
func TestSubjectExportDeactivated(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		s := newSuite(t, db, clock)
		w := &world{s: s, org: "telco", tag: "gone", base: 30000, ids: map[string]string{"org_id": "telco"}, seen: map[string]bool{}}
		w.admin, _ = s.apiKey("telco", crm.RoleAdmin)
		var made struct {
			ID string `json:"id"`
		}
		w.v4(http.StatusCreated, "POST", "/customers", w.privateCustomer(), &made)
		cpath := "/customers/" + made.ID
		w.identify(cpath)
		w.v4(http.StatusNoContent, "DELETE", cpath, nil, nil)

		// admin includes privacy:officer.
		admin := w.admin
		target := "/v4/orgs/telco" + cpath + "/export"
		var x exported
		s.must(http.StatusOK, "v4", "GET", target, nil, &x, bearer(admin)...)
		if x.Customer.ID != made.ID || x.Customer.EndedAt == nil || len(x.IdentificationProcesses) != 1 {
			t.Fatalf("export of a deactivated customer: %+v", x)
		}
		types := customerEventTypes(t, db, "telco", made.ID)
		if !slices.Contains(types, crm.EventCustomerDeactivated) || len(x.Events) != len(types) {
			t.Errorf("events %d, want %v", len(x.Events), types)
		}
		files := unzip(t, s.must(http.StatusOK, "v4", "GET", target, nil, nil, append(bearer(admin), "Accept", "application/zip")...))
		if doc := "documents/" + w.ids["document_id"] + "-id-gone.pdf"; !bytes.Equal(files[doc], testPDF) {
			t.Errorf("zip %v: want %s with the uploaded bytes", keys(files), doc)
		}
	})
}

// customerEvents lists, in feed order, the org's events about the
// customer, its accounts or its products, read from the whole feed.
func customerEvents(t *testing.T, db *sqlstore.DB, org, customerID string) []string {
	var ids []string
	for _, e := range feedAbout(t, db, org, customerID) {
		ids = append(ids, e.ID)
	}
	return ids
}

func customerEventTypes(t *testing.T, db *sqlstore.DB, org, customerID string) []string {
	var types []string
	for _, e := range feedAbout(t, db, org, customerID) {
		types = append(types, e.Type)
	}
	return types
}

func feedAbout(t *testing.T, db *sqlstore.DB, org, customerID string) []crm.Event {
	t.Helper()
	ctx := context.Background()
	evs, err := db.Outbox.Events(ctx, org, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []crm.Event
	for _, e := range evs {
		switch {
		case e.AggregateType == crm.AggregateCustomer && e.AggregateID == customerID:
		case e.AggregateType == crm.AggregateAccount:
			if a, err := db.Accounts.GetAccount(ctx, org, e.AggregateID); err != nil || a.CustomerID != customerID {
				continue
			}
		case e.AggregateType == crm.AggregateCustomerProduct:
			if p, err := db.Products.GetCustomerProduct(ctx, org, e.AggregateID); err != nil || p.CustomerID != customerID {
				continue
			}
		default:
			continue
		}
		out = append(out, e)
	}
	return out
}

// unzip reads every file of a zip answer.
func unzip(t *testing.T, r response) map[string][]byte {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/zip" {
		t.Fatalf("Content-Type %q", ct)
	}
	zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		if out[f.Name], err = io.ReadAll(rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	return out
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
