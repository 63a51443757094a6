package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// walkIdentification uploads a small PDF for a new customer, lists and
// reads its identification process, downloads the document through the
// signed link without a key and compares the bytes, and sees altered links
// refused. dataDir is the server's data directory.
func walkIdentification(t *testing.T, c *client, dataDir string) {
	cust := readExample(t, "NewPrivateCustomer")
	cust["personal_info"].(map[string]any)["identity_document"] = map[string]any{"number": "IDWALK7731", "type": "PASSPORT"}
	var customer struct{ ID string }
	c.call("POST", "/customers", cust, 201, &customer)
	processes := "/customers/" + customer.ID + "/identification-processes"

	pdf := []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
	var buf bytes.Buffer
	form := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="document"; filename="nie scan.pdf"`)
	h.Set("Content-Type", "application/octet-stream")
	part, _ := form.CreatePart(h)
	part.Write(pdf)
	form.WriteField("type", "NIE")
	form.Close()
	req, _ := http.NewRequest("POST", c.base+processes, &buf)
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", form.FormDataContentType())
	var created struct {
		ProcessID string `json:"process_id"`
	}
	doIdentificationRequest(t, req, 201, &created)

	var list struct {
		Processes []struct {
			ProcessID string `json:"process_id"`
		} `json:"processes"`
	}
	c.call("GET", processes, nil, 200, &list)
	if len(list.Processes) != 1 || list.Processes[0].ProcessID != created.ProcessID {
		t.Fatalf("list %+v", list)
	}
	var got struct {
		Document struct {
			PublicURL string `json:"public_url"`
			MediaType string `json:"media_type"`
			Name      string `json:"name"`
			SizeBytes int    `json:"size_bytes"`
		} `json:"document"`
	}
	// A forged Host does not make the link: without --public-url its
	// origin is localhost on the listening port.
	req, _ = http.NewRequest("GET", c.base+processes+"/"+created.ProcessID, nil)
	req.Host = "evil.example"
	req.Header.Set("Authorization", "Bearer "+c.key)
	doIdentificationRequest(t, req, 200, &got)
	if base, _ := url.Parse(c.base); !strings.HasPrefix(got.Document.PublicURL, "http://localhost:"+base.Port()+"/v4/orgs/telco/documents/") {
		t.Errorf("public_url %q, want it on http://localhost:%s", got.Document.PublicURL, base.Port())
	}
	if got.Document.MediaType != "application/pdf" || got.Document.Name != "nie_scan.pdf" || got.Document.SizeBytes != len(pdf) {
		t.Errorf("document %+v", got.Document)
	}

	// The link is the credential: no Authorization header.
	res, err := http.Get(got.Document.PublicURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(body, pdf) || res.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("download: %d %s %q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	link, _ := url.Parse(got.Document.PublicURL)
	q := link.Query()
	sig := q.Get("signature")
	q.Set("signature", strings.Repeat("A", len(sig)))
	link.RawQuery = q.Encode()
	res, err = http.Get(link.String())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 403 {
		t.Errorf("tampered link: %d, want 403", res.StatusCode)
	}

	// The bytes are under the data directory, and so is the generated key
	// that keeps links valid across restarts, readable by the owner only.
	blobs, _ := filepath.Glob(filepath.Join(dataDir, "blobs", "identification", "telco", "*"))
	if len(blobs) != 1 {
		t.Errorf("blobs on disk: %v", blobs)
	}
	if fi, err := os.Stat(filepath.Join(dataDir, urlSigningKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("signing key file: %v %v", fi, err)
	}
}

func doIdentificationRequest(t *testing.T, req *http.Request, status int, out any) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		t.Fatalf("%s %s: %d %s, want %d", req.Method, req.URL, res.StatusCode, raw, status)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", req.Method, req.URL, err, raw)
		}
	}
}
