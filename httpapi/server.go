// Package httpapi serves the service over HTTP: the v4 Customers API, the
// operational endpoints and the OpenAPI documents, on the standard library's
// ServeMux with method patterns. It speaks to storage only through the
// service interfaces of package crm.
package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/telcoops/crm"
)

// Config holds what a Server serves from. Every service must be set for
// its routes to work; Routes works on a zero Config.
type Config struct {
	Customers   crm.CustomerService
	Accounts    crm.AccountService
	Promotions  crm.PromotionService
	Contracts   crm.ContractService
	Credentials crm.CredentialService
	APIKeys     crm.APIKeyService
	Tokens      crm.TokenAuthenticator // nil: JWT bearer tokens are refused
	Idempotency crm.IdempotencyService
	// Classification serves categories and special treatment.
	Classification crm.ClassificationService
	// Overviews serves the customer-360 read (GET customer overview); nil
	// answers 503.
	Overviews crm.OverviewService
	// Events is the outbox feed (GET /events); nil answers 503.
	Events crm.EventFeed
	// Metrics serves GET /metrics (Prometheus); nil answers 404.
	Metrics http.Handler
	// Identification serves identification processes and their document
	// links; nil: those routes answer 503.
	Identification *IdentificationConfig
	// Privacy serves the subject export, which also needs Identification
	// (its document links); nil: the route answers 503.
	Privacy crm.PrivacyService
	// Duplicates finds likely duplicate customers (the create's
	// Duplicate-Candidates header) and merges them; nil: no header, and
	// the merge answers 503.
	Duplicates crm.DuplicateService
	// Erasure erases customers and keeps their retention records; nil: its
	// routes answer 503.
	Erasure crm.ErasureService
	// AccessLog records reads of personal data and lists them; nil: reads
	// are not recorded and the access-log routes answer 503.
	AccessLog crm.AccessLog
	// Webhooks manages webhook subscriptions and their dead letters; nil:
	// those routes answer 503.
	Webhooks crm.WebhookService
	// WebhookGuard says which URLs may be subscribed; the zero value is
	// the strict default (https to public addresses only).
	WebhookGuard crm.WebhookURLGuard
	// Ready reports whether the service can serve (database reachable).
	Ready func(ctx context.Context) error
	// GatewayMode trusts x-auth-roles from an upstream gateway that has
	// already authenticated the caller. Off by default.
	GatewayMode bool
	// CursorKey seals the feed cursors handed to clients; the same on
	// every instance of a deployment. Nil: a random key, so that cursors
	// do not outlive the process (tests).
	CursorKey []byte
	// ObserveRoute is told of every answered request, for metrics; nil:
	// none.
	ObserveRoute ObserveRoute
	Logger       *slog.Logger
	Clock        crm.Clock
}

// Server is the HTTP transport.
type Server struct {
	cfg     Config
	log     *slog.Logger
	now     crm.Clock
	mux     *http.ServeMux
	routes  []string
	cursors *cursors
	uploads chan struct{} // one token per identification upload in flight
}

// New builds a server and registers every route.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = crm.SystemClock
	}
	s := &Server{cfg: cfg, log: cfg.Logger, now: cfg.Clock, mux: http.NewServeMux(), cursors: newCursors(cfg.CursorKey),
		uploads: newUploadSlots(cfg.Identification)}
	s.registerOperations()
	s.registerCustomers()
	s.registerMerge()
	s.registerAccounts()
	s.registerPromotions()
	s.registerContracts()
	s.registerEvents()
	s.registerCustomerEvents()
	s.registerCredentials()
	s.registerIdentification()
	s.registerClassification()
	s.registerWebhooks()
	s.registerPrivacy()
	s.registerErasure()
	s.registerAccessLog()
	s.registerOverview()
	return s
}

// Routes lists every registered route as "METHOD /pattern".
func (s *Server) Routes() []string { return slices.Clone(s.routes) }

// handle registers a public route, its parameters checked (checkInput)
// against the query parameters routeQuery declares for it.
func (s *Server) handle(method, pattern string, h http.HandlerFunc) {
	route := method + " " + pattern
	s.routes = append(s.routes, route)
	s.mux.HandleFunc(route, checkInput(route, h, s.writeError))
}

// v4 registers an authenticated v4 route requiring role; its handler gets
// the org already checked against the principal. POST routes are
// registered with v4Post.
func (s *Server) v4(method, pattern string, role crm.Role, h func(w http.ResponseWriter, r *http.Request, org string)) {
	if method == http.MethodPost {
		panic("httpapi: register POST " + pattern + " with v4Post, which serves its Idempotency-Key")
	}
	s.handle(method, "/v4/orgs/{org_id}"+pattern, func(w http.ResponseWriter, r *http.Request) {
		r, org, err := s.authorize(r, role)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r, org)
	})
}

