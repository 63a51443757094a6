package main

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/crmtest/blobtest"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestEndToEndDocumentsSharedByInstances: two servers on one PostgreSQL
// schema, each in a directory of its own and neither given --blob-dir,
// as behind a load balancer. A document uploaded through one downloads
// through the other, by its signed link from either, byte for byte; and
// no instance wrote it to a directory.
func TestEndToEndDocumentsSharedByInstances(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	e := sqltest.Postgres(t)
	bin := crmdBinary(t)
	dsn := e.DSN(t)
	key := createKey(t, bin, dsn, "admin")
	// The instances share the link signing key, as a deployment of several
	// must (else each makes its own under its data directory).
	env := append(os.Environ(), "CRM_URL_SIGNING_KEY="+strings.Repeat("s", 32))
	dirs := []string{t.TempDir(), t.TempDir()}
	a := startInstance(t, bin, dirs[0], dsn, env)
	b := startInstance(t, bin, dirs[1], dsn, env)
	ca := &client{t: t, base: a + "/v4/orgs/telco", key: key}
	cb := &client{t: t, base: b + "/v4/orgs/telco", key: key}

	body := readExample(t, "NewPrivateCustomer")
	body["personal_info"].(map[string]any)["identity_document"].(map[string]any)["number"] = crmtest.NIF(4242)
	var customer struct{ ID string }
	ca.call("POST", "/customers", body, 201, &customer)
	// Several chunks of the database store, and a partial last one.
	pdf := append([]byte("%PDF-1.7\n"), blobtest.Bytes(7, 700<<10)...)
	processes := "/customers/" + customer.ID + "/identification-processes"
	created := uploadDocument(t, ca, processes, pdf)

	var fromB, fromA struct {
		Document struct {
			PublicURL string `json:"public_url"`
		} `json:"document"`
	}
	cb.call("GET", processes+"/"+created, nil, 200, &fromB)
	ca.call("GET", processes+"/"+created, nil, 200, &fromA)
	// B's own link, and A's link sent to B: both serve A's upload.
	aLink, err := url.Parse(fromA.Document.PublicURL)
	if err != nil {
		t.Fatal(err)
	}
	bURL, _ := url.Parse(b)
	aLink.Host = "localhost:" + bURL.Port()
	for name, link := range map[string]string{"B's link": fromB.Document.PublicURL, "A's link on B": aLink.String()} {
		if !strings.HasPrefix(link, "http://localhost:"+bURL.Port()+"/") {
			t.Errorf("%s %q is not on instance B", name, link)
		}
		res, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Equal(got, pdf) {
			t.Errorf("%s: %d, %d bytes, want the %d uploaded through A", name, res.StatusCode, len(got), len(pdf))
		}
	}
	for _, dir := range dirs {
		if found, _ := filepath.Glob(filepath.Join(dir, "data", "blobs", "*")); len(found) != 0 {
			t.Errorf("documents written to a directory: %v", found)
		}
	}
}

// startInstance runs crmd serve from dir on dsn with env until the test
// ends, and returns its base URL.
func startInstance(t *testing.T, bin, dir, dsn string, env []string) string {
	t.Helper()
	addr := freeAddr(t)
	srv := exec.Command(bin, "serve", "--addr", addr, "--database-url", dsn)
	srv.Dir, srv.Env = dir, env
	logs := &syncBuffer{}
	srv.Stdout, srv.Stderr = logs, logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	t.Cleanup(func() {
		srv.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			srv.Process.Kill()
			t.Errorf("server did not stop on SIGTERM\n%s", logs.String())
		}
		if t.Failed() {
			t.Logf("server in %s:\n%s", dir, logs.String())
		}
	})
	waitReady(t, "http://"+addr+"/readyz")
	if !strings.Contains(logs.String(), `"blob_store":"database"`) {
		t.Errorf("the server does not say it keeps documents in the database:\n%s", logs.String())
	}
	return "http://" + addr
}

// uploadDocument posts doc as a NIE to processes and returns the new
// process's id.
func uploadDocument(t *testing.T, c *client, processes string, doc []byte) string {
	t.Helper()
	var buf bytes.Buffer
	form := multipart.NewWriter(&buf)
	part, _ := form.CreateFormFile("document", "nie.pdf")
	part.Write(doc)
	form.WriteField("type", "NIE")
	form.Close()
	req, _ := http.NewRequest("POST", c.base+processes, &buf)
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", form.FormDataContentType())
	var created struct {
		ProcessID string `json:"process_id"`
	}
	doIdentificationRequest(t, req, 201, &created)
	return created.ProcessID
}
