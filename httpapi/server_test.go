package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/httpapi"
)

func TestEveryRouteIsDocumentedAndEveryOperationRouted(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	var documented []string
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	routed := httpapi.New(httpapi.Config{}).Routes()
	slices.Sort(documented)
	slices.Sort(routed)
	for _, r := range routed {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in the OpenAPI document", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routed, d) {
			t.Errorf("operation %s is documented but not routed", d)
		}
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		var c created
		e.do("POST", base+"/customers", e.admin, example(t, "NewPrivateCustomer")).json(t, &c)
		path := base + "/customers/" + c.ID
		cases := []struct {
			name    string
			key     string
			headers []string
			method  string
			path    string
			status  int
			code    string
		}{
			{"no credentials", "", nil, "GET", path, 401, "MCUS.401.001"},
			{"unknown key", "crm_000000000000_00", nil, "GET", path, 401, "MCUS.401.001"},
			{"malformed authorization", "", []string{"Authorization", "Basic abc"}, "GET", path, 401, "MCUS.401.001"},
			{"JWT without configured keys", "eyJhbGciOiJSUzI1NiJ9.e30.sig", nil, "GET", path, 401, "MCUS.401.001"},
			{"x-api-key header", "", []string{"x-api-key", e.reader}, "GET", path, 200, ""},
			{"other org's key on this org", e.otherOrg, nil, "GET", path, 403, "MCUS.403.001"},
			{"other org's key on its org", e.otherOrg, nil, "GET", "/v4/orgs/other/customers/" + c.ID, 404, "MCUS.404.001"},
			{"read role writing", e.reader, nil, "DELETE", path, 403, "MCUS.403.002"},
			{"bad org in path", e.admin, nil, "GET", "/v4/orgs/Tel%20co/customers/" + c.ID, 400, "MCUS.400.005"},
			{"gateway roles", "", []string{"x-auth-roles", "API_KEY"}, "GET", path, 200, ""},
			{"gateway read role writing", "", []string{"x-auth-roles", "customers:read"}, "DELETE", path, 403, "MCUS.403.002"},
		}
		for _, tc := range cases {
			r := e.do(tc.method, tc.path, tc.key, nil, tc.headers...)
			if r.Status != tc.status || (tc.code != "" && !strings.HasPrefix(r.details(t), tc.code)) {
				t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.Body, tc.status, tc.code)
			}
		}
		// Revoked keys stop working at once.
		keys, _ := e.db.APIKeys.ListAPIKeys(t.Context(), "telco")
		for _, k := range keys {
			if slices.Contains(k.Roles, crm.RoleCustomersRead) {
				e.db.APIKeys.RevokeAPIKey(t.Context(), k.ID)
			}
		}
		wantStatus(t, e.do("GET", path, e.reader, nil), 401)
	})
}

func TestGatewayModeIsOffByDefault(t *testing.T) {
	t.Parallel()
	h := httpapi.New(httpapi.Config{}).Handler()
	req := httptest.NewRequest("GET", base+"/customers?email=a@b.es", nil)
	req.Header.Set("x-auth-roles", "API_KEY")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 401 {
		t.Fatalf("x-auth-roles outside gateway mode: %d, want 401", rec.Code)
	}
}

