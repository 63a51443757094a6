package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestMaskedReads calls every authenticated operation of both documents
// with a credential holding only customers:read:masked (an API key on v4,
// an OAuth token on products): a GET whose document lists that role must
// answer its success, any other operation (every write) 403, and no
// answer may hold a full
// IBAN, document number, email, phone number or birth date of the world's
// customers (its raw bytes are searched). A route documented later is
// covered as soon as it is in a document.
func TestMaskedReads(t *testing.T) {
	t.Parallel()
	ops := suiteOperations(t)
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		s := newSuite(t, db, clock)
		w := seed(s, "telco", "telco", 10000, 0, "ES7921000813610123456789")
		full := maskableValues(w)
		for _, v := range []string{w.ids["nif"], w.ids["iban"], "615667898", "1990-01-01"} {
			if !slices.Contains(full, v) {
				t.Fatalf("the world's personal values %q miss %q", full, v)
			}
		}
		creds := map[string][]string{"v4": bearer(w.roleKeys[crm.RoleCustomersReadMasked])}
		token, _, _ := s.oauthClient(w.org, crm.RoleCustomersReadMasked)
		creds["products"] = bearer(token)
		served := 0
		for _, o := range ops {
			if o.public {
				continue
			}
			want := http.StatusForbidden
			if slices.Contains(o.roles, crm.RoleCustomersReadMasked) && o.method == http.MethodGet {
				want = successOf(o)
				served++
			}
			r, _ := call(s, o, w, w, creds[o.surface])
			if r.Status != want {
				t.Errorf("%s %s: %d, want %d: %s", o.surface, o.key, r.Status, want, r.Body)
			}
			for _, v := range full {
				if bytes.Contains(r.Body, []byte(v)) {
					t.Errorf("%s %s: the masked answer holds %q: %s", o.surface, o.key, v, r.Body)
				}
			}
		}
		// The path parameters above name the private customer; the other
		// shapes hold other masked fields.
		for _, id := range []string{"corporate_customer_id", "digital_customer_id"} {
			r := s.must(http.StatusOK, "v4", "GET", "/v4/orgs/"+w.org+"/customers/"+w.ids[id], nil, nil, creds["v4"]...)
			for _, v := range full {
				if bytes.Contains(r.Body, []byte(v)) {
					t.Errorf("GET %s: the masked answer holds %q: %s", id, v, r.Body)
				}
			}
		}
		if served < 10 {
			t.Errorf("only %d operations serve customers:read:masked", served)
		}
	})
}

// maskableValues are the values a masked read hides, as the world's
// admin and products client read them: every IBAN, email, username, birth
// date and number (document or phone) in the answers of the customers of
// each type, the account, its invoice recipient, the credentials and the
// products.
func maskableValues(w *world) []string {
	seen := map[string]bool{}
	c := "/customers/" + w.ids["customer_id"]
	for _, p := range []string{c, "/customers/" + w.ids["corporate_customer_id"], "/customers/" + w.ids["digital_customer_id"],
		c + "/credentials", "/accounts/" + w.ids["account_id"], "/accounts/" + w.ids["account_id"] + "/invoice-recipient"} {
		maskableFields(w.read("v4", "/v4/orgs/"+w.org+p, bearer(w.admin)).Body, seen)
	}
	maskableFields(w.read("products", c+"/products", bearer(w.scopeTokens["both"])).Body, seen)
	var out []string
	for v := range seen {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// maskableFields collects the strings of raw under the names of masked
// fields.
func maskableFields(raw []byte, into map[string]bool) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return
	}
	var walk func(name string, v any)
	walk = func(name string, v any) {
		switch v := v.(type) {
		case string:
			switch name {
			case "iban", "email", "username", "birthdate", "number":
				into[v] = true
			}
		case []any:
			for _, x := range v {
				walk(name, x)
			}
		case map[string]any:
			for k, x := range v {
				walk(k, x)
			}
		}
	}
	walk("", v)
}

// TestMaskedRoleBoundaries: the full roles still read full values, a
// credential holding a full role and the masked one reads in full what
// the full role opens and masked the rest, and the masked role writes
// nothing.
func TestMaskedRoleBoundaries(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		aid := e.paidAccount(t, cid)
		cpath, apath := base+"/customers/"+cid, base+"/accounts/"+aid
		const iban, nif = "ES7921000813610123456789", "14861628V"
		maskedKey := e.key("telco", crm.RoleCustomersReadMasked)
		mixedKey := e.key("telco", crm.RoleCustomersReadMasked, crm.RoleAccountsRead)
		tests := []struct {
			name, key, path string
			holds, hides    []string
		}{
			{"customers:read", e.reader, cpath, []string{nif, "email@example.com", "615667898", "2022-01-01"}, nil},
			{"admin", e.admin, apath, []string{iban}, nil},
			{"masked customer", maskedKey, cpath, []string{"****1628V", "e****@example.com", "*** *** 898", "****-**-**"},
				[]string{nif, "email@example.com", "615667898", "2022-01-01"}},
			{"masked account", maskedKey, apath, []string{"ES79 **** **** **** **** 6789"}, []string{iban}},
			{"masked and accounts:read, account", mixedKey, apath, []string{iban}, nil},
			{"masked and accounts:read, customer", mixedKey, cpath, []string{"****1628V"}, []string{nif}},
		}
		for _, tt := range tests {
			r := e.do("GET", tt.path, tt.key, nil)
			if r.Status != http.StatusOK {
				t.Errorf("%s: %d %s", tt.name, r.Status, r.Body)
				continue
			}
			for _, v := range tt.holds {
				if !bytes.Contains(r.Body, []byte(v)) {
					t.Errorf("%s: the answer lacks %q: %s", tt.name, v, r.Body)
				}
			}
			for _, v := range tt.hides {
				if bytes.Contains(r.Body, []byte(v)) {
					t.Errorf("%s: the answer holds %q: %s", tt.name, v, r.Body)
				}
			}
		}
		for _, w := range []struct{ method, path, body string }{
			{"PATCH", cpath, `{"preferred_language":"ca"}`},
			{"POST", base + "/customers", `{}`},
			{"PATCH", apath + "/payment-method", `{"type":"BANK_TRANSFER"}`},
			{"GET", cpath + "/export", ""},
			{"GET", base + "/events", ""},
		} {
			if r := e.do(w.method, w.path, maskedKey, nilIfEmpty(w.body)); r.Status != http.StatusForbidden {
				t.Errorf("%s %s as customers:read:masked: %d, want 403: %s", w.method, w.path, r.Status, r.Body)
			}
		}
	})
}

