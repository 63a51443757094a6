package httpapi

import (
	"archive/zip"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/telcoops/crm"
)

func (s *Server) registerPrivacy() {
	s.v4("GET", "/customers/{customer_id}/export", crm.RolePrivacyOfficer, s.exportCustomer)
}

// mediaZip is the media type that asks the export for a zip with the
// document files.
const mediaZip = "application/zip"

// exportCustomer answers everything held on a customer (GDPR access): one
// JSON document, or with Accept: application/zip a zip of that document
// (export.json) and the document files, streamed one at a time.
func (s *Server) exportCustomer(w http.ResponseWriter, r *http.Request, org string) {
	if s.cfg.Privacy == nil {
		s.writeError(w, r, crm.Errorf(crm.EUNAVAILABLE, "the subject export is not configured"))
		return
	}
	docs, ok := s.identification(w, r)
	if !ok {
		return
	}
	id, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	x, err := s.cfg.Privacy.ExportCustomer(r.Context(), org, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.accessed(w, r, org, id) {
		return
	}
	now := s.now()
	body, err := SubjectExportJSON(x, docs, now)
	if err != nil {
		s.writeError(w, r, crm.Internal(err))
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "private, no-store")
	if !acceptsZip(r.Header.Values("Accept")) {
		writeBody(w, http.StatusOK, body)
		return
	}
	h.Set("Content-Type", mediaZip)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "customer-" + id + "-export.zip"}))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	zw := zip.NewWriter(w)
	if err := s.writeExportZip(r, zw, org, x, body); err != nil {
		// The status is sent: leaving the archive without its central
		// directory makes the cut visible to any zip reader.
		s.log.Warn("subject export interrupted", "request_id", requestID(r.Context()), "error", err.Error())
		return
	}
	if err := zw.Close(); err != nil {
		s.log.Warn("subject export interrupted", "request_id", requestID(r.Context()), "error", err.Error())
	}
}

// writeExportZip writes export.json, then each document's bytes under
// documents/<document_id>-<name>, copying one blob at a time.
func (s *Server) writeExportZip(r *http.Request, zw *zip.Writer, org string, x *crm.SubjectExport, body []byte) error {
	f, err := zw.CreateHeader(&zip.FileHeader{Name: "export.json", Method: zip.Deflate, Modified: s.now()})
	if err != nil {
		return err
	}
	if _, err := f.Write(body); err != nil {
		return err
	}
	for _, p := range x.Identifications {
		if err := s.copyDocument(r, zw, org, x.Customer.ID, p.Document.ID); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) copyDocument(r *http.Request, zw *zip.Writer, org, customerID, documentID string) error {
	d, blob, err := s.cfg.Privacy.OpenExportDocument(r.Context(), org, customerID, documentID)
	if err != nil {
		return err
	}
	defer blob.Close()
	// The stored name is already safe (crm.DocumentName): no path element.
	f, err := zw.CreateHeader(&zip.FileHeader{Name: "documents/" + d.ID + "-" + d.Name, Method: zip.Store, Modified: s.now()})
	if err != nil {
		return err
	}
	_, err = io.Copy(f, blob)
	return err
}

// acceptsZip reports whether an Accept header lists application/zip with a
// quality above zero; anything else gets the JSON document.
func acceptsZip(accept []string) bool {
	for _, line := range accept {
		for _, part := range strings.Split(line, ",") {
			media, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || media != mediaZip {
				continue
			}
			if q, ok := params["q"]; ok {
				if v, err := strconv.ParseFloat(q, 64); err != nil || v <= 0 {
					continue
				}
			}
			return true
		}
	}
	return false
}
