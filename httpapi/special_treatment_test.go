package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

func TestSpecialTreatmentOverHTTP(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		catalog := e.key("telco", crm.RoleCatalogWrite)
		writer := e.key("telco", crm.RoleCustomersWrite)
		cid := e.customer(t)
		cpath := base + "/customers/" + cid + "/special-treatment"
		values := func(r response) []string {
			t.Helper()
			var v struct{ Values []string }
			r.json(t, &v)
			return v.Values
		}

		r := e.do("GET", base+"/special-treatment", e.reader, nil)
		wantStatus(t, r, http.StatusOK)
		if string(r.Body) != `{"values":[]}` || r.Header.Get("ETag") != "" {
			t.Errorf("never set: %s ETag %q", r.Body, r.Header.Get("ETag"))
		}
		list := `{"values":["silver","gold","platinum","vip"]}`
		wantStatus(t, e.do("PATCH", base+"/special-treatment", writer, list), http.StatusForbidden)
		wantStatus(t, e.do("PATCH", base+"/special-treatment", catalog, list), http.StatusNoContent)
		r = e.do("GET", base+"/special-treatment", e.reader, nil)
		if diff := cmp.Diff([]string{"silver", "gold", "platinum", "vip"}, values(r)); diff != "" || r.Header.Get("ETag") != `"1"` {
			t.Errorf("S1 (-want +got):\n%s ETag %q", diff, r.Header.Get("ETag"))
		}

		r = e.do("GET", cpath, e.reader, nil)
		wantStatus(t, r, http.StatusOK)
		if string(r.Body) != `{"values":[]}` || r.Header.Get("ETag") != `"1"` {
			t.Errorf("CS1 before any: %s ETag %q", r.Body, r.Header.Get("ETag"))
		}
		cases := []struct {
			name, body, want string
			status           int
		}{
			{"not in the org list", `{"values":["vip","bronze"]}`, `MCUS.400.001 values[1]: "bronze" is not in the org's special treatment list`, 400},
			{"missing", `{}`, "MCUS.400.001 values: is required", 400},
			{"not strings", `{"values":[1]}`, "MCUS.400.002 values[0]: must be a string", 400},
			{"unknown field", `{"values":[],"extra":true}`, "MCUS.400.003 extra: unknown field", 400},
		}
		for _, tc := range cases {
			r := e.do("PUT", cpath, e.admin, tc.body)
			if r.Status != tc.status || !strings.HasPrefix(r.details(t), tc.want) {
				t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.details(t), tc.status, tc.want)
			}
		}
		wantStatus(t, e.do("PUT", cpath, e.reader, `{"values":["vip"]}`), http.StatusForbidden)
		wantStatus(t, e.do("PUT", cpath, writer, `{"values":["vip"]}`, "If-Match", `"1"`), http.StatusNoContent)
		wantStatus(t, e.do("PUT", cpath, writer, `{"values":["gold"]}`, "If-Match", `"1"`), http.StatusPreconditionFailed)
		r = e.do("GET", cpath, e.reader, nil)
		if diff := cmp.Diff([]string{"vip"}, values(r)); diff != "" || r.Header.Get("ETag") != `"2"` {
			t.Errorf("CS1 (-want +got):\n%s ETag %q", diff, r.Header.Get("ETag"))
		}
		wantStatus(t, e.do("GET", "/v4/orgs/other/customers/"+cid+"/special-treatment", e.otherOrg, nil), http.StatusNotFound)
		wantStatus(t, e.do("PUT", base+"/customers/0198a0f1-4567-7d43-ab00-000000000000/special-treatment", writer, `{"values":[]}`), http.StatusNotFound)

		// The org list cannot drop a value a customer holds.
		r = e.do("PATCH", base+"/special-treatment", catalog, `{"values":["gold"]}`)
		if r.Status != http.StatusConflict || r.details(t) != `MCUS.409.002 values: "vip" is still held by 1 customer(s); take it from them first` {
			t.Errorf("removing a held value: %d %s", r.Status, r.details(t))
		}
		wantStatus(t, e.do("PATCH", base+"/special-treatment", catalog, `{"values":["gold"]}`, "If-Match", `"2"`), http.StatusPreconditionFailed)
		wantStatus(t, e.do("PATCH", base+"/special-treatment", catalog, `{"values":null}`), http.StatusBadRequest)
		wantStatus(t, e.do("PUT", base+"/special-treatment", catalog, list), http.StatusMethodNotAllowed)
		wantStatus(t, e.do("PUT", cpath, writer, `{"values":[]}`), http.StatusNoContent)
		wantStatus(t, e.do("PATCH", base+"/special-treatment", catalog, `{"values":["gold"]}`, "If-Match", `"1"`), http.StatusNoContent)

		// An ended customer keeps its values and accepts no change.
		wantStatus(t, e.do("DELETE", base+"/customers/"+cid, e.admin, nil), http.StatusNoContent)
		r = e.do("PUT", cpath, writer, `{"values":["gold"]}`)
		if r.Status != http.StatusConflict || !strings.HasPrefix(r.details(t), "MCUS.409.002") {
			t.Errorf("ended customer: %d %s", r.Status, r.details(t))
		}
	})
}
