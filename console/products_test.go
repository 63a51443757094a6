package console

import (
	"net/http"
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

// TestProducts signs in with a products client as well as the key, opens
// a product and closes it under If-Match, and loses a race on a second
// close; a wrong client secret or a missing agent id refuses the sign-in.
func TestProducts(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		w := newWorld(t, db, clock)
		key := w.key("telco", crm.RoleAdmin)
		clientID, secret := w.client("telco")
		id := w.customer("telco", key, "14861628V", "email@example.com")
		agentID := "0f8fad5b-d9cb-469f-a165-70867728950e"

		for _, tc := range []struct {
			name   string
			fields url.Values
			status int
			want   string
		}{
			{"wrong client secret", url.Values{"client_id": {clientID}, "client_secret": {"nope"}, "requestor_id": {agentID}},
				http.StatusUnauthorized, "Products client: client authentication failed"},
			{"no agent id", url.Values{"client_id": {clientID}, "client_secret": {secret}},
				http.StatusBadRequest, "Your agent id: a UUID is required"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := w.agent()
				form := a.get(Prefix + "/sign-in")
				tc.fields.Set("csrf", form.hidden(t, csrfField))
				tc.fields.Set("org", "telco")
				tc.fields.Set("key", key)
				p := a.post(Prefix+"/sign-in", tc.fields)
				if p.status != tc.status || !strings.Contains(htmlUnescape(p.body), tc.want) {
					t.Errorf("sign-in: %d, want %d and %q in\n%s", p.status, tc.status, tc.want, p.body)
				}
			})
		}

		a := w.agent()
		token := a.signInWith(url.Values{"org": {"telco"}, "key": {key}, "client_id": {clientID}, "client_secret": {secret}, "requestor_id": {agentID}})
		customerPage := func() page { return a.get(Prefix + "/customers/" + id) }
		if p := customerPage(); !strings.Contains(p.body, "No products.") {
			t.Fatalf("the products section does not say there are none:\n%s", p.body)
		}
		a.post(Prefix+"/customers/"+id+"/products", url.Values{"csrf": {token}, "product_code": {"WALLET"}})
		opened := customerPage()
		closeForm := regexp.MustCompile(`action="(/console/customers/[^"]+/close)">\s*<input type="hidden" name="csrf" value="[^"]*">\s*<input type="hidden" name="etag" value="([^"]*)">`).FindStringSubmatch(opened.body)
		if got := messageOn(t, opened); got != "Product opened." || closeForm == nil {
			t.Fatalf("after opening: %q, close form %q", got, closeForm)
		}
		var got []string
		for range 2 { // the second close sends the ETag of before the first
			a.post(closeForm[1], url.Values{"csrf": {token}, "etag": {htmlUnescape(closeForm[2])}})
			got = append(got, messageOn(t, customerPage()))
		}
		want := []string{"Product closed.", "Close product: " + staleMessage}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("closing (-want +got):\n%s", diff)
		}
	})
}
