package httpapi_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/httpapi"
)

func TestProductsEveryRouteIsDocumentedAndEveryOperationRouted(t *testing.T) {
	t.Parallel()
	c := loadProductsContract(t)
	var documented []string
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	routed := httpapi.NewProducts(httpapi.ProductsConfig{}).Routes()
	slices.Sort(documented)
	slices.Sort(routed)
	if !slices.Equal(documented, routed) {
		t.Errorf("routes and document differ:\nrouted     %v\ndocumented %v", routed, documented)
	}
}

type productJSON struct {
	CustomerProductID string `json:"customerProductId"`
	ProductCode       string `json:"productCode"`
	ProductType       string `json:"productType"`
	Currency          string `json:"currency"`
	Status            string `json:"status"`
	AccountData       *struct {
		IBAN string `json:"iban"`
		BIC  string `json:"bic"`
	} `json:"accountData"`
	CreatedOn, ModifiedOn time.Time
	OpenedOn, ClosedOn    *time.Time
}

func (e *penv) create(token, customerID, code string) string {
	e.t.Helper()
	r := e.do("POST", "/customers/"+customerID+"/products", token, map[string]string{"productCode": code}, "Requestor-ID", requestor)
	wantStatus(e.t, r, http.StatusOK)
	var out struct {
		CustomerProductID string `json:"customerProductId"`
	}
	r.json(e.t, &out)
	return out.CustomerProductID
}

func (e *penv) get(token, id string) productJSON {
	e.t.Helper()
	r := e.do("GET", "/products/"+id, token, nil)
	wantStatus(e.t, r, http.StatusOK)
	var p productJSON
	r.json(e.t, &p)
	return p
}

func TestProductsLifecycle(t *testing.T) {
	t.Parallel()
	eachProducts(t, func(t *testing.T, e *penv) {
		tok := e.token(e.clientID, e.secret)
		cid := e.customer("telco", 1, false)
		cash := e.create(tok, cid, "BALANCE_ACCOUNT")
		p := e.get(tok, cash)
		if p.Status != "PENDING" || p.ProductType != "CASH" || p.Currency != "EUR" || p.AccountData != nil || p.OpenedOn != nil {
			t.Errorf("new cash product of an unidentified customer %+v", p)
		}
		dep := e.create(tok, cid, "DEPOSITORY_ACCOUNT")
		if d := e.get(tok, dep); d.Status != "ACTIVE" || d.Currency != "" || d.OpenedOn == nil || d.ProductType != "DEPOSITORY" {
			t.Errorf("depository %+v", d)
		}
		r := e.do("POST", "/customers/"+cid+"/products", tok, `{"productCode":"BALANCE_ACCOUNT"}`, "Requestor-ID", requestor)
		wantStatus(t, r, http.StatusBadRequest)
		if got := r.problem(t); got != "ALREADY_EXISTS productCode" {
			t.Errorf("duplicate: %s", got)
		}

		e.clock.Advance(time.Hour)
		e.identify("telco", cid)
		p = e.get(tok, cash)
		if p.Status != "ACTIVE" || p.AccountData == nil || crm.CheckIBAN(p.AccountData.IBAN) != "" || p.OpenedOn == nil || !p.ModifiedOn.Equal(*p.OpenedOn) {
			t.Fatalf("after identification %+v", p)
		}
		iban := p.AccountData.IBAN

		// Filters, the IBAN as people write it.
		spaced := strings.ToLower(iban[:4] + " " + iban[4:8] + " " + iban[8:])
		for query, want := range map[string][]string{
			"":                                      {cash, dep},
			"?iban=" + url.QueryEscape(spaced):      {cash},
			"?status=ACTIVE&productType=CASH":       {cash},
			"?productCode=DEPOSITORY_ACCOUNT":       {dep},
			"?productCode=WALLET":                   {},
			"?status=CLOSED":                        {},
			"?iban=ES7921000813610123456789":        {},
			"?productType=DEPOSITORY&status=ACTIVE": {dep},
		} {
			r := e.do("GET", "/customers/"+cid+"/products"+query, tok, nil)
			wantStatus(t, r, http.StatusOK)
			var list []productJSON
			r.json(t, &list)
			got := []string{}
			for _, p := range list {
				got = append(got, p.CustomerProductID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("list%s = %v, want %v", query, got, want)
			}
		}

		// Close, honouring If-Match; a second close is refused.
		e.clock.Advance(time.Hour)
		tok = e.token(e.clientID, e.secret) // the first one expired
		r = e.do("GET", "/products/"+cash, tok, nil)
		if r.Header.Get("ETag") != `"3"` {
			t.Errorf("ETag %q", r.Header.Get("ETag"))
		}
		wantStatus(t, e.do("PATCH", "/products/"+cash, tok, `{"status":"CLOSED"}`, "Requestor-ID", requestor, "If-Match", `"2"`), http.StatusPreconditionFailed)
		r = e.do("PATCH", "/products/"+cash, tok, `{"status":"CLOSED"}`, "Requestor-ID", requestor, "If-Match", `"3"`)
		wantStatus(t, r, http.StatusOK)
		if len(r.Body) != 0 {
			t.Errorf("PATCH answered a body: %s", r.Body)
		}
		r = e.do("PATCH", "/products/"+cash, tok, `{"status":"CLOSED"}`, "Requestor-ID", requestor)
		wantStatus(t, r, http.StatusBadRequest)
		if got := r.problem(t); got != "INVALID_STATE" {
			t.Errorf("second close: %s", got)
		}
		p = e.get(tok, cash)
		if p.Status != "CLOSED" || p.ClosedOn == nil || !p.ClosedOn.Equal(sqltestStart().Add(2*time.Hour)) || p.AccountData.IBAN != iban {
			t.Errorf("closed %+v", p)
		}

		// The outbox names the client and the requestor.
		var seen int
		evs, _ := e.db.Outbox.Events(t.Context(), "telco", 0, 0)
		for _, ev := range evs {
			if ev.AggregateID == cash && ev.RequestorID == requestor && strings.HasPrefix(ev.Actor, "client:") {
				seen++
			}
		}
		if seen != 3 { // created, pending, closed; the activation came from v4
			t.Errorf("%d product events with the requestor, want 3", seen)
		}
	})
}

func sqltestStart() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }

