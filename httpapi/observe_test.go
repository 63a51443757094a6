package httpapi_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/httpapi"
)

// observed is one answered request as an ObserveRoute saw it.
type observed struct {
	Surface, Method, Route string
	Status                 int
}

// recorder is an ObserveRoute that keeps what it is told.
type recorder struct {
	mu       sync.Mutex
	resolved int
	seen     []observed
}

func (rc *recorder) observe(surface, method, route string) func(int, time.Duration) {
	rc.mu.Lock()
	rc.resolved++
	rc.mu.Unlock()
	return func(status int, elapsed time.Duration) {
		if elapsed <= 0 {
			panic("no time elapsed")
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.seen = append(rc.seen, observed{surface, method, route, status})
	}
}

// TestObserveRoute: each answered request is told to its route's
// observer, resolved once per route when the handler is built: the route
// is the pattern (no id in it), the surface ops for the operational
// paths, and unmatched requests have route "unmatched" and a method from a
// closed list.
func TestObserveRoute(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		var rc recorder
		cfg := e.config(crm.WebhookURLGuard{Resolver: testResolver})
		cfg.ObserveRoute = rc.observe
		srv := httpapi.New(cfg)
		h := srv.Handler()
		resolved := rc.resolved
		if want := len(srv.Routes()) + 8; resolved != want {
			t.Errorf("%d observers resolved, want one per route and per unmatched method: %d", resolved, want)
		}
		var c created
		request(t, h, e.contract, "POST", base+"/customers", e.admin, example(t, "NewPrivateCustomer")).json(t, &c)
		wantStatus(t, request(t, h, e.contract, "GET", base+"/customers/"+c.ID, e.reader, nil), http.StatusOK)
		wantStatus(t, request(t, h, e.contract, "GET", base+"/customers/"+"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", e.reader, nil), http.StatusNotFound)
		wantStatus(t, request(t, h, e.contract, "GET", "/healthz", "", nil), http.StatusOK)
		wantStatus(t, request(t, h, e.contract, "GET", "/no/such/path", "", nil), http.StatusNotFound)
		wantStatus(t, request(t, h, e.contract, "DELETE", "/healthz", "", nil), http.StatusMethodNotAllowed)
		_, res := serve(h, "BREW", "/healthz", nil)
		wantStatus(t, res, http.StatusMethodNotAllowed)

		customer := "/v4/orgs/{org_id}/customers/{customer_id}"
		want := []observed{
			{"v4", "POST", "/v4/orgs/{org_id}/customers", 201},
			{"v4", "GET", customer, 200},
			{"v4", "GET", customer, 404},
			{"ops", "GET", "/healthz", 200},
			{"v4", "GET", "unmatched", 404},
			{"v4", "DELETE", "unmatched", 405},
			{"v4", "OTHER", "unmatched", 405},
		}
		if diff := cmp.Diff(want, rc.seen); diff != "" {
			t.Errorf("observed (-want +got):\n%s", diff)
		}
		if rc.resolved != resolved {
			t.Errorf("%d observers resolved while serving", rc.resolved-resolved)
		}
	})
}

// TestObserveProductsRoute: the products surface tells its observer too.
func TestObserveProductsRoute(t *testing.T) {
	t.Parallel()
	eachProducts(t, func(t *testing.T, e *penv) {
		var rc recorder
		h := httpapi.NewProducts(httpapi.ProductsConfig{Products: e.db.Products, Clients: e.db.OAuthClients, Tokens: e.db.AccessTokens,
			Idempotency: e.db.Idempotency, Clock: e.clock.Now, ObserveRoute: rc.observe}).Handler()
		wantStatus(t, request(t, h, e.contract, "GET", "/openapi/products.yaml", "", nil), http.StatusOK)
		wantStatus(t, request(t, h, e.contract, "GET", "/products/"+"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "", nil), http.StatusUnauthorized)
		want := []observed{
			{"ops", "GET", "/openapi/products.yaml", 200},
			{"products", "GET", "/products/{customerProductId}", 401},
		}
		if diff := cmp.Diff(want, rc.seen); diff != "" {
			t.Errorf("observed (-want +got):\n%s", diff)
		}
	})
}
