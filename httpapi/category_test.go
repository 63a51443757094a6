package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

func TestCategoriesCatalogue(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		catalog := e.key("telco", crm.RoleCatalogWrite)
		writer := e.key("telco", crm.RoleCustomersWrite)
		var list struct{ Categories []map[string]any }
		r := e.do("GET", base+"/categories", e.reader, nil)
		wantStatus(t, r, http.StatusOK)
		if r.json(t, &list); list.Categories == nil || len(list.Categories) != 0 {
			t.Errorf("empty catalogue: %s", r.Body)
		}
		body := `{"categories":[{"name":"risk","description":"Risk category","valid_values":["high"]},{"name":"influencer"}]}`
		wantStatus(t, e.do("POST", base+"/categories", e.reader, body), http.StatusForbidden)
		wantStatus(t, e.do("POST", base+"/categories", writer, body), http.StatusForbidden)
		r = e.do("POST", base+"/categories", catalog, body, "Idempotency-Key", "cat-1")
		wantStatus(t, r, http.StatusCreated)
		want := map[string]any{"categories": []any{
			map[string]any{"id": 1.0, "name": "risk", "description": "Risk category", "valid_values": []any{"high"}},
			map[string]any{"id": 2.0, "name": "influencer", "valid_values": []any{}},
		}}
		var got map[string]any
		r.json(t, &got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		replay := e.do("POST", base+"/categories", catalog, body, "Idempotency-Key", "cat-1")
		if replay.Status != http.StatusCreated || string(replay.Body) != string(r.Body) || replay.Header.Get("Idempotency-Replayed") != "true" {
			t.Errorf("replay: %d %s", replay.Status, replay.Body)
		}

		cases := []struct {
			name, body, want string
			status           int
		}{
			{"taken name, other case", `{"categories":[{"name":"other"},{"name":"Risk"}]}`, `MCUS.409.001 categories[1].name: a category named "Risk" already exists`, 409},
			{"space in name", `{"categories":[{"name":"high risk"}]}`, "MCUS.400.001 categories[0].name: must contain only letters, digits and underscores (no spaces)", 400},
			{"same name twice", `{"categories":[{"name":"a"},{"name":"A"}]}`, "MCUS.400.001 categories[1].name: duplicates categories[0].name", 400},
			{"unknown field", `{"categories":[{"name":"a","colour":"red"}]}`, "MCUS.400.003 categories[0].colour: unknown field", 400},
			{"no list", `{}`, "MCUS.400.001 categories: is required", 400},
			{"empty list", `{"categories":[]}`, "MCUS.400.001 categories: must list at least one category", 400},
			{"value with a tab", `{"categories":[{"name":"a","valid_values":["x\ty"]}]}`, "MCUS.400.001 categories[0].valid_values[0]: must not contain control characters", 400},
			{"reused key, other body", `{"categories":[{"name":"b"}]}`, "MCUS.409.003", 409},
		}
		for _, tc := range cases {
			var hdr []string
			if tc.name == "reused key, other body" {
				hdr = []string{"Idempotency-Key", "cat-1"}
			}
			r := e.do("POST", base+"/categories", catalog, tc.body, hdr...)
			if r.Status != tc.status || !strings.HasPrefix(r.details(t), tc.want) {
				t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.details(t), tc.status, tc.want)
			}
		}

		// G3: the ETag of the extension GET guards the PATCH.
		r = e.do("GET", base+"/categories/1", e.reader, nil)
		wantStatus(t, r, http.StatusOK)
		if r.Header.Get("ETag") != `"1"` {
			t.Errorf("ETag %q", r.Header.Get("ETag"))
		}
		patch := `{"description":"Credit risk","valid_values":["high","low"]}`
		wantStatus(t, e.do("PATCH", base+"/categories/1", writer, patch), http.StatusForbidden)
		wantStatus(t, e.do("PATCH", base+"/categories/1", catalog, patch, "If-Match", `"1"`), http.StatusNoContent)
		wantStatus(t, e.do("PATCH", base+"/categories/1", catalog, `{"description":"x"}`, "If-Match", `"1"`), http.StatusPreconditionFailed)
		for path, want := range map[string]string{
			"/categories/1":          "MCUS.400.001 valid_values: must not be null; send [] to allow any value",
			"/categories/abc":        "MCUS.400.005 category_id: must be a category id (a positive 32-bit integer)",
			"/categories/0":          "MCUS.400.005 category_id",
			"/categories/2147483648": "MCUS.400.005 category_id",
		} {
			r := e.do("PATCH", base+path, catalog, `{"valid_values":null}`)
			if r.Status != http.StatusBadRequest || !strings.HasPrefix(r.details(t), want) {
				t.Errorf("PATCH %s: %d %s, want %s", path, r.Status, r.details(t), want)
			}
		}
		wantStatus(t, e.do("PATCH", base+"/categories/99", catalog, patch), http.StatusNotFound)
		wantStatus(t, e.do("GET", base+"/categories/99", e.reader, nil), http.StatusNotFound)
		wantStatus(t, e.do("DELETE", base+"/categories/1", catalog, nil), http.StatusMethodNotAllowed)
		list.Categories = nil
		e.do("GET", base+"/categories", e.reader, nil).json(t, &list)
		wantFirst := map[string]any{"id": 1.0, "name": "risk", "description": "Credit risk", "valid_values": []any{"high", "low"}}
		if len(list.Categories) != 2 || !cmp.Equal(wantFirst, list.Categories[0]) {
			t.Errorf("G1 after the patch: %v", list.Categories)
		}
		// Another org's categories are its own.
		e.do("GET", "/v4/orgs/other/categories", e.otherOrg, nil).json(t, &list)
		if len(list.Categories) != 0 {
			t.Errorf("another org sees %v", list.Categories)
		}
	})
}

