package httpapi_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/httpapi"
)

const pan = "4111 1111 1111 1111" // a test card number that passes Luhn

// TestBadTextIsRefused (hole 3): NUL and invalid UTF-8 in a body, a path
// segment, a query value or the Idempotency-Key are a 400 naming the
// field on both engines, where PostgreSQL answered 500 and SQLite stored
// the text (or encoding/json stored U+FFFD).
func TestBadTextIsRefused(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		tests := []struct {
			method, path, body string
			headers            []string
			want               string // in the details
		}{
			{"POST", "/customers", "{\"type\":\"PRIVATE_CUSTOMER\",\"personal_info\":{\"name\":\"Jos\xe9\"}}", nil, "personal_info.name: must be valid UTF-8"},
			{"POST", "/customers", `{"type":"PRIVATE_CUSTOMER","personal_info":{"name":"a\u0000"}}`, nil, "personal_info.name: must not contain the NUL character"},
			{"POST", "/customers", `{"type":"PRIVATE_CUSTOMER","personal_info":{"name":"\ud800"}}`, nil, "personal_info.name: must be valid UTF-8"},
			{"PATCH", "/customers/" + cid, `{"personal_info":{"name":"x\udc00y"}}`, nil, "personal_info.name: must be valid UTF-8"},
			{"POST", "/webhooks", `{"url":"https://example.com/\u0000","event_types":["customer.created"]}`, nil, "url: must not contain the NUL character"},
			{"GET", "/external-customers/a%00b", "", nil, "customer_external_id: must not contain the NUL character"},
			{"GET", "/external-customers/Jos%E9", "", nil, "customer_external_id: must be valid UTF-8"},
			{"GET", "/external-accounts/%FF", "", nil, "account_external_id: must be valid UTF-8"},
			{"GET", "/external-accounts/%00/contracts", "", nil, "account_external_id: must not contain the NUL character"},
			{"POST", "/tokenization-requests/a%00/result", `{"status":"FAILED"}`, nil, "reference_id: must not contain the NUL character"},
			{"GET", "/customers?email=a%00@b.es", "", nil, "email: must not contain the NUL character"},
			{"GET", "/customers?identity_document=%E9", "", nil, "identity_document: must be valid UTF-8"},
			{"GET", "/customers?username=x%FF", "", nil, "username: must be valid UTF-8"},
			{"POST", "/customers", `{"type":"PRIVATE_CUSTOMER"}`, []string{"Idempotency-Key", "k\xff"}, "Idempotency-Key: must be valid UTF-8"},
		}
		for _, tt := range tests {
			r := e.do(tt.method, base+tt.path, e.admin, nilIfEmpty(tt.body), tt.headers...)
			if r.Status != http.StatusBadRequest || !strings.Contains(r.details(t), tt.want) {
				t.Errorf("%s %s: %d %s, want 400 naming %q", tt.method, tt.path, r.Status, r.Body, tt.want)
			}
		}
	})
}

// TestCardNumbersAreRefused (hole 5): a card number as a tokenization
// reference id (in the gateway's path and in a payment method), an account
// external id, a promotion name, a search value or an Idempotency-Key is a
// 400 naming the field, and the number is neither echoed nor logged.
func TestCardNumbersAreRefused(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		var acc created
		e.do("POST", base+"/customers/"+cid+"/accounts", e.admin, example(t, "PostAccount")).json(t, &acc)
		gw := e.key("telco", crm.RolePaymentsGateway)
		compact := strings.ReplaceAll(pan, " ", "")
		tests := []struct {
			method, path, key, body string
			headers                 []string
			want                    string
		}{
			{"POST", "/tokenization-requests/" + compact + "/result", gw, `{"status":"FAILED"}`, nil, "reference_id: must not contain a card number"},
			{"POST", "/tokenization-requests/4111-1111-1111-1111/result", gw, `{"status":"FAILED"}`, nil, "reference_id: must not contain a card number"},
			{"PATCH", "/accounts/" + acc.ID + "/payment-method", e.admin, `{"type":"CREDIT_CARD","details":{"reference_id":"` + pan + `"}}`, nil, "details.reference_id: must not contain a card number"},
			{"POST", "/customers/" + cid + "/accounts", e.admin, `{"modality":"POSTPAID","external_id":"` + compact + `","payment_method":{"type":"BANK_TRANSFER","details":{"iban":"ES7921000813610123456789"}}}`, nil, "external_id: must not contain a card number"},
			{"POST", "/accounts/" + acc.ID + "/promotions", e.admin, `{"promotion_code":"P","name":"card ` + pan + `","start_date":"2026-11-01"}`, nil, "name: must not contain a card number"},
			{"GET", "/external-accounts/" + compact, e.admin, "", nil, "account_external_id: must not contain a card number"},
			{"GET", "/customers?username=" + compact, e.admin, "", nil, "username: must not contain a card number"},
			{"POST", "/customers", e.admin, `{"type":"PRIVATE_CUSTOMER"}`, []string{"Idempotency-Key", compact}, "Idempotency-Key: must not contain a card number"},
		}
		for _, tt := range tests {
			r := e.do(tt.method, base+tt.path, tt.key, nilIfEmpty(tt.body), tt.headers...)
			if r.Status != http.StatusBadRequest || !strings.Contains(r.details(t), tt.want) {
				t.Errorf("%s %s: %d %s, want 400 naming %q", tt.method, tt.path, r.Status, r.Body, tt.want)
			}
			// The error's ref is the request id, a random UUID that may hold
			// "1111" by chance; nothing else in the answer may.
			rest := bytes.ReplaceAll(r.Body, []byte(r.Header.Get("X-Request-Id")), nil)
			if bytes.Contains(rest, []byte("1111")) {
				t.Errorf("%s %s: the answer echoes the card number: %s", tt.method, tt.path, r.Body)
			}
		}
		// Nothing was stored under the refused reference id.
		var list struct {
			TokenizationRequests []any `json:"tokenization_requests"`
		}
		e.do("GET", base+"/accounts/"+acc.ID+"/tokenization-requests", e.admin, nil).json(t, &list)
		if len(list.TokenizationRequests) != 0 {
			t.Errorf("tokenization requests stored: %v", list.TokenizationRequests)
		}
	})
}

// TestRequestLogRedactsPersonalPathSegments: a card number, IBAN or
// document number in a path is logged as [redacted], and no query string
// is logged.
func TestRequestLogRedactsPersonalPathSegments(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := httpapi.New(httpapi.Config{Logger: slog.New(slog.NewJSONHandler(&buf, nil))}).Handler()
	for _, p := range []string{
		"/v4/orgs/telco/tokenization-requests/4111111111111111/result",
		"/v4/orgs/telco/external-accounts/ES7921000813610123456789",
		"/v4/orgs/telco/external-customers/14861628V?email=someone@example.com",
	} {
		method := "GET"
		if strings.HasSuffix(p, "/result") {
			method = "POST"
		}
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, p, nil))
	}
	log := buf.String()
	for _, secret := range []string{"4111111111111111", "ES7921000813610123456789", "14861628V", "someone@example.com"} {
		if strings.Contains(log, secret) {
			t.Errorf("the request log holds %s:\n%s", secret, log)
		}
	}
	if n := strings.Count(log, "[redacted]"); n != 3 {
		t.Errorf("%d segments redacted, want 3:\n%s", n, log)
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
