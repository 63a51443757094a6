package httpapi_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/httpapi"
)

// rawUpload is a multipart body whose document part carries the given
// Content-Disposition verbatim, for file names a multipart writer would
// escape.
func rawUpload(disposition string, doc []byte) ([]byte, string) {
	const b = "raw-boundary-0198a0f1"
	body := "--" + b + "\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nNIF\r\n" +
		"--" + b + "\r\nContent-Disposition: " + disposition + "\r\nContent-Type: application/pdf\r\n\r\n" + string(doc) +
		"\r\n--" + b + "--\r\n"
	return []byte(body), "multipart/form-data; boundary=" + b
}

func TestIdentificationUploadFileNames(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		ppath := base + "/customers/" + cid + "/identification-processes"
		cases := []struct {
			name, disposition string
			status            int
			want              string
		}{
			{"255 bytes", `form-data; name="document"; filename="` + strings.Repeat("a", 251) + `.pdf"`, 201, ""},
			{"256 bytes", `form-data; name="document"; filename="` + strings.Repeat("a", 252) + `.pdf"`, 400,
				"MCUS.400.001 document: file name must be at most 255 bytes"},
			{"NUL, percent-encoded", `form-data; name="document"; filename*=UTF-8''id%00.pdf`, 400,
				"MCUS.400.001 document: file name must not contain NUL or control characters"},
			{"escape, percent-encoded", `form-data; name="document"; filename*=UTF-8''id%1B%5B2J.pdf`, 400,
				"MCUS.400.001 document: file name must not contain NUL or control characters"},
			{"invalid UTF-8", "form-data; name=\"document\"; filename=\"id\xff.pdf\"", 400,
				"MCUS.400.001 document: file name must be valid UTF-8"},
			{"NUL raw in the header", "form-data; name=\"document\"; filename=\"id\x00.pdf\"", 400, "MCUS.400.002 body"},
			// Part headers are buffered in memory by the multipart reader (up
			// to 10 MiB a part): they are held to 64 KiB in all.
			{"100 KiB of part header", `form-data; name="document"; filename="` + strings.Repeat("a", 100<<10) + `.pdf"`, 400,
				"MCUS.400.002 body: boundaries and part headers must be at most 65536 bytes in all"},
		}
		for _, tc := range cases {
			body, ct := rawUpload(tc.disposition, testPDF)
			r := e.do("POST", ppath, e.admin, body, "Content-Type", ct)
			if r.Status != tc.status || (tc.want != "" && !strings.HasPrefix(r.details(t), tc.want)) {
				t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.Body, tc.status, tc.want)
			}
		}
		var list struct{ Processes []any }
		e.do("GET", ppath, e.admin, nil).json(t, &list)
		if len(list.Processes) != 1 {
			t.Errorf("%d processes, want only the 255-byte name's", len(list.Processes))
		}
	})
}

// TestIdentificationUploadNameIsNotAPath: a file name that climbs out of
// its directory is kept as metadata; the bytes land under a generated key
// and nowhere else, and nothing stays staged.
func TestIdentificationUploadNameIsNotAPath(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		dir := filepath.Join(t.TempDir(), "a", "b", "blobs")
		cfg := e.config(crm.WebhookURLGuard{})
		cfg.Identification = identificationConfigIn(t, e.db, dir)
		e.handler = httpapi.New(cfg).Handler()
		cid := e.customer(t)
		ppath := base + "/customers/" + cid + "/identification-processes"
		r := e.upload(t, ppath, e.admin, []part{document("../../etc/passwd", "application/pdf", testPDF), docType("NIF")})
		wantStatus(t, r, http.StatusCreated)
		var made struct {
			ProcessID string `json:"process_id"`
		}
		r.json(t, &made)
		var got processDetail
		e.do("GET", ppath+"/"+made.ProcessID, e.admin, nil).json(t, &got)
		if got.Document.Name != "passwd" {
			t.Errorf("stored name %q", got.Document.Name)
		}
		link, _ := url.Parse(got.Document.PublicURL)
		docID := strings.TrimPrefix(link.Path, base+"/documents/")
		var files []string
		filepath.WalkDir(filepath.Dir(filepath.Dir(dir)), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dir, p)
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
		if len(files) != 1 || files[0] != "identification/telco/"+docID {
			t.Errorf("files %v, want only identification/telco/%s", files, docID)
		}
	})
}