func TestCustomerCategoriesOverHTTP(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		path := base + "/customers/" + cid + "/categories"
		wantStatus(t, e.do("POST", base+"/categories", e.admin, `{"categories":[{"name":"risk","valid_values":["high","low"]},{"name":"tag"}]}`), http.StatusCreated)

		cases := []struct {
			name, body, want string
			status           int
		}{
			{"value not listed", `{"id":1,"value":"medium"}`, `MCUS.400.001 value: "medium" is not a valid value of category risk`, 400},
			{"unknown category", `{"id":99,"value":"x"}`, "MCUS.400.001 id: the org has no category 99", 400},
			{"value missing", `{"id":1}`, "MCUS.400.001 value: is required", 400},
			{"id as a string", `{"id":"1","value":"high"}`, "MCUS.400.002 id: must be an integer", 400},
			{"id beyond int32", `{"id":2147483648,"value":"high"}`, "MCUS.400.002 id: must be an integer of at most 32 bits", 400},
		}
		for _, tc := range cases {
			r := e.do("POST", path, e.admin, tc.body)
			if r.Status != tc.status || !strings.HasPrefix(r.details(t), tc.want) {
				t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.details(t), tc.status, tc.want)
			}
		}
		wantStatus(t, e.do("POST", path, e.reader, `{"id":1,"value":"high"}`), http.StatusForbidden)
		r := e.do("POST", path, e.admin, `{"id":1,"value":"high","description":"Bill discount","reason":"Masmovil sponsors their videos"}`)
		wantStatus(t, r, http.StatusCreated)
		if len(r.Body) != 0 {
			t.Errorf("CC2 answered a body: %s", r.Body)
		}
		r = e.do("POST", path, e.admin, `{"id":1,"value":"low"}`)
		if r.Status != http.StatusConflict || !strings.HasPrefix(r.details(t), "MCUS.409.001 the customer already has category 1") {
			t.Errorf("second assignment: %d %s", r.Status, r.details(t))
		}
		for range 2 {
			r = e.do("POST", path, e.admin, `{"id":2,"value":null}`, "Idempotency-Key", "tag-1")
			wantStatus(t, r, http.StatusCreated)
		}
		if r.Header.Get("Idempotency-Replayed") != "true" || len(r.Body) != 0 {
			t.Errorf("CC2 replay: %v %q", r.Header, r.Body)
		}

		r = e.do("GET", path, e.reader, nil)
		wantStatus(t, r, http.StatusOK)
		want := map[string]any{"customer_id": cid, "categories": []any{map[string]any{"id": 1.0, "name": "risk", "value": "high",
			"description": "Bill discount", "reason": "Masmovil sponsors their videos",
			"create_date_time": "2026-11-23T10:00:00Z", "last_modified_date_time": "2026-11-23T10:00:00Z"}}}
		var got map[string]any
		if r.json(t, &got); !cmp.Equal(want, got) {
			t.Errorf("CC3 (-want +got):\n%s", cmp.Diff(want, got))
		}
		etag := r.Header.Get("ETag")

		e.clock.Advance(time.Hour)
		wantStatus(t, e.do("PATCH", path+"/1", e.admin, `{"value":"low","reason":null}`, "If-Match", etag), http.StatusNoContent)
		wantStatus(t, e.do("PATCH", path+"/1", e.admin, `{"value":"high"}`, "If-Match", etag), http.StatusPreconditionFailed)
		wantStatus(t, e.do("PATCH", path+"/1", e.admin, `{"value":"medium"}`), http.StatusBadRequest)
		wantStatus(t, e.do("PATCH", path+"/1", e.admin, `{"colour":"red"}`), http.StatusBadRequest)
		wantStatus(t, e.do("PATCH", path+"/1", e.reader, `{"value":"high"}`), http.StatusForbidden)
		wantStatus(t, e.do("PATCH", path+"/3", e.admin, `{"value":"x"}`), http.StatusNotFound)
		wantStatus(t, e.do("PATCH", path+"/historical", e.admin, `{"value":"x"}`), http.StatusMethodNotAllowed)
		wantStatus(t, e.do("GET", path+"/1", e.admin, nil), http.StatusMethodNotAllowed)
		e.clock.Advance(time.Hour)
		wantStatus(t, e.do("PATCH", path+"/1", e.admin, `{"value":null}`), http.StatusNoContent)
		got = nil
		if e.do("GET", path, e.reader, nil).json(t, &got); len(got["categories"].([]any)) != 0 {
			t.Errorf("a null value must hide the category: %v", got)
		}

		r = e.do("GET", path+"/historical", e.reader, nil)
		wantStatus(t, r, http.StatusOK)
		var hist struct {
			CustomerID string `json:"customer_id"`
			Categories []struct {
				ID               int32
				Name             string
				HistoricalValues []map[string]any `json:"historical_values"`
			}
		}
		r.json(t, &hist)
		if hist.CustomerID != cid || len(hist.Categories) != 2 || len(hist.Categories[0].HistoricalValues) != 3 {
			t.Fatalf("CC1 %s", r.Body)
		}
		risk := hist.Categories[0].HistoricalValues
		if risk[0]["value"] != "high" || risk[0]["end_date"] != "2026-11-23T11:00:00Z" || risk[1]["value"] != "low" ||
			risk[1]["reason"] != nil || risk[1]["description"] != "Bill discount" || risk[2]["end_date"] != nil {
			t.Errorf("risk history %v", risk)
		}
		if _, ok := risk[2]["value"]; ok {
			t.Errorf("a hidden period shows a value: %v", risk[2])
		}
		for _, h := range risk {
			if by, _ := h["modified_by"].(string); !strings.HasPrefix(by, "key:") {
				t.Errorf("modified_by %q is not the key's principal", by)
			}
		}

		// Another org's key sees nothing; an ended customer is read-only.
		wantStatus(t, e.do("GET", "/v4/orgs/other/customers/"+cid+"/categories", e.otherOrg, nil), http.StatusNotFound)
		wantStatus(t, e.do("POST", "/v4/orgs/other/customers/"+cid+"/categories", e.otherOrg, `{"id":1,"value":"high"}`), http.StatusNotFound)
		wantStatus(t, e.do("DELETE", base+"/customers/"+cid, e.admin, nil), http.StatusNoContent)
		r = e.do("PATCH", path+"/2", e.admin, `{"value":"x"}`)
		if r.Status != http.StatusConflict || !strings.HasPrefix(r.details(t), "MCUS.409.002") {
			t.Errorf("ended customer: %d %s", r.Status, r.details(t))
		}
		wantStatus(t, e.do("GET", path+"/historical", e.reader, nil), http.StatusOK)
	})
}
