package httpapi_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/blobstore"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
	"github.com/telcoops/crm/urlsign"
)

var (
	testPDF = []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
	testPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
)

// testPublicURL is the origin document links start with in the tests.
const testPublicURL = "https://crm.example.com"

// identificationConfig serves documents from a fresh directory, signed
// with a fixed key.
func identificationConfig(t testing.TB, db *sqlstore.DB) *httpapi.IdentificationConfig {
	return identificationConfigIn(t, db, t.TempDir())
}

// identificationConfigIn serves documents from dir.
func identificationConfigIn(t testing.TB, db *sqlstore.DB, dir string) *httpapi.IdentificationConfig {
	blobs, err := blobstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return identificationConfigWith(t, db, blobs)
}

// identificationConfigWith serves documents from blobs.
func identificationConfigWith(t testing.TB, db *sqlstore.DB, blobs crm.BlobStore) *httpapi.IdentificationConfig {
	signer, err := urlsign.New([]byte(strings.Repeat("test-signing-key-", 2)))
	if err != nil {
		t.Fatal(err)
	}
	return &httpapi.IdentificationConfig{Service: db.Identifications(blobs), Signer: signer, PublicURL: testPublicURL}
}

// part is one part of a multipart form.
type part struct {
	name, filename, contentType string
	data                        []byte
}

func document(filename, contentType string, data []byte) part {
	return part{"document", filename, contentType, data}
}

func docType(v string) part { return part{name: "type", data: []byte(v)} }

// form encodes parts as multipart/form-data with a fresh random boundary,
// as clients do, and returns the body and its Content-Type.
func form(t *testing.T, parts ...part) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		disp := fmt.Sprintf("form-data; name=%q", p.name)
		if p.filename != "" {
			disp += fmt.Sprintf("; filename=%q", p.filename)
		}
		h.Set("Content-Disposition", disp)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(p.data)
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func (e *env) upload(t *testing.T, path, key string, parts []part, headers ...string) response {
	t.Helper()
	body, ct := form(t, parts...)
	return e.do("POST", path, key, body, append([]string{"Content-Type", ct}, headers...)...)
}

type processDetail struct {
	ProcessID   string `json:"process_id"`
	ProcessDate string `json:"process_date"`
	Document    struct {
		URLExpirationDate string `json:"url_expiration_date"`
		PublicURL         string `json:"public_url"`
		MediaType         string `json:"media_type"`
		Name              string `json:"name"`
		Type              string `json:"type"`
		SizeBytes         int64  `json:"size_bytes"`
	} `json:"document"`
}

