package httpapi

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDocsIndexesBothSurfaces(t *testing.T) {
	t.Parallel()
	v4 := indexOperations(OpenAPIV4)
	routes := New(Config{}).Routes()
	if len(v4) == 0 {
		t.Fatal("no v4 operations indexed")
	}
	// Every indexed v4 operation is a route, and has a summary: the index
	// reads the document's layout, so a change of layout shows here.
	for _, op := range v4 {
		if op.Summary == "" {
			t.Errorf("%s %s: no summary indexed", op.Method, op.Path)
		}
		found := false
		for _, r := range routes {
			found = found || r == op.Method+" "+op.Path
		}
		if !found {
			t.Errorf("indexed %s %s is not a route", op.Method, op.Path)
		}
	}
	if len(v4) != len(routes) {
		t.Errorf("indexed %d v4 operations, the server has %d routes", len(v4), len(routes))
	}
	products := indexOperations(OpenAPIProducts)
	if len(products) < 5 {
		t.Errorf("products index: %+v", products)
	}

	rec := httptest.NewRecorder()
	New(Config{}).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/docs", nil))
	body := rec.Body.String()
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("/docs: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, want := range []string{"Create a customer", "/oauth2/token", `href="/openapi/v4.yaml"`, "/v4/orgs/{org_id}/accounts/{account_id}"} {
		if !strings.Contains(body, want) {
			t.Errorf("/docs lacks %q", want)
		}
	}
}
