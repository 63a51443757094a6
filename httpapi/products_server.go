package httpapi

import (
	_ "embed"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/telcoops/crm"
)

// OpenAPIProducts is the OpenAPI document of the Customer Products API,
// served as is.
//
//go:embed openapi/products.yaml
var OpenAPIProducts []byte

// ProductsPaths are the path prefixes the products surface owns on the
// service's root mux; everything else belongs to the v4 server.
var ProductsPaths = []string{"/oauth2/token", "/customers/", "/products/", "/openapi/products.yaml"}

// ProductsConfig holds what a ProductsServer serves from.
type ProductsConfig struct {
	Products    crm.ProductService
	Clients     crm.OAuthClientService
	Tokens      crm.AccessTokenService
	Idempotency crm.IdempotencyService
	// AccessLog records product reads (a product may carry an IBAN); nil:
	// they are not recorded.
	AccessLog crm.AccessLog
	// ObserveRoute is told of every answered request, for metrics; nil:
	// none.
	ObserveRoute ObserveRoute
	Logger       *slog.Logger
	Clock        crm.Clock
}

// ProductsServer is the transport of the Customer Products API: its own
// router, camelCase JSON, the ErrorMessage error body and OAuth2
// client-credentials bearer tokens. It shares no route, error format or
// credential with the v4 Server.
type ProductsServer struct {
	cfg    ProductsConfig
	log    *slog.Logger
	now    crm.Clock
	mux    *http.ServeMux
	routes []string
}

// NewProducts builds the products server and registers its routes.
func NewProducts(cfg ProductsConfig) *ProductsServer {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = crm.SystemClock
	}
	s := &ProductsServer{cfg: cfg, log: cfg.Logger, now: cfg.Clock, mux: http.NewServeMux()}
	s.handle("POST", "/oauth2/token", s.token)
	s.handle("GET", "/openapi/products.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(OpenAPIProducts)
	})
	s.productMasked("/customers/{customerId}/products", crm.RoleProductsRead, s.listProducts)
	productPost(s, "/customers/{customerId}/products", crm.RoleProductsWrite, s.createProduct())
	s.productMasked("/products/{customerProductId}", crm.RoleProductsRead, s.getProduct)
	s.product("PATCH", "/products/{customerProductId}", crm.RoleProductsWrite, s.patchProduct)
	return s
}

// Routes lists every registered route as "METHOD /pattern".
func (s *ProductsServer) Routes() []string { return slices.Clone(s.routes) }

func (s *ProductsServer) handle(method, pattern string, h http.HandlerFunc) {
	route := method + " " + pattern
	s.routes = append(s.routes, route)
	s.mux.HandleFunc(route, checkInput(route, h, s.writeError))
}

// product registers an authenticated route needing scope; its handler
// gets the org of the caller's OAuth client.
func (s *ProductsServer) product(method, pattern string, scope crm.Role, h func(w http.ResponseWriter, r *http.Request, org string)) {
	if method == http.MethodPost {
		panic("httpapi: register POST " + pattern + " with productPost, which serves its Idempotency-Key")
	}
	s.handle(method, pattern, func(w http.ResponseWriter, r *http.Request) {
		r, org, err := s.authorize(r, scope)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r, org)
	})
}

// productMasked registers an authenticated GET route that scope opens in
// full and crm.RoleCustomersReadMasked opens with masked values (masked).
func (s *ProductsServer) productMasked(pattern string, scope crm.Role, h func(w http.ResponseWriter, r *http.Request, org string)) {
	s.handle(http.MethodGet, pattern, func(w http.ResponseWriter, r *http.Request) {
		r, org, err := s.authorizeRead(r, scope, true)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r, org)
	})
}

// productPost registers an authenticated POST route, served under its
// Idempotency-Key (post.serve).
func productPost[T any](s *ProductsServer, pattern string, scope crm.Role, p post[T]) {
	s.handle(http.MethodPost, pattern, func(w http.ResponseWriter, r *http.Request) {
		r, org, err := s.authorize(r, scope)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		p.serve(keys{store: s.cfg.Idempotency, writeError: s.writeError}, w, r, org)
	})
}

