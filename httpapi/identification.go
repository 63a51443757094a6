package httpapi

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/telcoops/crm"
)

// IdentificationConfig is what the identification-process routes serve
// from: the processes, and the signer of the links that download their
// documents without a credential.
type IdentificationConfig struct {
	Service crm.IdentificationService
	Signer  crm.LinkSigner
	// URLTTL is how long a document link works (default DefaultDocumentURLTTL).
	URLTTL time.Duration
	// PublicURL is the service's external base URL, such as
	// https://crm.example.com, that document links start with. Required:
	// a link's origin never comes from the request (its Host header is the
	// client's to forge), so without it the routes answer 503.
	PublicURL string
	// MaxUploads bounds the uploads in flight (default DefaultMaxUploads);
	// beyond it an upload is 503 with Retry-After before its body is read.
	MaxUploads int
}

// DefaultMaxUploads is the default bound on uploads in flight.
const DefaultMaxUploads = 64

// DefaultDocumentURLTTL is how long a document link works by default.
const DefaultDocumentURLTTL = 15 * time.Minute

func (s *Server) registerIdentification() {
	s.handle(http.MethodPost, "/v4/orgs/{org_id}/customers/{customer_id}/identification-processes", s.createIdentificationProcess)
	s.v4Masked("/customers/{customer_id}/identification-processes", crm.RoleDocumentsRead, s.listIdentificationProcesses)
	s.v4("GET", "/customers/{customer_id}/identification-processes/{identification_process_id}", crm.RoleDocumentsRead, s.getIdentificationProcess)
	// The signature in the link is the credential: no API key needed.
	s.handle("GET", "/v4/orgs/{org_id}/documents/{document_id}", s.downloadDocument)
}

// identification returns the routes' configuration, or answers 503.
func (s *Server) identification(w http.ResponseWriter, r *http.Request) (*IdentificationConfig, bool) {
	c := s.cfg.Identification
	if c == nil || c.Service == nil || c.Signer == nil || c.PublicURL == "" {
		s.writeError(w, r, crm.Errorf(crm.EUNAVAILABLE, "identification processes are not configured"))
		return nil, false
	}
	return c, true
}

// processSummary is IdentificationProcessSummaryResponse.
type processSummary struct {
	ProcessID   string `json:"process_id"`
	ProcessDate string `json:"process_date"`
}

func (s *Server) listIdentificationProcesses(w http.ResponseWriter, r *http.Request, org string) {
	c, ok := s.identification(w, r)
	if !ok {
		return
	}
	cid, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	ps, err := c.Service.ListIdentificationProcesses(r.Context(), org, cid)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]processSummary, len(ps))
	for i, p := range ps {
		out[i] = processSummary{p.ID, stamp(p.ProcessDate)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"processes": out})
}

// documentResponse is DocumentResponse.
type documentResponse struct {
	URLExpirationDate string `json:"url_expiration_date"`
	PublicURL         string `json:"public_url"`
	MediaType         string `json:"media_type"`
	Name              string `json:"name"`
	Type              string `json:"type"`
	SizeBytes         int64  `json:"size_bytes"`
}

func (s *Server) getIdentificationProcess(w http.ResponseWriter, r *http.Request, org string) {
	c, ok := s.identification(w, r)
	if !ok {
		return
	}
	cid, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	pid, ok := s.uuidParam(w, r, "identification_process_id")
	if !ok {
		return
	}
	p, err := c.Service.GetIdentificationProcess(r.Context(), org, cid, pid)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.accessed(w, r, org, cid) {
		return
	}
	writeJSON(w, http.StatusOK, processBody(c, org, p, s.now()))
}

// processResponse is IdentificationProcessResponse.
type processResponse struct {
	processSummary
	Document documentResponse `json:"document"`
}

// processBody renders a process with a signed link to its document that
// works for c.URLTTL from now.
func processBody(c *IdentificationConfig, org string, p *crm.IdentificationProcess, now time.Time) processResponse {
	ttl := c.URLTTL
	if ttl <= 0 {
		ttl = DefaultDocumentURLTTL
	}
	// Whole seconds, rounded down: the link never outlives its TTL.
	expires := now.Add(ttl).Unix()
	base := strings.TrimSuffix(c.PublicURL, "/")
	q := url.Values{"expires": {strconv.FormatInt(expires, 10)}, "signature": {c.Signer.Sign(org, p.Document.ID, expires)}}
	d := p.Document
	return processResponse{processSummary{p.ID, stamp(p.ProcessDate)}, documentResponse{
		URLExpirationDate: stamp(time.Unix(expires, 0)),
		PublicURL:         base + "/v4/orgs/" + org + "/documents/" + d.ID + "?" + q.Encode(),
		MediaType:         d.MediaType, Name: d.Name, Type: d.Type, SizeBytes: d.SizeBytes,
	}}
}

// downloadDocument serves a document's bytes to whoever holds a valid,
// unexpired link to it.
func (s *Server) downloadDocument(w http.ResponseWriter, r *http.Request) {
	c, ok := s.identification(w, r)
	if !ok {
		return
	}
	q, err := queryParams(r, "expires", "signature")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	org, id := r.PathValue("org_id"), r.PathValue("document_id")
	// The signature covers the org and the document id as they appear in
	// the path, so it is checked before either reaches the database.
	if err := c.Signer.Verify(org, id, first(q["expires"]), first(q["signature"]), s.now()); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, body, err := c.Service.OpenDocument(r.Context(), org, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer body.Close()
	if !s.accessed(w, r, org, d.CustomerID) {
		return
	}
	h := w.Header()
	h.Set("Content-Type", crm.DocumentContentType(d.MediaType))
	h.Set("Content-Length", strconv.FormatInt(d.SizeBytes, 10))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.Name}))
	h.Set("X-Content-Type-Options", "nosniff")
	// The link is a credential: keep the document out of shared caches.
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, body); err != nil {
		s.log.Warn("document download interrupted", "request_id", requestID(r.Context()), "error", err.Error())
	}
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}
