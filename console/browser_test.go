package console

import (
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestConsoleInBrowser drives the console in headless Chromium on each
// engine: sign in, search by document (customer-search), open the
// customer's 360 page, change the email (sent under If-Match), see the
// change in the timeline, then lose a race: the customer is changed
// through the API between page load and submit, and the page says so.
// Then two customers sharing a phone are merged: the other is listed as a
// possible duplicate, confirmed, merged; the survivor holds its account
// and it shows as merged; merging it again is refused in words. It saves
// screenshots in $CRM_TEST_SCREENSHOTS.
// Without Chromium it skips, unless CRM_TEST_BROWSER=required.
func TestConsoleInBrowser(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs a browser")
	}
	chromium := findChromium(t)
	shots := os.Getenv("CRM_TEST_SCREENSHOTS")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		w := newWorld(t, db, clock)
		key := w.key("telco", crm.RoleAdmin)
		id := seedCustomer(w, key)
		b := newBrowser(t, chromium)
		shot := func(name string, full bool) {
			if shots != "" {
				b.screenshot(filepath.Join(shots, filepath.Base(t.Name())+"-"+name+".png"), full)
			}
		}

		b.navigate(w.base + Prefix + "/")
		b.waitVisible("#key")
		shot("sign-in", false)
		b.setValue("#org", "telco")
		b.setValue("#key", key)
		b.submit("#key")
		b.waitVisible("#q")

		b.setValue("#q", "14861628v")
		b.submit("#q")
		b.waitVisible("#results")
		if got := b.text("#results"); !strings.Contains(got, "Antonio Benavente") {
			t.Fatalf("search by document lists %q", got)
		}
		shot("search", false)

		b.clickAndLoad("#results a")
		b.waitVisible("#customer-name")
		for sel, want := range map[string]string{"#data": "14861628V", "#accounts": "ES79", "#categories": "risk"} {
			if got := b.text(sel); !strings.Contains(got, want) {
				t.Errorf("%s shows %q, want it to contain %q", sel, got, want)
			}
		}
		shot("customer", false)
		shot("customer-full", true)
		// Every field is labelled, the page says its language, and at a
		// tablet's width nothing needs scrolling sideways.
		if got := b.eval(`[...document.querySelectorAll("input:not([type=hidden]), select")].filter(e => e.labels.length == 0).map(e => e.name)`); got != "[]" {
			t.Errorf("fields without a label: %s", got)
		}
		if got := b.eval(`document.documentElement.lang`); got != `"en"` {
			t.Errorf("lang = %s", got)
		}
		b.do(chromedp.EmulateViewport(768, 1024))
		if got := b.eval(`document.documentElement.scrollWidth <= window.innerWidth`); got != "true" {
			t.Errorf("the customer page scrolls sideways at 768 px")
		}
		shot("customer-tablet", false)
		b.do(chromedp.EmulateReset())

		b.setValue("#email", "changed@example.com")
		b.submit("#email")
		b.waitVisible("#flash")
		if got := b.text("#flash"); got != "Contact information saved." {
			t.Fatalf("after changing the email: %q", got)
		}
		if got := b.text("#data"); !strings.Contains(got, "changed@example.com") {
			t.Errorf("the customer data does not show the new email: %q", got)
		}
		if got := b.text("#timeline"); !strings.Contains(got, crm.EventCustomerUpdated) {
			t.Errorf("the timeline lacks the update: %q", got)
		}
		shot("saved", false)

		// Someone else changes the customer after the page was read.
		b.navigate(w.base + Prefix + "/customers/" + id)
		b.waitVisible("#email")
		status, etag, _ := w.call(key, "GET", "/v4/orgs/telco/customers/"+id, "", nil)
		if status != 200 {
			t.Fatalf("GET customer: %d", status)
		}
		if status, _, body := w.call(key, "PATCH", "/v4/orgs/telco/customers/"+id, etag, map[string]any{"preferred_language": "ca"}); status != 204 {
			t.Fatalf("PATCH through the API: %d %s", status, body)
		}
		b.setValue("#email", "late@example.com")
		b.submit("#email")
		b.waitVisible("#flash")
		if got := b.text("#flash"); !strings.Contains(got, "Changed by someone else since you opened it: reload") {
			t.Errorf("after a concurrent change: %q", got)
		}
		if got := b.text("#data"); strings.Contains(got, "late@example.com") {
			t.Error("the stale form was written")
		}
		shot("conflict", false)

		mergeDuplicates(t, w, b, key, id, shot)

		if foreign := b.foreign(w.base); len(foreign) > 0 {
			t.Errorf("the console requested other origins: %q", foreign)
		}
		if len(b.errs) > 0 {
			t.Errorf("the page reported errors: %q", b.errs)
		}
	})
}