func TestProductsRefuseMalformedInput(t *testing.T) {
	t.Parallel()
	eachProducts(t, func(t *testing.T, e *penv) {
		tok := e.token(e.clientID, e.secret)
		cid := e.customer("telco", 1, true)
		pid := e.create(tok, cid, "WALLET")
		list := "/customers/" + cid + "/products"
		rid := []string{"Requestor-ID", requestor}
		cases := []struct {
			name, method, path, body string
			headers                  []string
			want                     string
		}{
			{"bad customer id", "GET", "/customers/nope/products", "", nil, "INVALID_PARAMETER customerId"},
			{"bad product id", "GET", "/products/0198a0f1", "", nil, "INVALID_PARAMETER customerProductId"},
			{"unknown status", "GET", list + "?status=OPEN", "", nil, "INVALID_PARAMETER status"},
			{"unknown type and code", "GET", list + "?productType=LOAN&productCode=LOAN", "", nil, "INVALID_PARAMETER productType productCode"},
			{"bad iban", "GET", list + "?iban=ES0021000813610123456789", "", nil, "INVALID_PARAMETER iban"},
			{"no Requestor-ID", "POST", list, `{"productCode":"WALLET"}`, nil, "INVALID_PARAMETER Requestor-ID"},
			{"bad Requestor-ID", "POST", list, `{"productCode":"WALLET"}`, []string{"Requestor-ID", "me"}, "INVALID_PARAMETER Requestor-ID"},
			{"unknown field", "POST", list, `{"productCode":"WALLET","currency":"EUR"}`, rid, "UNKNOWN_FIELD currency"},
			{"case-folded field", "POST", list, `{"ProductCode":"WALLET"}`, rid, "UNKNOWN_FIELD ProductCode"},
			{"no product code", "POST", list, `{}`, rid, "VALIDATION_ERROR productCode"},
			{"unknown product code", "POST", list, `{"productCode":"LOAN"}`, rid, "VALIDATION_ERROR productCode"},
			{"wrong type", "POST", list, `{"productCode":7}`, rid, "MALFORMED_REQUEST productCode"},
			{"not JSON", "POST", list, `{"productCode":`, rid, "MALFORMED_REQUEST"},
			{"no body", "POST", list, "", rid, "MALFORMED_REQUEST"},
			{"patch to ACTIVE", "PATCH", "/products/" + pid, `{"status":"ACTIVE"}`, rid, "VALIDATION_ERROR status"},
			{"patch to unknown", "PATCH", "/products/" + pid, `{"status":"GONE"}`, rid, "VALIDATION_ERROR status"},
			{"patch without status", "PATCH", "/products/" + pid, `{"closedOn":"2026-01-01T00:00:00Z"}`, rid, "UNKNOWN_FIELD closedOn"},
			{"patch without Requestor-ID", "PATCH", "/products/" + pid, `{"status":"CLOSED"}`, nil, "INVALID_PARAMETER Requestor-ID"},
			{"too large", "POST", list, `{"productCode":"` + strings.Repeat("A", httpapi.MaxBodyBytes) + `"}`, rid, "BODY_TOO_LARGE"},
		}
		for _, tc := range cases {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := e.do(tc.method, tc.path, tok, body, tc.headers...)
			if r.Status != http.StatusBadRequest {
				t.Errorf("%s: %d %s, want 400", tc.name, r.Status, r.Body)
				continue
			}
			if got := r.problem(t); got != tc.want {
				t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
			}
		}
		// Nothing was written by any of them.
		if got := e.get(tok, pid); got.Status != "ACTIVE" {
			t.Errorf("product after rejected requests %+v", got)
		}
		wantStatus(t, e.do("GET", "/products/0198a0f1-4567-7d43-ab00-000000000000", tok, nil), http.StatusNotFound)
		wantStatus(t, e.do("GET", "/customers/0198a0f1-4567-7d43-ab00-000000000000/products", tok, nil), http.StatusNotFound)
		wantStatus(t, e.do("PATCH", "/products/0198a0f1-4567-7d43-ab00-000000000000", tok, `{"status":"CLOSED"}`, rid...), http.StatusNotFound)
		wantStatus(t, e.do("POST", "/customers/0198a0f1-4567-7d43-ab00-000000000000/products", tok, `{"productCode":"WALLET"}`, rid...), http.StatusNotFound)
		r := e.do("DELETE", "/products/"+pid, tok, nil)
		if r.Status != http.StatusMethodNotAllowed || !strings.Contains(r.Header.Get("Allow"), "PATCH") {
			t.Errorf("DELETE: %d Allow %q", r.Status, r.Header.Get("Allow"))
		}
		if r := e.do("GET", "/customers/"+cid, tok, nil); r.Status != http.StatusNotFound || r.problem(t) != "NOT_FOUND" {
			t.Errorf("unknown path: %d %s", r.Status, r.Body)
		}
	})
}