func TestRoutingErrors(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		r := e.do("POST", base+"/customers/0198a0f1-4567-7d43-ab00-000000000000", e.admin, `{}`)
		wantStatus(t, r, http.StatusMethodNotAllowed)
		if len(r.Body) != 0 || !strings.Contains(r.Header.Get("Allow"), "PATCH") {
			t.Errorf("405: body %q, Allow %q", r.Body, r.Header.Get("Allow"))
		}
		r = e.do("GET", "/v4/nothing", e.admin, nil)
		wantStatus(t, r, http.StatusNotFound)
		if !strings.HasPrefix(r.details(t), "MCUS.404.001") {
			t.Errorf("404 body: %s", r.Body)
		}
		big := `{"preferred_language":"` + strings.Repeat("a", httpapi.MaxBodyBytes) + `"}`
		r = e.do("POST", base+"/customers", e.admin, big)
		wantStatus(t, r, http.StatusBadRequest)
		if !strings.HasPrefix(r.details(t), "MCUS.400.004") {
			t.Errorf("oversize: %s", r.details(t))
		}
		r = e.do("GET", "/healthz", "", nil, "X-Request-Id", "abc-123")
		if r.Status != 200 || r.Header.Get("X-Request-Id") != "abc-123" {
			t.Errorf("healthz %d, request id %q", r.Status, r.Header.Get("X-Request-Id"))
		}
		r = e.do("GET", base+"/customers", e.admin, nil, "X-Request-Id", "r-42")
		var body httpapi.ErrorResponse
		r.json(t, &body)
		if body.Errors[0].Ref != "r-42" {
			t.Errorf("error ref %q, want the request id", body.Errors[0].Ref)
		}
		wantStatus(t, e.do("GET", "/readyz", "", nil), 200)
		wantStatus(t, e.do("GET", "/openapi/v4.yaml", "", nil), 200)
	})
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		body := example(t, "NewPrivateCustomer")
		first := e.do("POST", base+"/customers", e.admin, body, "Idempotency-Key", "k1")
		wantStatus(t, first, http.StatusCreated)
		again := e.do("POST", base+"/customers", e.admin, body, "Idempotency-Key", "k1")
		wantStatus(t, again, http.StatusCreated)
		if string(again.Body) != string(first.Body) || again.Header.Get("Idempotency-Replayed") != "true" ||
			again.Header.Get("Location") != first.Header.Get("Location") {
			t.Errorf("replay differs: %s / %s", first.Body, again.Body)
		}
		other := example(t, "NewPrivateCustomer")
		other["preferred_language"] = "en"
		r := e.do("POST", base+"/customers", e.admin, other, "Idempotency-Key", "k1")
		wantStatus(t, r, http.StatusConflict)
		if !strings.HasPrefix(r.details(t), "MCUS.409.003") {
			t.Errorf("reuse with another body: %s", r.details(t))
		}
		// A failed request does not burn its key.
		bad := example(t, "NewPrivateCustomer")
		bad["segment"] = "SME"
		wantStatus(t, e.do("POST", base+"/customers", e.admin, bad, "Idempotency-Key", "k2"), 400)
		dig := example(t, "NewDigitalCustomer")
		dig["type"] = "DIGITAL_CUSTOMER"
		wantStatus(t, e.do("POST", base+"/customers", e.admin, dig, "Idempotency-Key", "k2"), 201)
		evs, _ := e.db.Outbox.Events(t.Context(), "telco", 0, 0)
		if len(evs) != 2 {
			t.Errorf("%d events, want 2: a replay must not write", len(evs))
		}
		// Keys are per org, and expire after 24 hours.
		e.clock.Advance(25 * 60 * 60 * 1e9)
		r = e.do("POST", base+"/customers", e.admin, other, "Idempotency-Key", "k1")
		if r.Status != http.StatusConflict || !strings.HasPrefix(r.details(t), "MCUS.409.001") {
			t.Errorf("expired key should run the request again (and hit the duplicate document): %d %s", r.Status, r.Body)
		}
	})
}

// TestJSONAnswersStateTheirLength: writeJSON sets Content-Length, so
// net/http never chunks an answer past its 2 KB buffer.
func TestJSONAnswersStateTheirLength(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		r := e.do("POST", base+"/customers", e.admin, example(t, "NewPrivateCustomer"))
		wantStatus(t, r, http.StatusCreated)
		var c created
		r.json(t, &c)
		for _, r := range []response{r, e.do("GET", base+"/customers/"+c.ID, e.admin, nil)} {
			if got, want := r.Header.Get("Content-Length"), strconv.Itoa(len(r.Body)); got != want {
				t.Errorf("Content-Length %q for a body of %s bytes", got, want)
			}
		}
	})
}