// authorize checks the bearer token, that its client is still live, and
// that it holds scope. It returns the client's org and a copy of r whose
// context carries the principal. An API key of the v4 surface is not a
// token of this one: 401.
func (s *ProductsServer) authorize(r *http.Request, scope crm.Role) (*http.Request, string, error) {
	return s.authorizeRead(r, scope, false)
}

// authorizeRead is authorize for a read that, when maskable, a token
// lacking scope may also make with the scope crm.RoleCustomersReadMasked,
// served with masked values: the returned request then says so (masked).
func (s *ProductsServer) authorizeRead(r *http.Request, scope crm.Role, maskable bool) (*http.Request, string, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return r, "", crm.Errorf(crm.EUNAUTHORIZED, "Authorization must be \"Bearer <access token>\" from POST /oauth2/token")
	}
	if s.cfg.Tokens == nil || s.cfg.Clients == nil || s.cfg.Products == nil {
		return r, "", crm.Errorf(crm.EUNAVAILABLE, "the products surface is not configured")
	}
	claims, err := s.cfg.Tokens.VerifyAccessToken(r.Context(), token, s.now())
	if err != nil {
		return r, "", err
	}
	// Checking the client on every request makes a revocation take effect
	// at once instead of when the client's tokens expire.
	client, err := s.cfg.Clients.GetOAuthClient(r.Context(), claims.ClientID)
	switch {
	case crm.ErrorCodeOf(err) == crm.ENOTFOUND:
		return r, "", crm.Errorf(crm.EUNAUTHORIZED, "invalid access token: unknown client")
	case err != nil:
		return r, "", err
	case client.RevokedAt != nil || client.OrgID != claims.OrgID:
		return r, "", crm.Errorf(crm.EUNAUTHORIZED, "invalid access token: the client was revoked")
	}
	p := crm.Principal{ID: "client:" + client.ID, Name: client.Name, Orgs: []string{client.OrgID}}
	for _, sc := range claims.Scopes {
		if slices.Contains(client.Scopes, sc) {
			p.Roles = append(p.Roles, sc)
		}
	}
	full := slices.Contains(p.Roles, scope)
	readsMasked := !full && maskable && slices.Contains(p.Roles, crm.RoleCustomersReadMasked)
	if !full && !readsMasked {
		if maskable {
			return r, "", crm.Errorf(crm.EROLE, "the access token lacks the scope %s (or %s)", scope, crm.RoleCustomersReadMasked)
		}
		return r, "", crm.Errorf(crm.EROLE, "the access token lacks the scope %s", scope)
	}
	info := crm.RequestInfoFrom(r.Context())
	info.Principal = p
	return r.WithContext(withMasked(crm.WithRequestInfo(r.Context(), info), readsMasked)), client.OrgID, nil
}

// Handler returns the root handler of the surface: request ids, logging,
// panic recovery, then routing with ErrorMessage 404s and body-less 405s.
func (s *ProductsServer) Handler() http.Handler {
	return frontHandler(s.log, s.mux, s.writeError, "products", newRouteObservers(s.cfg.ObserveRoute, "products", s.routes))
}

// withRequestorID reads the Requestor-ID header, required on writes, and
// returns a copy of r whose request info carries it, for the store to
// record with the events.
func withRequestorID(r *http.Request) (*http.Request, error) {
	v := r.Header.Get("Requestor-ID")
	if v == "" {
		return r, paramError("Requestor-ID", "the header is required: the UUID of the person performing the action")
	}
	u, err := uuid.Parse(v)
	if err != nil || len(v) != 36 {
		return r, paramError("Requestor-ID", "must be a UUID")
	}
	info := crm.RequestInfoFrom(r.Context())
	info.RequestorID = u.String()
	return r.WithContext(crm.WithRequestInfo(r.Context(), info)), nil
}
