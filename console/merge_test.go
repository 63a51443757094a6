package console

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// mergeETag is the If-Match the customer page's merge form carries.
var mergeETag = regexp.MustCompile(`id="merge-form">\s*<input type="hidden" name="etag" value="([^"]*)">`)

// TestConsoleMerge posts the merge form and its confirmation as an agent
// would and checks what the next page says: the confirmation's own checks,
// a 412 as a stale page, the API's 400 naming the field, a 403 naming the
// role, success with what moved, then a 409 in words.
func TestConsoleMerge(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		w := newWorld(t, db, clock)
		key := w.key("telco", crm.RoleAdmin)
		reader := w.key("telco", crm.RoleCustomersRead)
		survivor := w.customer("telco", key, "14861628V", "one@example.com")
		other := w.customer("telco", key, "12345678Z", "two@example.com")
		a := w.agent()
		token := a.signIn("telco", key)
		page := a.get(Prefix + "/customers/" + survivor)
		if !strings.Contains(page.body, `value="`+other+`"`) {
			t.Fatalf("the customer sharing the phone is not offered as a possible duplicate:\n%s", page.body)
		}
		stale := htmlUnescape(mergeETag.FindStringSubmatch(page.body)[1])
		status, _, raw := w.call(key, "PATCH", "/v4/orgs/telco/customers/"+survivor, stale, map[string]any{"preferred_language": "ca"})
		if status != 204 {
			t.Fatalf("PATCH: %d %s", status, raw)
		}
		fresh := htmlUnescape(mergeETag.FindStringSubmatch(a.get(Prefix + "/customers/" + survivor).body)[1])

		confirm := func(other string) string {
			p := a.get(Prefix + "/customers/" + survivor + "/merge?" + url.Values{"etag": {fresh}, "other": {"", other}}.Encode())
			if p.status == 200 {
				return "confirm"
			}
			return messageOn(t, a.get(Prefix+"/customers/"+survivor))
		}
		post := func(a *agent, token, etag, other string) string {
			p := a.post(Prefix+"/customers/"+survivor+"/merge", url.Values{"csrf": {token}, "etag": {etag}, "other": {other}})
			if p.status != 303 {
				t.Fatalf("merge form: %d %s", p.status, p.body)
			}
			return messageOn(t, a.get(Prefix+"/customers/"+survivor))
		}
		readerAgent := w.agent()
		readerToken := readerAgent.signIn("telco", reader)
		for _, tc := range []struct {
			name string
			got  func() string
			want string
		}{
			{"confirm: no id", func() string { return confirm("") }, "Merge: give the id of the customer to merge into this one (a UUID), or pick a possible duplicate."},
			{"confirm: itself", func() string { return confirm(survivor) }, "Merge: a customer cannot be merged into itself."},
			{"confirm: the other", func() string { return confirm(other) }, "confirm"},
			{"stale page", func() string { return post(a, token, stale, other) }, "Merge: " + staleMessage},
			{"not a UUID", func() string { return post(a, token, fresh, "C-1") }, "Merge: merged_customer_id: must be a UUID"},
			{"without the role", func() string { return post(readerAgent, readerToken, fresh, other) }, "Merge: your key may not merge customers (it needs the role customers:merge or admin): "},
			{"merged", func() string { return post(a, token, fresh, other) }, fmt.Sprintf("Merged customer %s into this one.", other)},
			{"again", func() string {
				return post(a, token, htmlUnescape(regexp.MustCompile(`name="etag" value="([^"]*)"`).FindStringSubmatch(a.get(Prefix + "/customers/" + survivor).body)[1]), other)
			}, "Merge: refused: "},
		} {
			got := tc.got()
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("%s:\n%s", tc.name, cmp.Diff(tc.want, got))
			}
		}
		if p := a.get(Prefix + "/customers/" + other); !strings.Contains(p.body, `id="merged-into" href="/console/customers/`+survivor+`"`) {
			t.Errorf("the merged customer's page does not link its survivor:\n%s", p.body)
		}
	})
}

// TestConsoleSearchPages: a search matching more customers than a page
// shows links the next page through the API's cursor; the last page has
// no such link, and together they list every customer once.
func TestConsoleSearchPages(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		w := newWorld(t, db, clock)
		key := w.key("telco", crm.RoleAdmin)
		want := map[string]bool{}
		for n := range searchPageSize + 1 {
			number := 10000000 + n
			nif := fmt.Sprintf("%d%c", number, "TRWAGMYFPDXBNJZSQVHLCKE"[number%23])
			want[w.customer("telco", key, nif, fmt.Sprintf("c%d@example.com", n))] = true
		}
		a := w.agent()
		a.signIn("telco", key)
		row := regexp.MustCompile(`<a href="/console/customers/([0-9a-f-]{36})">`)
		next := regexp.MustCompile(`id="next-page" href="([^"]+)"`)
		got := map[string]bool{}
		var sizes []int
		path := Prefix + "/search?q=" + url.QueryEscape("antonio benav")
		for range 3 {
			p := a.get(path)
			rows := row.FindAllStringSubmatch(p.body, -1)
			sizes = append(sizes, len(rows))
			for _, r := range rows {
				if got[r[1]] {
					t.Errorf("%s listed twice", r[1])
				}
				got[r[1]] = true
			}
			m := next.FindStringSubmatch(p.body)
			if m == nil {
				break
			}
			path = html.UnescapeString(m[1])
		}
		if diff := cmp.Diff([]int{searchPageSize, 1}, sizes); diff != "" {
			t.Errorf("rows per page:\n%s", diff)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("customers listed:\n%s", diff)
		}
	})
}