func TestProductsIdempotencyKey(t *testing.T) {
	t.Parallel()
	eachProducts(t, func(t *testing.T, e *penv) {
		tok := e.token(e.clientID, e.secret)
		cid := e.customer("telco", 1, true)
		path := "/customers/" + cid + "/products"
		first := e.do("POST", path, tok, `{"productCode":"CURRENCY_WALLET"}`, "Requestor-ID", requestor, "Idempotency-Key", "k1")
		wantStatus(t, first, http.StatusOK)
		again := e.do("POST", path, tok, `{"productCode":"CURRENCY_WALLET"}`, "Requestor-ID", requestor, "Idempotency-Key", "k1")
		wantStatus(t, again, http.StatusOK)
		if string(again.Body) != string(first.Body) || again.Header.Get("Idempotency-Replayed") != "true" {
			t.Errorf("replay %s vs %s", again.Body, first.Body)
		}
		r := e.do("POST", path, tok, `{"productCode":"WALLET"}`, "Requestor-ID", requestor, "Idempotency-Key", "k1")
		wantStatus(t, r, http.StatusConflict)
		if got := r.problem(t); got != "IDEMPOTENCY_KEY_REUSED" {
			t.Errorf("reused key: %s", got)
		}
		list, _ := e.db.Products.ListCustomerProducts(t.Context(), "telco", cid, crm.ProductFilter{})
		if len(list) != 1 {
			t.Errorf("%d products after a replay, want 1", len(list))
		}
	})
}