func TestIdentificationProcessesEndToEnd(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		ppath := base + "/customers/" + cid + "/identification-processes"
		docs := e.key("telco", crm.RoleDocumentsRead)
		writer := e.key("telco", crm.RoleCustomersWrite)

		// The part's Content-Type and the file name say nothing that counts.
		r := e.upload(t, ppath, writer, []part{document("my id.png", "application/octet-stream", testPDF), docType("NIF")})
		wantStatus(t, r, http.StatusCreated)
		var made struct {
			ProcessID string `json:"process_id"`
		}
		r.json(t, &made)
		if r.Header.Get("Location") != ppath+"/"+made.ProcessID {
			t.Errorf("Location %q", r.Header.Get("Location"))
		}
		e.clock.Advance(time.Second)
		wantStatus(t, e.upload(t, ppath, writer, []part{docType("PASSPORT"), document("", "application/pdf", testPNG)}), http.StatusCreated)

		wantStatus(t, e.do("GET", ppath, e.reader, nil), http.StatusForbidden) // customers:read reads no documents
		var list struct {
			Processes []struct {
				ProcessID   string `json:"process_id"`
				ProcessDate string `json:"process_date"`
			} `json:"processes"`
		}
		r = e.do("GET", ppath, docs, nil)
		wantStatus(t, r, http.StatusOK)
		r.json(t, &list)
		if len(list.Processes) != 2 || list.Processes[0].ProcessID != made.ProcessID || list.Processes[0].ProcessDate != "2026-11-23T10:00:00Z" {
			t.Fatalf("list %+v", list)
		}

		// The link's origin is the configured one, whatever Host the
		// request claims.
		var got processDetail
		r = e.do("GET", ppath+"/"+made.ProcessID, docs, nil, "Host", "evil.example", "X-Forwarded-Host", "evil.example")
		wantStatus(t, r, http.StatusOK)
		r.json(t, &got)
		d := got.Document
		if d.MediaType != "application/pdf" || d.Name != "my_id.png" || d.Type != "NIF" || d.SizeBytes != int64(len(testPDF)) ||
			d.URLExpirationDate != "2026-11-23T10:15:01Z" {
			t.Errorf("document %+v", d)
		}
		link, err := url.Parse(d.PublicURL)
		if err != nil || link.Scheme != "https" || link.Host != "crm.example.com" || !strings.HasPrefix(link.Path, base+"/documents/") {
			t.Fatalf("public_url %q", d.PublicURL)
		}

		// The link works without a key, and gives back the very bytes.
		r = e.do("GET", link.RequestURI(), "", nil)
		wantStatus(t, r, http.StatusOK)
		if !bytes.Equal(r.Body, testPDF) || r.Header.Get("Content-Type") != "application/pdf" ||
			r.Header.Get("Content-Disposition") != "attachment; filename=my_id.png" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("download: %q %v", r.Body, r.Header)
		}

		// Altered links are refused, whatever was altered.
		q := link.Query()
		docID := strings.TrimPrefix(link.Path, base+"/documents/")
		sig, exp := q.Get("signature"), q.Get("expires")
		tampered := map[string]string{
			"signature":       link.Path + "?expires=" + exp + "&signature=" + strings.ToUpper(sig[:4]) + sig[4:] + "x",
			"expiry extended": link.Path + "?expires=" + fmt.Sprint(e.clock.Now().Add(time.Hour).Unix()) + "&signature=" + sig,
			"other org":       "/v4/orgs/other/documents/" + docID + "?" + link.RawQuery,
			"other document":  base + "/documents/0198a0f1-4567-7d43-ab00-000000000001?" + link.RawQuery,
			"no signature":    link.Path + "?expires=" + exp,
			"no query":        link.Path,
		}
		for name, p := range tampered {
			r := e.do("GET", p, "", nil)
			if r.Status != http.StatusForbidden || !strings.HasPrefix(r.details(t), "MCUS.403.001") {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}
		r = e.do("GET", link.RequestURI()+"&download=1", "", nil)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.details(t), "download") {
			t.Errorf("unknown parameter: %d %s", r.Status, r.Body)
		}
		// And so is the link once it expired.
		e.clock.Advance(15 * time.Minute)
		r = e.do("GET", link.RequestURI(), "", nil)
		if r.Status != http.StatusForbidden || !strings.Contains(r.details(t), "expired") {
			t.Errorf("expired link: %d %s", r.Status, r.Body)
		}

		// Tenancy: another org's key, another customer's path.
		var other created
		e.do("POST", base+"/customers", e.admin, example(t, "NewDigitalCustomer")).json(t, &other)
		wantStatus(t, e.do("GET", ppath, e.otherOrg, nil), http.StatusForbidden)
		wantStatus(t, e.do("GET", "/v4/orgs/other/customers/"+cid+"/identification-processes", e.otherOrg, nil), http.StatusNotFound)
		wantStatus(t, e.do("GET", base+"/customers/"+other.ID+"/identification-processes/"+made.ProcessID, docs, nil), http.StatusNotFound)
		wantStatus(t, e.do("GET", ppath+"/not-a-uuid", docs, nil), http.StatusBadRequest)
		wantStatus(t, e.do("DELETE", ppath+"/"+made.ProcessID, e.admin, nil), http.StatusMethodNotAllowed)
	})
}

// TestIdentificationProcessesNotConfigured: without a service, or without
// a public URL to start links with, the routes answer 503; a link's origin
// never falls back to the request's Host.
func TestIdentificationProcessesNotConfigured(t *testing.T) {
	t.Parallel()
	signer, err := urlsign.New([]byte(strings.Repeat("test-signing-key-", 2)))
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blobstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	db := sqltest.Open(t, sqltest.Engines(t)[0], crm.SystemClock)
	for name, ic := range map[string]*httpapi.IdentificationConfig{
		"nothing":       nil,
		"no public URL": {Service: db.Identifications(blobs), Signer: signer},
	} {
		h := httpapi.New(httpapi.Config{GatewayMode: true, Identification: ic}).Handler()
		for _, path := range []string{base + "/customers/0198a0f1-4567-7d43-ab00-000000000001/identification-processes",
			base + "/customers/0198a0f1-4567-7d43-ab00-000000000001/identification-processes/0198a0f1-4567-7d43-ab00-000000000002",
			base + "/documents/0198a0f1-4567-7d43-ab00-000000000001?expires=1&signature=x"} {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("x-auth-roles", "admin")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusServiceUnavailable {
				t.Errorf("%s: %s: %d %s", name, path, rec.Code, rec.Body)
			}
		}
	}
}