// seedCustomer creates the documentation's private customer with a
// direct-debit account, a billing address and a category value.
func seedCustomer(w *world, key string) string {
	w.t.Helper()
	id := w.customer("telco", key, "14861628V", "email@example.com")
	must := func(want int, method, path string, body any) []byte {
		status, _, raw := w.call(key, method, "/v4/orgs/telco"+path, "", body)
		if status != want {
			w.t.Fatalf("%s %s: %d %s", method, path, status, raw)
		}
		return raw
	}
	raw := must(200, "POST", "/customers/"+id+"/accounts", map[string]any{"modality": "POSTPAID",
		"payment_method": map[string]any{"type": "DIRECT_DEBIT", "details": map[string]any{"iban": "ES7921000813610123456789"}}})
	acc := strings.Split(strings.Split(string(raw), `"id":"`)[1], `"`)[0]
	must(204, "PUT", "/accounts/"+acc+"/billing-address", map[string]any{"address_lines": []string{"Avenida de Bruselas, 38"},
		"postal_code": "28108", "locality": "Alcobendas", "administrative_area": "Madrid", "region_code": "ES"})
	must(201, "POST", "/categories", map[string]any{"categories": []any{map[string]any{"name": "risk", "description": "Risk category", "valid_values": []string{"high", "low"}}}})
	raw = must(200, "GET", "/categories", nil)
	cat, _ := strconv.Atoi(strings.Split(strings.Split(string(raw), `"id":`)[1], ",")[0])
	must(201, "POST", "/customers/"+id+"/categories", map[string]any{"id": cat, "value": "low"})
	return id
}

// mergeDuplicates creates a second customer sharing the first's phone,
// with an account, and merges it into the first through the console.
func mergeDuplicates(t *testing.T, w *world, b *browser, key, id string, shot func(string, bool)) {
	t.Helper()
	dup := w.customer("telco", key, "12345678Z", "twin@example.com")
	status, _, raw := w.call(key, "POST", "/v4/orgs/telco/customers/"+dup+"/accounts", "", map[string]any{"modality": "RECURRING_PREPAID",
		"payment_method": map[string]any{"type": "BANK_TRANSFER", "details": map[string]any{"iban": "ES9121000418450200051332"}}})
	if status != 200 {
		t.Fatalf("account of the duplicate: %d %s", status, raw)
	}
	account := strings.Split(strings.Split(string(raw), `"id":"`)[1], `"`)[0]
	b.do(chromedp.EmulateViewport(1280, 757)) // a desktop again, after the tablet

	// The search box finds both by the phone, however it is written.
	b.navigate(w.base + Prefix + "/search?q=" + url.QueryEscape("+34 615 667 898"))
	b.waitVisible("#results")
	if got := b.eval(`document.querySelectorAll("#results tbody tr").length`); got != "2" {
		t.Errorf("search by phone lists %s customers, want 2: %q", got, b.text("#results"))
	}
	if got := b.text("#results"); !strings.Contains(got, "Phone") {
		t.Errorf("search by phone does not say it matched the phone: %q", got)
	}
	shot("search-phone", false)

	b.navigate(w.base + Prefix + "/customers/" + id)
	b.waitVisible("#merge-form")
	if got := b.eval(`document.querySelector("#dup-0") && document.querySelector("#dup-0").value`); got != strconv.Quote(dup) {
		t.Fatalf("the first possible duplicate is %s, want %s: %q", got, dup, b.text("#merge"))
	}
	b.do(chromedp.Click(chromedp.CSS("#dup-0")))
	b.submit("#merge-other")
	b.waitVisible("#merge-confirm")
	if got := b.text("#merged"); !strings.Contains(got, dup) || !strings.Contains(got, "12345678Z") {
		t.Errorf("the confirmation does not show the customer to merge: %q", got)
	}
	shot("merge-confirm", true)
	b.clickAndLoad("#merge-confirm button")
	b.waitVisible("#flash")
	if got := b.text("#flash"); !strings.Contains(got, "Merged customer "+dup) || !strings.Contains(got, "1 account") {
		t.Errorf("after merging: %q", got)
	}
	if got := b.text("#accounts"); !strings.Contains(got, account) {
		t.Errorf("the survivor does not hold the merged customer's account %s: %q", account, got)
	}
	if got := b.text("#timeline"); !strings.Contains(got, crm.EventCustomerAccountMoved) {
		t.Errorf("the survivor's timeline lacks the account's move: %q", got)
	}
	shot("merged", false)

	b.navigate(w.base + Prefix + "/customers/" + dup)
	b.waitVisible("#merged-into")
	if got := b.text("#status"); !strings.Contains(got, "Merged into customer "+id) {
		t.Errorf("the merged customer's status: %q", got)
	}
	if got := b.text("#timeline"); !strings.Contains(got, crm.EventCustomerMerged) {
		t.Errorf("the merged customer's timeline lacks the merge: %q", got)
	}
	shot("merged-away", false)

	// Merging it again is refused, in words.
	b.navigate(w.base + Prefix + "/customers/" + id)
	b.waitVisible("#merge-other")
	b.setValue("#merge-other", dup)
	b.submit("#merge-other")
	b.waitVisible("#merge-confirm")
	b.clickAndLoad("#merge-confirm button")
	b.waitVisible("#flash")
	if got := b.text("#flash"); !strings.HasPrefix(got, "Merge: refused: ") {
		t.Errorf("merging a merged customer again: %q", got)
	}
	shot("merge-refused", false)

	b.navigate(w.base + Prefix + "/customers/" + id + "/timeline")
	b.waitVisible("#bound")
	if got := b.text("#timeline"); !strings.Contains(got, crm.EventCustomerAccountMoved) || !strings.Contains(got, "changed@example.com") {
		t.Errorf("the full timeline lacks the account's move or the email change's values: %q", got)
	}
	shot("timeline", true)
}