// v4Masked registers an authenticated v4 GET route that role opens in full
// and crm.RoleCustomersReadMasked opens with masked personal values; its
// handler answers masked when masked(r) says so (httpapi/masking.go).
func (s *Server) v4Masked(pattern string, role crm.Role, h func(w http.ResponseWriter, r *http.Request, org string)) {
	s.handle(http.MethodGet, "/v4/orgs/{org_id}"+pattern, func(w http.ResponseWriter, r *http.Request) {
		r, org, err := s.authorizeRead(r, role, true)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r, org)
	})
}

// v4Post registers an authenticated v4 POST route, served under its
// Idempotency-Key (post.serve).
func v4Post[T any](s *Server, pattern string, role crm.Role, p post[T]) {
	s.handle(http.MethodPost, "/v4/orgs/{org_id}"+pattern, func(w http.ResponseWriter, r *http.Request) {
		r, org, err := s.authorize(r, role)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		p.serve(s.keys(), w, r, org)
	})
}

// keys is what the surface serves its POSTs with.
func (s *Server) keys() keys { return keys{store: s.cfg.Idempotency, writeError: s.writeError} }

// Handler returns the root handler: request ids, logging, panic recovery,
// then routing with JSON 404s and body-less 405s.
func (s *Server) Handler() http.Handler {
	return frontHandler(s.log, s.mux, s.writeError, "v4", newRouteObservers(s.cfg.ObserveRoute, "v4", s.routes))
}

// frontHandler is what both surfaces do around their routes: take or make
// the request id, log one line per request and tell its observer (nil:
// none), turn a panic into a 500 in the surface's error body, and turn the
// mux's plain-text 404 and 405 into the contract's forms (a 404 error
// body; a 405 with Allow and no body).
func frontHandler(log *slog.Logger, mux *http.ServeMux, writeError func(http.ResponseWriter, *http.Request, error), surface string,
	observers *routeObservers) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = uuid.Must(uuid.NewV7()).String()
		}
		w.Header().Set("X-Request-Id", id)
		ctx := crm.WithRequestInfo(r.Context(), crm.RequestInfo{RequestID: id})
		r = r.WithContext(ctx)
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				log.LogAttrs(ctx, slog.LevelError, "panic", slog.String("request_id", id), slog.Any("panic", p))
				if !rec.wrote {
					writeError(rec, r, crm.Errorf(crm.EINTERNAL, "internal error"))
				}
			}
			elapsed := time.Since(start)
			observers.observe(r, rec.status, elapsed)
			log.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("request_id", id), slog.String("surface", surface),
				slog.String("method", r.Method), slog.String("path", redactPath(r.URL.Path)), slog.String("route", r.Pattern),
				slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000))
		}()
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(rec, r)
			return
		}
		probe := &headerProbe{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			rec.Header().Set("Allow", probe.header.Get("Allow"))
			rec.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		writeError(rec, r, crm.Errorf(crm.ENOTFOUND, "no such endpoint: %s %s", r.Method, redactPath(r.URL.Path)))
	})
}

// redactPath is the path as the request log writes it: a segment that
// looks like a card number, an IBAN or an identity document number
// (crm.LooksPersonal) is written "[redacted]". The query string is never
// logged.
func redactPath(p string) string {
	var b strings.Builder // only used once a segment is redacted
	last := 0             // p[:last] is already in b
	for start := 0; start <= len(p); {
		end := strings.IndexByte(p[start:], '/')
		if end < 0 {
			end = len(p)
		} else {
			end += start
		}
		if crm.LooksPersonal(p[start:end]) {
			b.WriteString(p[last:start])
			b.WriteString("[redacted]")
			last = end
		}
		start = end + 1
	}
	if last == 0 {
		return p
	}
	b.WriteString(p[last:])
	return b.String()
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

func validRequestID(id string) bool { return requestIDPattern.MatchString(id) }

func requestID(ctx context.Context) string { return crm.RequestInfoFrom(ctx).RequestID }

// writeJSON answers v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	defer func() {
		// A rare huge answer is not kept for every later one.
		if buf.Cap() <= 64<<10 {
			buf.Reset()
			jsonBuffers.Put(buf)
		}
	}()
	body, err := encodeJSON(buf, v)
	if err != nil {
		http.Error(w, `{"errors":[{"code":"MCUS.500.001","title":"Internal server error"}]}`, http.StatusInternalServerError)
		return
	}
	writeBody(w, status, body)
}

// encodeJSON encodes v into buf as every answer is encoded, and returns
// the encoding, which lives in buf.
func encodeJSON(buf *bytes.Buffer, v any) ([]byte, error) {
	// Without HTML escaping: signed links keep a plain & instead of \u0026.
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
}

// writeBody answers status with a JSON body already encoded.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	// A stated length spares net/http from chunking answers past its 2 KB buffer.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// jsonBuffers recycles writeJSON's encoding buffers.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// statusRecorder remembers what was answered, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status, bytes int
	wrote         bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.WriteHeader(http.StatusOK)
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// headerProbe runs the mux's fallback handler without answering, to learn
// whether it is a 404 or a 405 and which methods are allowed.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header         { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *headerProbe) WriteHeader(code int)        { p.status = code }
