package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// apiResult is one answer of the API.
type apiResult struct {
	Status int
	ETag   string
	Body   []byte
}

// ok reports a 2xx answer.
func (r apiResult) ok() bool { return r.Status >= 200 && r.Status < 300 }

// decode reads the answer's JSON body into v.
func (r apiResult) decode(v any) error { return json.Unmarshal(r.Body, v) }

// message is the API's error in words: its details joined (they name the
// field), or the status when the body has none.
func (r apiResult) message() string {
	var e struct {
		Errors []struct{ Title, Details string }
	}
	if json.Unmarshal(r.Body, &e) == nil && len(e.Errors) > 0 {
		parts := make([]string, len(e.Errors))
		for i, it := range e.Errors {
			parts[i] = it.Details
			if parts[i] == "" {
				parts[i] = it.Title
			}
		}
		return strings.Join(parts, "; ")
	}
	var p struct {
		Message      string `json:"message"`
		ErrorDetails []struct {
			Field  string `json:"field"`
			Errors []struct{ Message string }
		} `json:"errorDetails"`
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if json.Unmarshal(r.Body, &p) == nil {
		var parts []string
		for _, d := range p.ErrorDetails {
			for _, e := range d.Errors {
				parts = append(parts, d.Field+": "+e.Message)
			}
		}
		switch {
		case len(parts) > 0:
			return strings.Join(parts, "; ")
		case p.Message != "":
			return p.Message
		case p.ErrorDescription != "":
			return p.ErrorDescription
		case p.Error != "":
			return p.Error
		}
	}
	return fmt.Sprintf("the API answered %d %s", r.Status, http.StatusText(r.Status))
}

// serve sends one request to h in-process, as from remote, and returns
// the answer. h is the service's root handler: both API surfaces.
func serve(ctx context.Context, h http.Handler, remote, method, path string, hdr http.Header, body io.Reader) apiResult {
	req, err := http.NewRequestWithContext(ctx, method, path, body)
	if err != nil {
		return apiResult{Status: http.StatusBadRequest, Body: errorBody(err.Error())}
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.RemoteAddr = remote
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return apiResult{Status: rec.status, ETag: rec.header.Get("ETag"), Body: rec.body.Bytes()}
}

// get reads path.
func (a api) get(ctx context.Context, path string) apiResult {
	return a.call(ctx, http.MethodGet, path, nil, nil)
}

// errorBody is a v4-shaped error body for a request the console could not
// even build.
func errorBody(msg string) []byte {
	raw, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"details": msg}}})
	return raw
}

// recorder is the http.ResponseWriter of an in-process call.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
