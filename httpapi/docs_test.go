package httpapi_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm/httpapi"
)

// docsServed is what the tests read off an answer of /docs or an asset.
type docsServed struct {
	Status       int
	ContentType  string
	CacheControl string
	Policy       string
}

func docsAnswer(res response) docsServed {
	return docsServed{Status: res.Status, ContentType: res.Header.Get("Content-Type"),
		CacheControl: res.Header.Get("Cache-Control"), Policy: res.Header.Get("Content-Security-Policy")}
}

const docsPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// TestDocsServed checks the /docs page and its assets: their media types,
// their caching (the vendored Swagger UI for good, the rest revalidated),
// the policy that keeps the page on this origin, and that nothing else of
// the embedded directory is served. The assets are static files, not in
// the documents, so their answers are checked here rather than against
// the contract; /docs itself is.
func TestDocsServed(t *testing.T) {
	t.Parallel()
	h := httpapi.New(httpapi.Config{}).Handler()
	page := send(t, h, loadContract(t), "GET", "/docs", "", nil)
	if diff := cmp.Diff(docsServed{200, "text/html; charset=utf-8", "no-cache", docsPolicy}, docsAnswer(page)); diff != "" {
		t.Errorf("/docs (-want +got):\n%s", diff)
	}
	immutable := "public, max-age=31536000, immutable"
	notFound := docsServed{Status: 404, ContentType: "application/json"}
	cases := []struct {
		path string
		want docsServed
	}{
		{"/docs/assets/swagger-ui-5.35.0/swagger-ui-bundle.js", docsServed{200, "text/javascript; charset=utf-8", immutable, docsPolicy}},
		{"/docs/assets/swagger-ui-5.35.0/swagger-ui.css", docsServed{200, "text/css; charset=utf-8", immutable, docsPolicy}},
		{"/docs/assets/swagger-ui-5.35.0/favicon-32x32.png", docsServed{200, "image/png", immutable, docsPolicy}},
		{"/docs/assets/docs.js", docsServed{200, "text/javascript; charset=utf-8", "no-cache", docsPolicy}},
		{"/docs/assets/docs.css", docsServed{200, "text/css; charset=utf-8", "no-cache", docsPolicy}},
		{"/docs/assets/index.html", notFound},
		{"/docs/assets/swagger-ui-5.35.0/LICENSE", notFound},
		{"/docs/assets/README.md", notFound},
		{"/docs/assets/nothing.js", notFound},
		{"/docs/assets/swagger-ui-5.35.0/nothing.css", notFound},
	}
	for _, c := range cases {
		_, res := serve(h, "GET", c.path, nil)
		if diff := cmp.Diff(c.want, docsAnswer(res)); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", c.path, diff)
		}
	}

	// Every asset the page names is served; an unchanged one is a 304.
	refs := regexp.MustCompile(`(?:src|href)="(/docs/assets/[^"]+)"`).FindAllStringSubmatch(string(page.Body), -1)
	if len(refs) < 4 {
		t.Fatalf("the page names %d assets: %q", len(refs), refs)
	}
	for _, ref := range refs {
		_, res := serve(h, "GET", ref[1], nil)
		if res.Status != 200 || len(res.Body) == 0 {
			t.Errorf("%s, named by the page: %d", ref[1], res.Status)
			continue
		}
		_, again := serve(h, "GET", ref[1], nil, "If-None-Match", res.Header.Get("ETag"))
		if again.Status != http.StatusNotModified {
			t.Errorf("%s with its ETag: %d, want 304", ref[1], again.Status)
		}
	}
}

// TestDocsShowEveryRoute checks that the page offers both surfaces, and
// that every route of either server is an operation of the document that
// the page loads for its surface, so the reference misses none.
func TestDocsShowEveryRoute(t *testing.T) {
	t.Parallel()
	h := httpapi.New(httpapi.Config{}).Handler()
	page := string(send(t, h, loadContract(t), "GET", "/docs", "", nil).Body)
	_, script := serve(h, "GET", "/docs/assets/docs.js", nil)
	surfaces := []struct {
		tab, spec string
		c         *contract
		routes    []string
	}{
		{"Customers API v4", "/openapi/v4.yaml", loadContract(t), httpapi.New(httpapi.Config{}).Routes()},
		{"Customer Products API", "/openapi/products.yaml", loadProductsContract(t), httpapi.NewProducts(httpapi.ProductsConfig{}).Routes()},
	}
	for _, s := range surfaces {
		if !strings.Contains(page, ">"+s.tab+"</a>") {
			t.Errorf("the page has no %q tab", s.tab)
		}
		if !strings.Contains(string(script.Body), `"`+s.spec+`"`) {
			t.Errorf("docs.js does not load %s", s.spec)
		}
		if len(s.routes) < 5 {
			t.Fatalf("%s: %d routes", s.tab, len(s.routes))
		}
		for _, route := range s.routes {
			method, path, _ := strings.Cut(route, " ")
			if item := s.c.doc.Paths.Find(path); item == nil || item.GetOperation(method) == nil {
				t.Errorf("%s: route %s is not in %s, so not in the reference", s.tab, route, s.spec)
			}
		}
		if slices.Contains(s.routes, "GET /docs/assets/{file...}") {
			t.Errorf("%s: the docs assets are listed as a route", s.tab)
		}
	}
	for _, want := range []string{"Authorization: Bearer crm_", "x-api-key: crm_", "POST /oauth2/token", "Authorization: Bearer crmat_"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not explain %q", want)
		}
	}
}
