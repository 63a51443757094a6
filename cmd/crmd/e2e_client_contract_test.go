package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/telcoops/crm/httpapi"
)

// surface is one served OpenAPI document and a router over its operations.
type surface struct {
	name   string
	doc    *openapi3.T
	router routers.Router
}

// loadSurfaces parses both served documents.
func loadSurfaces(t *testing.T) []surface {
	t.Helper()
	var out []surface
	for _, d := range []struct {
		name string
		raw  []byte
	}{{"v4", httpapi.OpenAPIV4}, {"products", httpapi.OpenAPIProducts}} {
		doc, err := openapi3.NewLoader().LoadFromData(d.raw)
		if err != nil {
			t.Fatalf("%s document: %v", d.name, err)
		}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			t.Fatalf("%s router: %v", d.name, err)
		}
		out = append(out, surface{d.name, doc, router})
	}
	return out
}

// operations lists "METHOD /path/template" of every operation of the
// documents: what the round trip must have called.
func operations(surfaces []surface) []string {
	var out []string
	for _, s := range surfaces {
		for path, item := range s.doc.Paths.Map() {
			for method := range item.Operations() {
				out = append(out, method+" "+path)
			}
		}
	}
	slices.Sort(out)
	return out
}

// recorder is the transport under the client in the round trip: it sends
// each request to the real server, matches it to its operation in the
// documents, records which operations were called (and with which
// statuses), and validates the request and the answer against the
// document, as the httpapi tests do.
type recorder struct {
	t        *testing.T
	surfaces []surface
	mu       sync.Mutex
	called   map[string][]int
}

func newRecorder(t *testing.T, surfaces []surface) *recorder {
	return &recorder{t: t, surfaces: surfaces, called: map[string][]int{}}
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	answer, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(answer))
	r.check(req, body, res, answer)
	return res, nil
}

// check finds req's operation, records it and validates the exchange.
func (r *recorder) check(req *http.Request, body []byte, res *http.Response, answer []byte) {
	if res.StatusCode >= 500 {
		r.t.Errorf("%s %s: %d %s", req.Method, req.URL.Path, res.StatusCode, answer)
	}
	for _, s := range r.surfaces {
		route, params, err := s.router.FindRoute(req)
		if err != nil {
			continue
		}
		r.mu.Lock()
		op := req.Method + " " + route.Path
		r.called[op] = append(r.called[op], res.StatusCode)
		r.mu.Unlock()
		vreq := req.Clone(context.Background())
		vreq.Body = io.NopCloser(bytes.NewReader(body))
		in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: func(context.Context, *openapi3filter.AuthenticationInput) error { return nil }}}
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && res.StatusCode < 400 {
			r.t.Errorf("%s %s: the %s document refuses the client's request (%v), the server answered %d", req.Method, req.URL, s.name, err, res.StatusCode)
		}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true}}
		out.SetBodyBytes(answer)
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
			r.t.Errorf("%s %s: answer %d breaks the %s document: %v", req.Method, req.URL, res.StatusCode, s.name, err)
		}
		return
	}
	r.t.Errorf("%s %s matches no operation of either document", req.Method, req.URL.Path)
}

// count is how many calls of op were answered status.
func (r *recorder) count(op string, status int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.called[op] {
		if s == status {
			n++
		}
	}
	return n
}

// missing lists the documents' operations the round trip did not call
// with a 2xx answer.
func (r *recorder) missing() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, op := range operations(r.surfaces) {
		if !slices.ContainsFunc(r.called[op], func(s int) bool { return s/100 == 2 }) {
			out = append(out, op)
		}
	}
	return out
}

// The documents describe the bodies of /docs (text/html) and of the YAML
// documents as strings; kin-openapi has no decoder for the first and
// decodes the second into a structure.
func init() {
	asString := func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		raw, err := io.ReadAll(body)
		return string(raw), err
	}
	openapi3filter.RegisterBodyDecoder("text/html", asString)
	openapi3filter.RegisterBodyDecoder("application/yaml", asString)
}
