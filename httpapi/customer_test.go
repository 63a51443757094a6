package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const base = "/v4/orgs/telco"

type created struct {
	ID         string  `json:"id"`
	ExternalID *string `json:"external_id"`
}

func TestCreateCustomersFromTheDocumentationExamples(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		r := e.do("POST", base+"/customers", e.admin, example(t, "NewPrivateCustomer"))
		wantStatus(t, r, http.StatusCreated)
		var c created
		r.json(t, &c)
		if c.ExternalID == nil || *c.ExternalID != "1" || r.Header.Get("Location") != base+"/customers/"+c.ID {
			t.Errorf("created %+v, Location %q", c, r.Header.Get("Location"))
		}

		// The corporate and digital examples say PRIVATE_CUSTOMER: a clear 400.
		r = e.do("POST", base+"/customers", e.admin, example(t, "NewCorporateCustomer"))
		wantStatus(t, r, http.StatusBadRequest)
		if d := r.details(t); !strings.Contains(d, "company_info: is not allowed for type PRIVATE_CUSTOMER") ||
			!strings.Contains(d, "personal_info: is required for type PRIVATE_CUSTOMER") {
			t.Errorf("corporate example as is: %s", d)
		}
		r = e.do("POST", base+"/customers", e.admin, example(t, "NewDigitalCustomer"))
		wantStatus(t, r, http.StatusBadRequest)
		if d := r.details(t); !strings.Contains(d, "digital_personal_info: is not allowed for type PRIVATE_CUSTOMER") {
			t.Errorf("digital example as is: %s", d)
		}

		corp := example(t, "NewCorporateCustomer")
		corp["type"], corp["segment"] = "CORPORATE_CUSTOMER", "SME"
		wantStatus(t, e.do("POST", base+"/customers", e.admin, corp), http.StatusCreated)
		dig := example(t, "NewDigitalCustomer")
		dig["type"] = "DIGITAL_CUSTOMER"
		dig["external_id"] = "LEGACY-9"
		r = e.do("POST", base+"/customers", e.admin, dig)
		wantStatus(t, r, http.StatusCreated)
		r.json(t, &c)
		if *c.ExternalID != "LEGACY-9" {
			t.Errorf("client external_id not kept: %v", *c.ExternalID)
		}
		// Same document again: 409.
		r = e.do("POST", base+"/customers", e.admin, example(t, "NewPrivateCustomer"))
		wantStatus(t, r, http.StatusConflict)
		if d := r.details(t); !strings.HasPrefix(d, "MCUS.409.001 a customer with this identity document already exists") {
			t.Errorf("duplicate: %s", d)
		}
	})
}

func TestGetCustomerShapes(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		var c created
		e.do("POST", base+"/customers", e.admin, example(t, "NewPrivateCustomer")).json(t, &c)
		r := e.do("GET", base+"/customers/"+c.ID, e.reader, nil)
		wantStatus(t, r, http.StatusOK)
		if r.Header.Get("ETag") != `"1"` {
			t.Errorf("ETag %q", r.Header.Get("ETag"))
		}
		var got map[string]any
		r.json(t, &got)
		want := example(t, "NewPrivateCustomer")
		if diff := cmp.Diff(want["personal_info"], got["personal_info"]); diff != "" {
			t.Errorf("personal_info (-sent +read):\n%s", diff)
		}
		wantContact := map[string]any{
			"phone_numbers": []any{map[string]any{"country_code": "+34", "number": "615667898", "type": "MOBILE"}},
			"emails":        []any{map[string]any{"email": "email@example.com"}},
			"addresses":     []any{want["contact_info"].(map[string]any)["postal_address"]},
		}
		if diff := cmp.Diff(wantContact, got["contact_info"]); diff != "" {
			t.Errorf("contact_info (-want +got):\n%s", diff)
		}
		if got["created_at"] != "2026-11-23T10:00:00Z" || got["ended_at"] != nil || got["external_id"] != "1" {
			t.Errorf("stamps/ids: %v %v %v", got["created_at"], got["ended_at"], got["external_id"])
		}

		dig := example(t, "NewDigitalCustomer")
		dig["type"] = "DIGITAL_CUSTOMER"
		e.do("POST", base+"/customers", e.admin, dig).json(t, &c)
		got = nil // a fresh map: json.Unmarshal merges into an existing one
		e.do("GET", base+"/customers/"+c.ID, e.reader, nil).json(t, &got)
		for _, absent := range []string{"segment", "contact_info", "personal_info", "company_info"} {
			if _, ok := got[absent]; ok {
				t.Errorf("digital customer shows %s", absent)
			}
		}

		wantStatus(t, e.do("GET", base+"/customers/0198a0f1-4567-7d43-ab00-000000000000", e.reader, nil), http.StatusNotFound)
		r = e.do("GET", base+"/customers/not-a-uuid", e.reader, nil)
		wantStatus(t, r, http.StatusBadRequest)
		if d := r.details(t); d != "MCUS.400.005 customer_id: must be a UUID" {
			t.Errorf("bad id: %s", d)
		}
	})
}

