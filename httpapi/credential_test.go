package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

type credentialList struct {
	Username    *string `json:"username"`
	CustomerID  string  `json:"customer_id"`
	Credentials []struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"credentials"`
}

func TestCredentialsLifecycle(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		dig := example(t, "NewDigitalCustomer")
		dig["type"] = "DIGITAL_CUSTOMER"
		var d created
		e.do("POST", base+"/customers", e.admin, dig).json(t, &d)
		creds := base + "/customers/" + cid + "/credentials"
		writer := e.key("telco", crm.RoleCredentialsWrite)

		// Writes need credentials:write; reads customers:read.
		wantStatus(t, e.do("POST", creds, e.reader, `{"username":"ana@example.com"}`), http.StatusForbidden)
		wantStatus(t, e.do("GET", creds, writer, nil), http.StatusForbidden)
		r := e.do("POST", creds, writer, `{"username":" Ana@Example.COM "}`, "Idempotency-Key", "cr-1")
		wantStatus(t, r, http.StatusCreated)
		var first struct{ ID string }
		r.json(t, &first)
		again := e.do("POST", creds, writer, `{"username":" Ana@Example.COM "}`, "Idempotency-Key", "cr-1")
		if again.Status != http.StatusCreated || string(again.Body) != string(r.Body) || again.Header.Get("Idempotency-Replayed") != "true" {
			t.Errorf("replay: %d %s", again.Status, again.Body)
		}
		wantStatus(t, e.do("POST", creds, e.admin, `{"username":"ana.work@example.com"}`), http.StatusCreated)

		r = e.do("GET", creds, e.reader, nil)
		wantStatus(t, r, http.StatusOK)
		if r.Header.Get("ETag") != `"3"` {
			t.Errorf("ETag %q, want the customer's version 3", r.Header.Get("ETag"))
		}
		var list credentialList
		r.json(t, &list)
		if list.Username == nil || *list.Username != "ana@example.com" || list.CustomerID != cid || len(list.Credentials) != 2 ||
			list.Credentials[0].ID != first.ID || list.Credentials[1].Username != "ana.work@example.com" {
			t.Errorf("list %s", r.Body)
		}

		cases := []struct {
			name, path, body string
			status           int
			want             string
		}{
			{"taken, other case", creds, `{"username":"ANA@example.com"}`, 409, "MCUS.409.001 a credential with this username already exists"},
			{"taken by another customer", base + "/customers/" + d.ID + "/credentials", `{"username":"ana@example.com"}`, 409, "MCUS.409.001"},
			{"no username", creds, `{}`, 400, "MCUS.400.001 username: is required"},
			{"null username", creds, `{"username":null}`, 400, "MCUS.400.001 username: is required"},
			{"wrong type", creds, `{"username":7}`, 400, "MCUS.400.002 username: must be a string"},
			{"unknown field", creds, `{"username":"a@example.com","password":"x"}`, 400, "MCUS.400.003 password: unknown field"},
			{"not an email", creds, `{"username":"ana"}`, 400, "MCUS.400.001 username: is not a valid email address"},
			{"accent", creds, `{"username":"josé@example.com"}`, 400, "MCUS.400.001 username: must not contain accented"},
			{"too long", creds, `{"username":"` + strings.Repeat("a", 64) + "@" + strings.Repeat("b", 15) + `.es"}`, 400, "MCUS.400.001 username: must be at most 82 characters"},
			{"not JSON", creds, `{"username":`, 400, "MCUS.400.002"},
			{"bad customer id", base + "/customers/nope/credentials", `{"username":"a@example.com"}`, 400, "MCUS.400.005 customer_id: must be a UUID"},
			{"unknown customer", base + "/customers/0198a0f1-4567-7d43-ab00-000000000000/credentials", `{"username":"a@example.com"}`, 404, "MCUS.404.001"},
		}
		for _, tc := range cases {
			r := e.do("POST", tc.path, e.admin, tc.body)
			if r.Status != tc.status || !strings.HasPrefix(r.details(t), tc.want) {
				t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.details(t), tc.status, tc.want)
			}
		}
		wantStatus(t, e.do("GET", "/v4/orgs/other/customers/"+cid+"/credentials", e.otherOrg, nil), http.StatusNotFound)
		wantStatus(t, e.do("POST", "/v4/orgs/other/customers/"+cid+"/credentials", e.otherOrg, `{"username":"x@example.com"}`), http.StatusNotFound)
		wantStatus(t, e.do("GET", creds+"/migration", e.admin, nil), http.StatusMethodNotAllowed)

		// Rejected writes did not move the customer's version.
		if etag := e.do("GET", creds, e.reader, nil).Header.Get("ETag"); etag != `"3"` {
			t.Errorf("ETag after rejected writes %s", etag)
		}
		del := creds + "/" + first.ID
		wantStatus(t, e.do("DELETE", del, e.admin, nil, "If-Match", `"2"`), http.StatusPreconditionFailed)
		wantStatus(t, e.do("DELETE", creds+"/not-a-uuid", e.admin, nil), http.StatusBadRequest)
		wantStatus(t, e.do("DELETE", base+"/customers/"+d.ID+"/credentials/"+first.ID, e.admin, nil), http.StatusNotFound)
		wantStatus(t, e.do("DELETE", del, e.reader, nil), http.StatusForbidden)
		wantStatus(t, e.do("DELETE", del, writer, nil, "If-Match", `"3"`), http.StatusNoContent)
		wantStatus(t, e.do("DELETE", del, writer, nil), http.StatusNotFound)
		list = credentialList{}
		e.do("GET", creds, e.reader, nil).json(t, &list)
		if list.Username == nil || *list.Username != "ana.work@example.com" || len(list.Credentials) != 1 {
			t.Errorf("after delete: %+v", list)
		}
	})
}

func TestCredentialMigrationAndSearch(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		dig := example(t, "NewDigitalCustomer")
		dig["type"] = "DIGITAL_CUSTOMER"
		var d created
		e.do("POST", base+"/customers", e.admin, dig).json(t, &d)
		var cred struct{ ID string }
		e.do("POST", base+"/customers/"+cid+"/credentials", e.admin, `{"username":"ana@example.com"}`).json(t, &cred)

		search := func(q string) (int, string) {
			r := e.do("GET", base+"/customers?"+q, e.reader, nil)
			var found struct{ Customer created }
			if r.Status == http.StatusOK {
				r.json(t, &found)
			}
			return r.Status, found.Customer.ID
		}
		for _, tc := range []struct {
			q, want string
			status  int
		}{
			{"username=ana@example.com", cid, 200},
			{"username=ANA%40Example.com", cid, 200},
			{"username=ana@example.com&identity_document=14861628V&identity_document_type=NIF", cid, 200},
			{"username=ana@example.com&email=email@example.com", cid, 200},
			{"username=ana@example.com&identity_document=X1234567L", "", 404},
			{"username=nobody@example.com", "", 404},
			{"username=", "", 400},
		} {
			if status, id := search(tc.q); status != tc.status || id != tc.want {
				t.Errorf("search %s: %d %q, want %d %q", tc.q, status, id, tc.status, tc.want)
			}
		}

		mig := base + "/customers/" + d.ID + "/credentials/migration"
		wantStatus(t, e.do("POST", mig, e.reader, `{"username":"ana@example.com"}`), http.StatusForbidden)
		wantStatus(t, e.do("POST", mig, e.admin, `{"username":"nobody@example.com"}`), http.StatusNotFound)
		wantStatus(t, e.do("POST", mig, e.admin, `{"username":"ana"}`), http.StatusBadRequest)
		wantStatus(t, e.do("POST", mig, e.admin, `{"username":"ana@example.com","from":"x"}`), http.StatusBadRequest)
		r := e.do("POST", mig, e.admin, `{"username":"Ana@example.com"}`)
		wantStatus(t, r, http.StatusCreated)
		var moved struct{ ID string }
		r.json(t, &moved)
		if moved.ID != cred.ID {
			t.Errorf("migration answered %s, want the credential's id %s", moved.ID, cred.ID)
		}
		r = e.do("POST", mig, e.admin, `{"username":"ana@example.com"}`)
		if r.Status != http.StatusConflict || !strings.HasPrefix(r.details(t), "MCUS.409.002") {
			t.Errorf("second migration: %d %s", r.Status, r.Body)
		}
		if status, id := search("username=ana@example.com"); status != 200 || id != d.ID {
			t.Errorf("search after migration: %d %q, want %q", status, id, d.ID)
		}
		var list credentialList
		r = e.do("GET", base+"/customers/"+cid+"/credentials", e.reader, nil)
		r.json(t, &list)
		if list.Username != nil || len(list.Credentials) != 0 || !strings.Contains(string(r.Body), `"credentials":[]`) {
			t.Errorf("source after migration: %s", r.Body)
		}

		// The source ended: it takes no new credentials, nor migrations in.
		wantStatus(t, e.do("DELETE", base+"/customers/"+cid, e.admin, nil), http.StatusNoContent)
		for _, path := range []string{"/credentials", "/credentials/migration"} {
			r := e.do("POST", base+"/customers/"+cid+path, e.admin, `{"username":"ana@example.com"}`)
			if r.Status != http.StatusConflict || !strings.HasPrefix(r.details(t), "MCUS.409.002") {
				t.Errorf("POST %s on an ended customer: %d %s", path, r.Status, r.Body)
			}
		}

		evs, _ := e.db.Outbox.Events(t.Context(), "telco", 0, 0)
		var types []string
		for _, ev := range evs {
			if strings.Contains(ev.Type, "credential") {
				types = append(types, ev.Type+" "+ev.AggregateID)
			}
		}
		want := []string{crm.EventCredentialAdded + " " + cid, crm.EventCredentialMigratedOut + " " + cid, crm.EventCredentialMigratedIn + " " + d.ID}
		if diff := cmp.Diff(want, types); diff != "" {
			t.Errorf("credential events (-want +got):\n%s", diff)
		}
	})
}
