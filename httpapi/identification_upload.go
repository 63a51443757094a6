package httpapi

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/telcoops/crm"
)

// maxUploadOverhead is what an upload may carry besides the document:
// boundaries, part headers and the type field.
const maxUploadOverhead = 64 << 10

// maxTypeBytes is as much of the type field as is read: longer than any
// document type, so a longer value is still refused as unknown.
const maxTypeBytes = 64

// uploadRetryAfter is the Retry-After, in seconds, of an upload refused
// because too many are in flight.
const uploadRetryAfter = "5"

// newUploadSlots returns the semaphore bounding the uploads in flight.
func newUploadSlots(c *IdentificationConfig) chan struct{} {
	n := DefaultMaxUploads
	if c != nil && c.MaxUploads > 0 {
		n = c.MaxUploads
	}
	return make(chan struct{}, n)
}

// createIdentificationProcess is registered without s.v4: its multipart
// body may be far larger than MaxBodyBytes, which the idempotency layer
// reads whole. Everything that can refuse the upload without its body -
// the credential, the Content-Type, the bound on uploads in flight, the
// customer - is checked before the body is read; the document is then
// streamed to a staged blob, never held in memory.
func (s *Server) createIdentificationProcess(w http.ResponseWriter, r *http.Request) {
	r, org, err := s.authorize(r, crm.RoleCustomersWrite)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, ok := s.identification(w, r)
	if !ok {
		return
	}
	cid, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	boundary, err := multipartBoundary(r.Header.Get("Content-Type"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	select {
	case s.uploads <- struct{}{}:
		defer func() { <-s.uploads }()
	default:
		w.Header().Set("Retry-After", uploadRetryAfter)
		s.writeError(w, r, crm.Errorf(crm.EUNAVAILABLE, "too many uploads in progress; retry in %s seconds", uploadRetryAfter))
		return
	}
	if err := c.Service.CheckIdentifiable(r.Context(), org, cid); err != nil {
		s.writeError(w, r, err)
		return
	}
	in, err := readUpload(r.Context(), c.Service, http.MaxBytesReader(w, r.Body, crm.MaxDocumentBytes+maxUploadOverhead), boundary)
	if in.Document != nil {
		// Kept by a process by then, or garbage: either way nothing to keep.
		defer func() {
			if err := c.Service.DiscardDocument(context.WithoutCancel(r.Context()), in.Document); err != nil {
				s.log.Warn("staged document left for the cleanup", "request_id", requestID(r.Context()), "error", err.Error())
			}
		}()
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The idempotency layer hashes the body it reads. A retried upload
	// comes with a new multipart boundary, so hand it what was uploaded in
	// a canonical form instead, small and the same on every retry, on a
	// copy of the request.
	var name, digest string
	if in.Document != nil {
		name, digest = in.Document.Name, in.Document.SHA256
	}
	canonical := r.WithContext(r.Context())
	canonical.Body = io.NopCloser(strings.NewReader(strconv.Quote(in.Type) + "\n" + strconv.Quote(name) + "\n" + digest))
	post[crm.Receipt]{
		do: func(r *http.Request, org string, opts crm.WriteOptions) (crm.Receipt, error) {
			p, err := c.Service.CreateIdentificationProcess(r.Context(), org, cid, in, opts)
			if err != nil {
				return crm.Receipt{}, err
			}
			return p.Receipt().(crm.Receipt), nil
		},
		render: func(r *http.Request, org string, v crm.Receipt) answer {
			return answer{http.StatusCreated, struct {
				ProcessID string `json:"process_id"`
			}{v.ID}, "/v4/orgs/" + org + "/customers/" + cid + "/identification-processes/" + v.ID}
		},
	}.serve(s.keys(), w, canonical, org)
}

// multipartBoundary returns the boundary of a multipart/form-data
// Content-Type: 415 for another media type, 400 without a boundary.
func multipartBoundary(contentType string) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" {
		return "", crm.Errorf(crm.EMEDIATYPE, "Content-Type must be multipart/form-data")
	}
	if params["boundary"] == "" {
		return "", paramError("Content-Type", "must be multipart/form-data with a boundary")
	}
	return params["boundary"], nil
}

// readUpload reads the multipart form from body: a document file, staged
// as it streams in, and its type, nothing else. The document is returned
// staged even with an error, for the caller to discard.
func readUpload(ctx context.Context, svc crm.IdentificationService, body io.Reader, boundary string) (crm.NewIdentificationProcess, error) {
	var n crm.NewIdentificationProcess
	budget := &headerBudget{r: body, left: maxUploadOverhead}
	mr := multipart.NewReader(budget, boundary)
	seen := map[string]bool{}
	for {
		budget.inPart = false
		part, err := mr.NextPart()
		if err == io.EOF {
			return n, nil
		}
		if errors.Is(err, errHeadersTooLarge) {
			return n, malformed("body", "boundaries and part headers must be at most "+strconv.Itoa(maxUploadOverhead)+" bytes in all")
		}
		if err != nil {
			return n, readError(err, "body", "is not a valid multipart/form-data body")
		}
		budget.inPart = true
		name := part.FormName()
		if name == "" {
			return n, malformed("body", "every part needs a Content-Disposition: form-data header with a name")
		}
		if seen[name] {
			return n, crm.Invalid(name, "must be sent once")
		}
		seen[name] = true
		switch name {
		case "document":
			// The name as sent, not part.FileName()'s last path element: it
			// is checked whole, and only ever kept as metadata.
			_, params, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
			d, err := svc.StageDocument(ctx, params["filename"], part)
			if err != nil {
				if _, ok := err.(*crm.Error); ok {
					return n, err
				}
				return n, readError(err, "document", "could not be read")
			}
			n.Document = d
		case "type":
			if part.FileName() != "" {
				return n, crm.Invalid("type", "must be a form field, not a file")
			}
			value, err := io.ReadAll(io.LimitReader(part, maxTypeBytes))
			if err == nil {
				// The rest of an over-long value, read here rather than by
				// NextPart, which would count it against the header budget.
				_, err = io.Copy(io.Discard, part)
			}
			if err != nil {
				return n, readError(err, "type", "could not be read")
			}
			n.Type = string(value)
		default:
			return n, &crm.Error{Code: crm.EUNKNOWNFIELD, Message: "invalid request body",
				Fields: []crm.FieldError{{Field: name, Message: "unknown field"}}}
		}
	}
}

// errHeadersTooLarge is what headerBudget returns once spent.
var errHeadersTooLarge = errors.New("multipart boundaries and part headers too large")

// headerBudget bounds what a multipart reader reads outside the parts'
// contents - boundaries and part headers - which it would otherwise
// buffer in memory, up to 10 MiB a part. Between parts (inPart false)
// reads spend the budget; within a part they are free, the part's content
// being streamed and bounded by the body's own limit.
type headerBudget struct {
	r      io.Reader
	left   int64
	inPart bool
}

func (b *headerBudget) Read(p []byte) (int, error) {
	if b.inPart {
		return b.r.Read(p)
	}
	if b.left <= 0 {
		return 0, errHeadersTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// readError is the answer to a body that failed while being read: over
// its size limit, the document is too large; otherwise field is malformed.
func readError(err error, field, msg string) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return crm.Invalid("document", "must be at most %d bytes (10 MiB)", crm.MaxDocumentBytes)
	}
	return malformed(field, msg)
}

func malformed(field, msg string) error {
	return &crm.Error{Code: crm.EMALFORMED, Message: "invalid request body", Fields: []crm.FieldError{{Field: field, Message: msg}}}
}