func TestSearchAndExternalLookup(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		var c created
		e.do("POST", base+"/customers", e.admin, example(t, "NewPrivateCustomer")).json(t, &c)
		var found struct{ Customer created }
		for _, q := range []string{"identity_document=14861628V", "identity_document=14861628v&identity_document_type=NIF", "email=EMAIL@example.com"} {
			r := e.do("GET", base+"/customers?"+q, e.reader, nil)
			wantStatus(t, r, http.StatusOK)
			r.json(t, &found)
			if found.Customer.ID != c.ID || *found.Customer.ExternalID != "1" {
				t.Errorf("%s found %+v", q, found)
			}
		}
		wantStatus(t, e.do("GET", base+"/customers?identity_document=X1234567L", e.reader, nil), http.StatusNotFound)
		wantStatus(t, e.do("GET", base+"/customers", e.reader, nil), http.StatusBadRequest)
		wantStatus(t, e.do("GET", base+"/customers?identity_document=1&identity_document_type=DNI", e.reader, nil), http.StatusBadRequest)
		r := e.do("GET", base+"/customers?phone=1", e.reader, nil)
		wantStatus(t, r, http.StatusBadRequest)
		if d := r.details(t); d != "MCUS.400.005 phone: unknown query parameter" {
			t.Errorf("unknown param: %s", d)
		}

		r = e.do("GET", base+"/external-customers/1", e.reader, nil)
		wantStatus(t, r, http.StatusOK)
		var id struct{ ID string }
		r.json(t, &id)
		if id.ID != c.ID {
			t.Errorf("external lookup: %+v", id)
		}
		wantStatus(t, e.do("GET", base+"/external-customers/2", e.reader, nil), http.StatusNotFound)
	})
}

func TestPatchCustomer(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		var c created
		e.do("POST", base+"/customers", e.admin, example(t, "NewPrivateCustomer")).json(t, &c)
		path := base + "/customers/" + c.ID
		wantStatus(t, e.do("PATCH", path, e.admin, example(t, "PatchCustomerRequest")), http.StatusNoContent)
		r := e.do("PATCH", path, e.admin, `{"personal_info":{"second_surname":null,"nationality":"PT"},"contact_info":{"phone_numbers":[{"country_code":"34","number":"600000001","type":"MOBILE"}]}}`, "If-Match", `"1"`)
		wantStatus(t, r, http.StatusNoContent)
		var got struct {
			PersonalInfo map[string]any `json:"personal_info"`
			ContactInfo  struct {
				PhoneNumbers []map[string]string `json:"phone_numbers"`
			} `json:"contact_info"`
		}
		r = e.do("GET", path, e.reader, nil)
		r.json(t, &got)
		if _, ok := got.PersonalInfo["second_surname"]; ok || got.PersonalInfo["nationality"] != "PT" || got.PersonalInfo["name"] != "Antonio" {
			t.Errorf("personal_info after patch: %v", got.PersonalInfo)
		}
		if got.ContactInfo.PhoneNumbers[0]["country_code"] != "+34" || got.ContactInfo.PhoneNumbers[0]["number"] != "600000001" {
			t.Errorf("phones: %v", got.ContactInfo.PhoneNumbers)
		}
		if r.Header.Get("ETag") != `"2"` {
			t.Errorf("ETag after one effective patch = %s", r.Header.Get("ETag"))
		}

		cases := []struct {
			name, body, want string
			status           int
		}{
			{"stale If-Match", `{"preferred_language":"en"}`, "MCUS.412.001", http.StatusPreconditionFailed},
			{"unknown nested field", `{"contact_info":{"emails":[{"email":"a@b.es","primary":true}]}}`, "MCUS.400.003 contact_info.emails[0].primary: unknown field", 400},
			{"case-folded field", `{"Preferred_Language":"en"}`, "MCUS.400.003 Preferred_Language: unknown field", 400},
			{"wrong type", `{"personal_info":{"name":7}}`, "MCUS.400.002 personal_info.name: must be a string", 400},
			{"other type's info", `{"company_info":{"legal_name":"X"}}`, "MCUS.400.001 company_info: is not allowed for type PRIVATE_CUSTOMER", 400},
			{"associated users of a private customer", `{"company_info":{"associated_users":[]}}`, "MCUS.400.001 company_info: is not allowed for type PRIVATE_CUSTOMER", 400},
			{"identity document", `{"personal_info":{"name":"Ana","identity_document":{"type":"NIF","number":"12345678Z"}}}`,
				"MCUS.400.001 personal_info.identity_document: cannot be changed: the identity document identifies the customer. To correct it, deactivate this customer (DELETE /v4/orgs/{org_id}/customers/{customer_id}), which frees the document, and create a new customer with the right one", 400},
			{"identity document of a company", `{"company_info":{"identity_document":{"type":"CIF","number":"B12345674"}}}`, "MCUS.400.001 company_info.identity_document: cannot be changed: the identity document", 400},
			{"login email", `{"digital_personal_info":{"email":"a@b.es"}}`, "MCUS.400.001 digital_personal_info.email: cannot be changed: it is the digital customer's login", 400},
			{"a truly unknown field beside it", `{"personal_info":{"identity_document":{"type":"NIF","number":"12345678Z"},"colour":"red"}}`, "MCUS.400.003 personal_info.colour: unknown field", 400},
			{"null on a required field", `{"personal_info":{"name":null}}`, "MCUS.400.001 personal_info.name: must not be null", 400},
			{"bad language", `{"preferred_language":"fr"}`, "MCUS.400.001 preferred_language: must be one of es, ca, gl, eu, en, pt", 400},
			{"not JSON", `{"preferred_language":`, "MCUS.400.002", 400},
			{"trailing data", `{} {}`, "MCUS.400.002", 400},
			{"empty body", ``, "MCUS.400.002", 400},
		}
		for _, tc := range cases {
			r := e.do("PATCH", path, e.admin, tc.body, "If-Match", `"1"`)
			if tc.name != "stale If-Match" {
				r = e.do("PATCH", path, e.admin, tc.body)
			}
			if r.Status != tc.status || !strings.HasPrefix(r.details(t), tc.want) {
				t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.details(t), tc.status, tc.want)
			}
		}
		// Nothing above changed the customer.
		if etag := e.do("GET", path, e.reader, nil).Header.Get("ETag"); etag != `"2"` {
			t.Errorf("rejected patches changed the customer: ETag %s", etag)
		}
	})
}

