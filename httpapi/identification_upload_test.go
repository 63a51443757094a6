package httpapi_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/telcoops/crm"
)

func TestIdentificationUploadRejects(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		ppath := base + "/customers/" + cid + "/identification-processes"
		pdf := document("id.pdf", "application/pdf", testPDF)
		tooBig := make([]byte, crm.MaxDocumentBytes+1)
		copy(tooBig, testPDF)
		cases := []struct {
			name   string
			parts  []part
			status int
			want   string // start of the details of the first error item
		}{
			{"no document", []part{docType("NIF")}, 400, "MCUS.400.001 document: is required"},
			{"empty document", []part{document("id.pdf", "application/pdf", nil), docType("NIF")}, 400, "MCUS.400.001 document: is required"},
			{"no type", []part{pdf}, 400, "MCUS.400.001 type: is required"},
			{"lower-case type", []part{pdf, docType("nif")}, 400, "MCUS.400.001 type: must be one of"},
			{"type of 1 MiB", []part{pdf, docType(strings.Repeat("N", 1<<20))}, 400, "MCUS.400.001 type: must be one of"},
			{"type sent as a file", []part{pdf, {"type", "type.txt", "text/plain", []byte("NIF")}}, 400, "MCUS.400.001 type: must be a form field"},
			{"html named and typed as a PDF", []part{document("id.pdf", "application/pdf", []byte("<html>%PDF-1.7</html>")), docType("NIF")}, 400,
				"MCUS.400.001 document: must be a PDF, JPEG or PNG file"},
			{"gif", []part{document("id.gif", "image/gif", []byte("GIF89a\x01\x00\x01\x00")), docType("NIF")}, 400, "MCUS.400.001 document: must be a PDF"},
			{"unknown part", []part{pdf, docType("NIF"), {name: "comment", data: []byte("hi")}}, 400, "MCUS.400.003 comment: unknown field"},
			{"type twice", []part{pdf, docType("NIF"), docType("NIE")}, 400, "MCUS.400.001 type: must be sent once"},
			{"document over 10 MiB", []part{document("id.pdf", "application/pdf", tooBig), docType("NIF")}, 400,
				"MCUS.400.001 document: must be at most 10485760 bytes"},
			{"body far over 10 MiB", []part{document("id.pdf", "application/pdf", append(tooBig, make([]byte, 128<<10)...)), docType("NIF")}, 400,
				"MCUS.400.001 document: must be at most 10485760 bytes"},
		}
		for _, tc := range cases {
			r := e.upload(t, ppath, e.admin, tc.parts)
			if r.Status != tc.status || !strings.HasPrefix(r.details(t), tc.want) {
				t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.Body, tc.status, tc.want)
			}
		}

		body, ct := form(t, pdf, docType("NIF"))
		raw := []struct {
			name        string
			path, key   string
			contentType string
			body        []byte
			status      int
			want        string
		}{
			{"JSON body", ppath, e.admin, "application/json", []byte(`{"type":"NIF"}`), 415, "MCUS.415.001 Content-Type must be multipart/form-data"},
			{"form-urlencoded body", ppath, e.admin, "application/x-www-form-urlencoded", []byte("type=NIF"), 415, "MCUS.415.001"},
			{"no boundary", ppath, e.admin, "multipart/form-data", body, 400, "MCUS.400.005 Content-Type"},
			{"wrong boundary", ppath, e.admin, "multipart/form-data; boundary=nope", body, 400, "MCUS.400.002 body"},
			{"truncated body", ppath, e.admin, ct, body[:len(body)-20], 400, "MCUS.400.002"},
			{"unknown customer", base + "/customers/0198a0f1-4567-7d43-ab00-000000000001/identification-processes", e.admin, ct, body, 404, "MCUS.404.001"},
			{"customer id not a UUID", base + "/customers/42/identification-processes", e.admin, ct, body, 400, "MCUS.400.005 customer_id"},
			{"read role", ppath, e.reader, ct, body, 403, "MCUS.403.002"},
			{"documents:read role", ppath, e.key("telco", crm.RoleDocumentsRead), ct, body, 403, "MCUS.403.002"},
			{"no credentials", ppath, "", ct, body, 401, "MCUS.401.001"},
			{"other org's key", ppath, e.otherOrg, ct, body, 403, "MCUS.403.001"},
		}
		for _, tc := range raw {
			r := e.do("POST", tc.path, tc.key, tc.body, "Content-Type", tc.contentType)
			if r.Status != tc.status || !strings.HasPrefix(r.details(t), tc.want) {
				t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.Body, tc.status, tc.want)
			}
		}

		// Nothing was written.
		var list struct{ Processes []any }
		e.do("GET", ppath, e.admin, nil).json(t, &list)
		if len(list.Processes) != 0 {
			t.Errorf("rejected uploads created %d processes", len(list.Processes))
		}
		if has, _ := e.db.Identifications(nil).HasIdentificationProcess(t.Context(), "telco", cid); has {
			t.Error("rejected uploads count as an identification process")
		}
	})
}

func TestIdentificationUploadIdempotency(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		ppath := base + "/customers/" + cid + "/identification-processes"
		upload := []part{document("dni.pdf", "application/pdf", testPDF), docType("NIF")}
		first := e.upload(t, ppath, e.admin, upload, "Idempotency-Key", "upload-1")
		wantStatus(t, first, http.StatusCreated)
		// A retry encodes the same form with another boundary: it is the
		// same request all the same.
		again := e.upload(t, ppath, e.admin, upload, "Idempotency-Key", "upload-1")
		wantStatus(t, again, http.StatusCreated)
		if again.Header.Get("Idempotency-Replayed") != "true" || !bytes.Equal(first.Body, again.Body) ||
			again.Header.Get("Location") != first.Header.Get("Location") {
			t.Errorf("replay %s %v, first %s", again.Body, again.Header, first.Body)
		}
		other := []part{document("dni.pdf", "application/pdf", testPNG), docType("NIF")}
		r := e.upload(t, ppath, e.admin, other, "Idempotency-Key", "upload-1")
		if r.Status != http.StatusConflict || !strings.HasPrefix(r.details(t), "MCUS.409.003") {
			t.Errorf("same key, other file: %d %s", r.Status, r.Body)
		}
		var list struct{ Processes []any }
		e.do("GET", ppath, e.admin, nil).json(t, &list)
		if len(list.Processes) != 1 {
			t.Errorf("%d processes, want 1", len(list.Processes))
		}
	})
}
