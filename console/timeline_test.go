package console

import (
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// timelineName is the name the timeline test gives a customer at its
// write i: letters only, as names are.
func timelineName(i int) string {
	return "Renamed" + string(rune('a'+i/26)) + string(rune('a'+i%26))
}

// renamedTo finds the names the timeline shows as changed to, in order.
var renamedTo = regexp.MustCompile(`<td>(Renamed[a-z]{2})</td></tr>`)

// TestTimelinePages: the full timeline shows the customer's history
// newest first, timelineShown events a page with each change before and
// after, none of another customer's, and pages to the older events through
// the "Older events" link until none is left; a key without events:read
// is told why it sees none, and a forged cursor is refused.
func TestTimelinePages(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		w := newWorld(t, db, clock)
		admin := w.key("telco", crm.RoleAdmin)
		id := w.customer("telco", admin, "14861628V", "mine@example.com")
		other := w.customer("telco", admin, "12345678Z", "other@example.com")
		const writes = timelineShown + 5
		var want []string
		for i := range writes {
			for _, c := range []string{id, other} {
				status, _, body := w.call(admin, "PATCH", "/v4/orgs/telco/customers/"+c, "",
					map[string]any{"personal_info": map[string]any{"name": timelineName(i)}})
				if status != http.StatusNoContent {
					t.Fatalf("rename: %d %s", status, body)
				}
			}
			want = append(want, timelineName(i))
		}
		slices.Reverse(want)

		a := w.agent()
		a.signIn("telco", admin)
		var got []string
		path, pages := Prefix+"/customers/"+id+"/timeline", 0
		for path != "" && pages < 5 {
			p := a.get(path)
			pages++
			if p.status != http.StatusOK {
				t.Fatalf("page %d: %d\n%s", pages, p.status, p.body)
			}
			if strings.Contains(p.body, other) {
				t.Errorf("page %d shows the other customer's events", pages)
			}
			if n := strings.Count(p.body, `<strong class="event-type">`); n > timelineShown {
				t.Errorf("page %d shows %d events, more than %d", pages, n, timelineShown)
			}
			for _, m := range renamedTo.FindAllStringSubmatch(p.body, -1) {
				got = append(got, m[1])
			}
			path = ""
			if m := regexp.MustCompile(`<a id="older" href="([^"]+)"`).FindStringSubmatch(p.body); m != nil {
				path = html.UnescapeString(m[1])
			}
			if pages == 2 && !strings.Contains(p.body, crm.EventCustomerCreated) {
				t.Errorf("the last page lacks the customer's creation")
			}
		}
		if pages != 2 {
			t.Errorf("%d pages, want 2", pages)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("names changed to, in the order shown (-want +got):\n%s", diff)
		}

		for _, tc := range []struct{ name, key, path, want string }{
			{"no events:read", w.key("telco", crm.RoleCustomersRead), Prefix + "/customers/" + id + "/timeline", "needs the role events:read"},
			{"forged cursor", admin, Prefix + "/customers/" + id + "/timeline?cursor=AAAAAAAAAAAAAAAAAAAAAA", "cursor"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b := w.agent()
				b.signIn("telco", tc.key)
				p := b.get(tc.path)
				if p.status != http.StatusOK || !strings.Contains(p.body, tc.want) || strings.Contains(p.body, `class="event-type"`) {
					t.Errorf("%d, want 200 saying %q and no events:\n%s", p.status, tc.want, p.body)
				}
			})
		}
	})
}