func TestAssociatedUsersAndDeactivation(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		corp := example(t, "NewCorporateCustomer")
		corp["type"], corp["segment"] = "CORPORATE_CUSTOMER", "SELF_EMPLOYEE"
		var co, pr created
		e.do("POST", base+"/customers", e.admin, corp).json(t, &co)
		e.do("POST", base+"/customers", e.admin, example(t, "NewPrivateCustomer")).json(t, &pr)
		users := `{"associated_users":[{"identity_document":{"number":"X1234567L","type":"NIE"},"name":"Ana","first_surname":"Ruiz","nationality":"ES"}]}`
		wantStatus(t, e.do("PUT", base+"/customers/"+co.ID+"/associated-users", e.admin, users), http.StatusNoContent)
		var got struct {
			CompanyInfo struct {
				AssociatedUsers []map[string]any `json:"associated_users"`
			} `json:"company_info"`
		}
		e.do("GET", base+"/customers/"+co.ID, e.reader, nil).json(t, &got)
		if len(got.CompanyInfo.AssociatedUsers) != 1 || got.CompanyInfo.AssociatedUsers[0]["name"] != "Ana" {
			t.Errorf("associated users: %v", got.CompanyInfo.AssociatedUsers)
		}
		// A PATCH of company_info.associated_users replaces them as the PUT does.
		patched := `{"company_info":{"associated_users":[{"identity_document":{"number":"Y1234567X","type":"NIE"},"name":"Eva","first_surname":"Sanz","nationality":"PT"}]}}`
		wantStatus(t, e.do("PATCH", base+"/customers/"+co.ID, e.admin, patched), http.StatusNoContent)
		e.do("GET", base+"/customers/"+co.ID, e.reader, nil).json(t, &got)
		if len(got.CompanyInfo.AssociatedUsers) != 1 || got.CompanyInfo.AssociatedUsers[0]["name"] != "Eva" {
			t.Errorf("associated users after PATCH: %v", got.CompanyInfo.AssociatedUsers)
		}
		wantStatus(t, e.do("PATCH", base+"/customers/"+co.ID, e.admin, `{"company_info":{"associated_users":null}}`), http.StatusBadRequest)
		wantStatus(t, e.do("PUT", base+"/customers/"+co.ID+"/associated-users", e.admin, users), http.StatusNoContent)
		wantStatus(t, e.do("PUT", base+"/customers/"+pr.ID+"/associated-users", e.admin, users), http.StatusBadRequest)
		wantStatus(t, e.do("PUT", base+"/customers/"+co.ID+"/associated-users", e.admin, `{}`), http.StatusBadRequest)
		r := e.do("PUT", base+"/customers/"+co.ID+"/associated-users", e.admin, `{"associated_users":[{"identity_document":{"number":"12345678A","type":"NIF"},"name":"Ana","first_surname":"Ruiz","nationality":"ES"}]}`)
		wantStatus(t, r, http.StatusBadRequest)

		wantStatus(t, e.do("DELETE", base+"/customers/"+co.ID, e.admin, nil), http.StatusNoContent)
		r = e.do("DELETE", base+"/customers/"+co.ID, e.admin, nil)
		wantStatus(t, r, http.StatusConflict)
		if !strings.HasPrefix(r.details(t), "MCUS.409.002") {
			t.Errorf("second delete: %s", r.details(t))
		}
		var ended map[string]any
		e.do("GET", base+"/customers/"+co.ID, e.reader, nil).json(t, &ended)
		if ended["ended_at"] != "2026-11-23T10:00:00Z" {
			t.Errorf("ended_at = %v", ended["ended_at"])
		}
		// The document is free again once the holder has ended.
		wantStatus(t, e.do("POST", base+"/customers", e.admin, corp), http.StatusCreated)
	})
}