// TestDocumentLinkDiesWithItsCustomer: a signed link stops working when
// its customer is deactivated, not only at expiry. (No route deletes a
// process; deactivation is the only way a document's owner goes.)
func TestDocumentLinkDiesWithItsCustomer(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		ppath := base + "/customers/" + cid + "/identification-processes"
		r := e.upload(t, ppath, e.admin, []part{document("id.pdf", "application/pdf", testPDF), docType("NIF")})
		wantStatus(t, r, http.StatusCreated)
		var made struct {
			ProcessID string `json:"process_id"`
		}
		r.json(t, &made)
		var got processDetail
		e.do("GET", ppath+"/"+made.ProcessID, e.admin, nil).json(t, &got)
		link, _ := url.Parse(got.Document.PublicURL)
		wantStatus(t, e.do("GET", link.RequestURI(), "", nil), http.StatusOK)
		wantStatus(t, e.do("DELETE", base+"/customers/"+cid, e.admin, nil), http.StatusNoContent)
		r = e.do("GET", link.RequestURI(), "", nil)
		if r.Status != http.StatusNotFound || !strings.HasPrefix(r.details(t), "MCUS.404.001") {
			t.Errorf("link after deactivation: %d %s", r.Status, r.Body)
		}
	})
}

// signalReader signals its first read, then blocks until released.
type signalReader struct {
	started chan struct{}
	release chan struct{}
	r       io.Reader
	once    bool
}

func (s *signalReader) Read(p []byte) (int, error) {
	if !s.once {
		s.once = true
		close(s.started)
		<-s.release
	}
	return s.r.Read(p)
}

// unreadBody fails the test if anything reads it.
type unreadBody struct{ t *testing.T }

func (u unreadBody) Read([]byte) (int, error) {
	u.t.Error("the body of a refused upload was read")
	return 0, io.EOF
}

// TestIdentificationUploadBound: beyond MaxUploads in flight an upload is
// 503 with Retry-After before its body is read; the slot frees when the
// upload in flight ends.
func TestIdentificationUploadBound(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cfg := e.config(crm.WebhookURLGuard{})
		cfg.Identification.MaxUploads = 1
		e.handler = httpapi.New(cfg).Handler()
		cid := e.customer(t)
		ppath := base + "/customers/" + cid + "/identification-processes"
		body, ct := form(t, document("id.pdf", "application/pdf", testPDF), docType("NIF"))

		slow := &signalReader{started: make(chan struct{}), release: make(chan struct{}), r: strings.NewReader(string(body))}
		first := make(chan int)
		go func() {
			req := httptest.NewRequest("POST", ppath, slow)
			req.Header.Set("Authorization", "Bearer "+e.admin)
			req.Header.Set("Content-Type", ct)
			rec := httptest.NewRecorder()
			e.handler.ServeHTTP(rec, req)
			first <- rec.Code
		}()
		<-slow.started

		req := httptest.NewRequest("POST", ppath, unreadBody{t})
		req.Header.Set("Authorization", "Bearer "+e.admin)
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		res := response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
		e.contract.validate(t, req, body, res)
		if res.Status != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "5" ||
			!strings.HasPrefix(res.details(t), "MCUS.503.001 too many uploads in progress") {
			t.Errorf("upload beyond the bound: %d %v %s", res.Status, res.Header, res.Body)
		}

		close(slow.release)
		if code := <-first; code != http.StatusCreated {
			t.Errorf("upload in flight: %d", code)
		}
		wantStatus(t, e.upload(t, ppath, e.admin, []part{document("id.pdf", "application/pdf", testPDF), docType("NIF")}), http.StatusCreated)
	})
}