// TestMaskedWriteBack: a masked value read with customers:read:masked and
// sent back in a PATCH or PUT is refused with 400 naming its field, and
// changes nothing.
func TestMaskedWriteBack(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		aid := e.paidAccount(t, cid)
		maskedKey := e.key("telco", crm.RoleCustomersReadMasked)
		var c struct {
			ContactInfo struct {
				PhoneNumbers []map[string]any `json:"phone_numbers"`
				Emails       []map[string]any `json:"emails"`
			} `json:"contact_info"`
			PersonalInfo struct {
				Birthdate string `json:"birthdate"`
			} `json:"personal_info"`
		}
		cpath := base + "/customers/" + cid
		e.do("GET", cpath, maskedKey, nil).json(t, &c)
		var a struct {
			PaymentMethod struct {
				Details struct {
					IBAN string `json:"iban"`
				} `json:"details"`
			} `json:"payment_method"`
		}
		apath := base + "/accounts/" + aid
		e.do("GET", apath, maskedKey, nil).json(t, &a)
		corp, dig := example(t, "NewCorporateCustomer"), example(t, "NewDigitalCustomer")
		corp["type"], corp["segment"], dig["type"] = "CORPORATE_CUSTOMER", "SME", "DIGITAL_CUSTOMER"
		var made created
		e.do("POST", base+"/customers", e.admin, corp).json(t, &made)
		corpPath := base + "/customers/" + made.ID
		var co struct {
			CompanyInfo struct {
				AssociatedUsers []map[string]any `json:"associated_users"`
			} `json:"company_info"`
		}
		e.do("GET", corpPath, maskedKey, nil).json(t, &co)
		e.do("POST", base+"/customers", e.admin, dig).json(t, &made)
		digPath := base + "/customers/" + made.ID
		var d struct {
			DigitalPersonalInfo struct {
				MobilePhoneNumber map[string]any `json:"mobile_phone_number"`
			} `json:"digital_personal_info"`
		}
		e.do("GET", digPath, maskedKey, nil).json(t, &d)
		var before [][]byte
		for _, p := range []string{cpath, apath, corpPath, digPath} {
			before = append(before, e.do("GET", p, e.admin, nil).Body)
		}

		const refused = "MCUS.400.001 %s: is a masked value (as customers:read:masked reads it) and cannot be written back; send the full value"
		tests := []struct {
			method, path string
			body         any
			fields       []string
		}{
			{"PATCH", cpath, map[string]any{"contact_info": map[string]any{"emails": c.ContactInfo.Emails}},
				[]string{"contact_info.emails[0].email"}},
			{"PATCH", cpath, map[string]any{"contact_info": map[string]any{"phone_numbers": c.ContactInfo.PhoneNumbers}},
				[]string{"contact_info.phone_numbers[0].number"}},
			{"PATCH", cpath, map[string]any{"personal_info": map[string]any{"birthdate": c.PersonalInfo.Birthdate}},
				[]string{"personal_info.birthdate"}},
			{"PATCH", apath + "/payment-method", map[string]any{"type": "DIRECT_DEBIT", "details": map[string]any{"iban": a.PaymentMethod.Details.IBAN}},
				[]string{"details.iban"}},
			{"PUT", corpPath + "/associated-users", map[string]any{"associated_users": co.CompanyInfo.AssociatedUsers},
				[]string{"associated_users[0].identity_document.number"}},
			{"PATCH", digPath, map[string]any{"digital_personal_info": map[string]any{"mobile_phone_number": d.DigitalPersonalInfo.MobilePhoneNumber}},
				[]string{"digital_personal_info.mobile_phone_number.number"}},
		}
		for _, tt := range tests {
			r := e.do(tt.method, tt.path, e.admin, tt.body)
			var want []string
			for _, f := range tt.fields {
				want = append(want, strings.ReplaceAll(refused, "%s", f))
			}
			if r.Status != http.StatusBadRequest || r.details(t) != strings.Join(want, " | ") {
				t.Errorf("%s %s %s: %d %s, want 400 %q", tt.method, tt.path, mustJSON(tt.body), r.Status, r.Body, want)
			}
		}
		for i, p := range []string{cpath, apath, corpPath, digPath} {
			if after := e.do("GET", p, e.admin, nil).Body; !bytes.Equal(before[i], after) {
				t.Errorf("%s changed:\n%s\n%s", p, before[i], after)
			}
		}
	})
}

// paidAccount opens an account of the customer paying by bank transfer
// from ES7921000813610123456789 (the PostAccount example).
func (e *env) paidAccount(t *testing.T, cid string) string {
	var a created
	r := e.do("POST", base+"/customers/"+cid+"/accounts", e.admin, example(t, "PostAccount"))
	wantStatus(t, r, http.StatusOK)
	r.json(t, &a)
	return a.ID
}
