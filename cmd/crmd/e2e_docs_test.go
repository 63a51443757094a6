package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/telcoops/crm/httpapi"
)

// TestDocsInBrowser loads /docs of the real binary in headless Chromium and
// checks what a reader sees: both surfaces, every operation of each
// document, authentication explained, "try it" answering from this server
// (an API key on v4, a client-credentials token on products), and no
// request to any other origin, nor any script error or blocked resource.
// It saves screenshots in $CRM_TEST_ARTIFACTS. Without Chromium it skips,
// unless CRM_TEST_BROWSER=required.
func TestDocsInBrowser(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary and a browser")
	}
	chromium := findChromium(t)
	artifacts := os.Getenv("CRM_TEST_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	} else if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	bin := crmdBinary(t)
	dsn := "sqlite:" + filepath.Join(dir, "data", "crm.db")
	key := createKey(t, bin, dsn, "admin")
	clientID, secret := createClient(t, bin, dsn)
	base, logs := startServer(t, bin, dir, dsn)
	c := &client{t: t, base: base + "/v4/orgs/telco", key: key}
	var customer struct{ ID string }
	c.call("POST", "/customers", readExample(t, "NewPrivateCustomer"), 201, &customer)

	b := newBrowser(t, chromium, base)
	b.open("/docs")
	b.waitFor(`document.querySelectorAll("#ui-v4 .opblock").length > 0`)
	b.screenshot(filepath.Join(artifacts, "docs.png"))
	onScreen := b.eval(`["#tab-v4", "#tab-products", "#ui-v4 .opblock"].every(sel => {
		const r = document.querySelector(sel).getBoundingClientRect();
		return r.height > 0 && r.bottom <= window.innerHeight })`)
	if onScreen != "true" {
		t.Error("both tabs and the first operation are not on screen without scrolling")
	}

	t.Run("v4", func(t *testing.T) {
		b.t = t
		checkSurface(t, b, "v4", httpapi.OpenAPIV4, "createCustomer")
		if b.visible("#ui-v4 .information-container .info") {
			t.Error("the document's introduction is not folded")
		}
		b.click("#ui-v4 .docs-intro > summary")
		if !strings.Contains(b.text("#ui-v4 .information-container .info"), "Authentication and roles") {
			t.Error("the unfolded introduction lacks the document's authentication section")
		}
		for _, want := range []string{"Authorization: Bearer crm_", "x-api-key: crm_", "crmd keys create"} {
			if !strings.Contains(b.text("#auth-v4"), want) {
				t.Errorf("the v4 authentication note lacks %q", want)
			}
		}
		b.authorize("v4", "bearerAuth", key)
		status := b.tryIt("v4", "listCategories", map[string]string{"org_id": "telco"})
		if status != "200" {
			t.Errorf("try it on listCategories with the key: %s", status)
		}
		b.screenshotOf(`#ui-v4 [id$="-listCategories"] .live-responses-table`, filepath.Join(artifacts, "docs-try-it.png"))
	})

	t.Run("products", func(t *testing.T) {
		b.t = t
		b.click("#tab-products")
		b.waitFor(`document.querySelectorAll("#ui-products .opblock").length > 0`)
		if !b.visible("#auth-products") || b.visible("#auth-v4") || b.visible("#ui-v4") {
			t.Error("the products tab does not show its own authentication note and reference alone")
		}
		checkSurface(t, b, "products", httpapi.OpenAPIProducts, "createCustomerProduct")
		for _, want := range []string{"POST /oauth2/token", "client_credentials", "Authorization: Bearer crmat_", "crmd clients create"} {
			if !strings.Contains(b.text("#auth-products"), want) {
				t.Errorf("the products authentication note lacks %q", want)
			}
		}
		b.screenshot(filepath.Join(artifacts, "docs-products.png"))
		b.authorizeClient("products", clientID, secret)
		status := b.tryIt("products", "getCustomerProducts", map[string]string{"customerId": customer.ID})
		if status != "200" {
			t.Errorf("try it on getCustomerProducts with a token from the page: %s", status)
		}
	})

	b.t = t
	if foreign := b.foreign(); len(foreign) > 0 {
		t.Errorf("the page sent requests to other origins: %q", foreign)
	}
	if problems := b.problems(); len(problems) > 0 {
		t.Errorf("the page reported errors or blocked resources: %q", problems)
	}
	for _, path := range []string{"/v4/orgs/telco/categories", "/oauth2/token", "/customers/" + customer.ID + "/products"} {
		if !slices.Contains(b.sent(), base+path) {
			t.Errorf("no request from the page to %s; it sent %q", path, b.sent())
		}
	}
	t.Logf("screenshots in %s", artifacts)
	if t.Failed() {
		t.Logf("server log:\n%s", logs.String())
	}
}

// checkSurface checks that the surface's reference shows every operation
// of its document, once, and names the operation opID by its summary.
func checkSurface(t *testing.T, b *browser, surface string, raw []byte, opID string) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	var summary string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			want = append(want, method+" "+path)
			if op.OperationID == opID {
				summary = op.Summary
			}
		}
	}
	if summary == "" {
		t.Fatalf("%s: no operation %s with a summary in the document", surface, opID)
	}
	shown := b.operations(surface)
	var got []string
	for _, op := range shown {
		got = append(got, op.Method+" "+op.Path)
	}
	slices.Sort(want)
	slices.Sort(got)
	got = slices.Compact(got) // an operation of two tags shows under both
	if !slices.Equal(got, want) {
		t.Errorf("%s: the page shows %d operations, the document has %d", surface, len(got), len(want))
	}
	named := slices.ContainsFunc(shown, func(op shownOperation) bool {
		return strings.HasSuffix(op.ID, "-"+opID) && op.Summary == summary
	})
	if !named {
		t.Errorf("%s: operation %s (%q) not shown", surface, opID, summary)
	}
}

// findChromium returns Debian's chromium, or skips the test without it
// (fails instead when CRM_TEST_BROWSER=required, as in CI).
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CRM_TEST_BROWSER") == "required" {
		t.Fatal("chromium not found and CRM_TEST_BROWSER=required (apt-get install -y chromium)")
	}
	t.Skip("chromium not found (apt-get install -y chromium; CRM_TEST_BROWSER=required makes this a failure)")
	return ""
}

// startServer runs the binary from dir on dsn until the test ends, and
// returns its base URL and its log.
func startServer(t *testing.T, bin, dir, dsn string) (string, *syncBuffer) {
	t.Helper()
	addr := freeAddr(t)
	srv := exec.Command(bin, "serve", "--addr", addr, "--database-url", dsn)
	srv.Dir = dir
	logs := &syncBuffer{}
	srv.Stdout, srv.Stderr = logs, logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Process.Kill()
		srv.Wait()
	})
	base := "http://" + addr
	waitReady(t, base+"/readyz")
	return base, logs
}
