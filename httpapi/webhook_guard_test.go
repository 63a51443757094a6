package httpapi_test

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/httpapi"
)

// fakeResolver answers from a table; other names do not exist.
type fakeResolver map[string]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	a, ok := f[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return []netip.Addr{netip.MustParseAddr(a)}, nil
}

// testResolver is the tests' DNS: hooks.example.com is public,
// internal.example.com a name an attacker points at loopback.
var testResolver = fakeResolver{"hooks.example.com": "93.184.215.14", "internal.example.com": "127.0.0.1"}

// TestWebhookURLGuard: by default a subscription reaches public https
// receivers only; the operator's settings open http and internal ones.
func TestWebhookURLGuard(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		refused := []string{
			"http://127.0.0.1:8080/hook", "https://127.0.0.1/hook", "https://10.0.0.1/", "https://[::ffff:127.0.0.1]/",
			"https://[::1]/", "https://169.254.169.254/latest/meta-data", "https://[fd00:ec2::254]/", "https://100.64.0.1/",
			"https://0.0.0.0/", "https://[fe80::1]/", "https://224.0.0.1/", "https://internal.example.com/hook",
			"https://localhost/hook", "https://nowhere.example.com/", "https://2130706433/", "http://hooks.example.com/crm",
		}
		for _, u := range refused {
			r := e.do("POST", hooks, e.admin, map[string]any{"url": u, "event_types": []string{"*"}})
			wantStatus(t, r, http.StatusBadRequest)
			if d := r.details(t); !strings.HasPrefix(d, "MCUS.400.001 url:") {
				t.Errorf("%s: %s, want an error naming url", u, d)
			}
		}
		wantStatus(t, e.do("POST", hooks, e.admin, map[string]any{"url": "https://hooks.example.com/crm", "event_types": []string{"*"}}),
			http.StatusCreated)
		var list struct{ Webhooks []webhookBody }
		e.do("GET", hooks, e.admin, nil).json(t, &list)
		if len(list.Webhooks) != 1 {
			t.Errorf("%d subscriptions, want the one public", len(list.Webhooks))
		}

		// The operator's allow-list opens some ranges (https only); its
		// allow-private setting opens everything.
		cidrs, _ := crm.ParseCIDRList("10.0.0.0/8")
		e.handler = httpapi.New(e.config(crm.WebhookURLGuard{AllowCIDRs: cidrs, Resolver: testResolver})).Handler()
		wantStatus(t, e.do("POST", hooks, e.admin, map[string]any{"url": "https://10.0.0.1/", "event_types": []string{"*"}}), http.StatusCreated)
		wantStatus(t, e.do("POST", hooks, e.admin, map[string]any{"url": "http://10.0.0.1/", "event_types": []string{"*"}}), http.StatusBadRequest)
		wantStatus(t, e.do("POST", hooks, e.admin, map[string]any{"url": "https://127.0.0.1/", "event_types": []string{"*"}}), http.StatusBadRequest)
		e.handler = httpapi.New(e.config(crm.WebhookURLGuard{AllowPrivate: true, Resolver: testResolver})).Handler()
		for _, u := range []string{"http://127.0.0.1:8080/hook", "https://internal.example.com/hook"} {
			wantStatus(t, e.do("POST", hooks, e.admin, map[string]any{"url": u, "event_types": []string{"*"}}), http.StatusCreated)
		}
	})
}
