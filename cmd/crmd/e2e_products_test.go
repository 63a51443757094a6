package main

import (
	"bytes"
	"encoding/json"
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

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestEndToEndProducts builds the binary and, on each engine, walks the
// Customer Products API the way a partner and an operator would: an OAuth
// client from the CLI, a token, a balance account that waits for the
// customer's identification, the upload on v4 that activates it with an
// IBAN, the search by IBAN, the close, and the revocation.
func TestEndToEndProducts(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := crmdBinary(t)
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dir := t.TempDir()
			dsn := engineDSN(t, e, dir)
			walkProducts(t, bin, dir, dsn)
		})
	}
}

// walkProducts runs the server from dir (its working directory) on dsn.
func walkProducts(t *testing.T, bin, dir, dsn string) {
	key := createKey(t, bin, dsn, "admin")
	clientID, secret := createClient(t, bin, dsn)

	addr := freeAddr(t)
	srv := exec.Command(bin, "serve", "--addr", addr, "--database-url", dsn, "--products-bank-code", "2100")
	srv.Dir = dir
	logs := &syncBuffer{}
	srv.Stdout, srv.Stderr = logs, logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	defer func() {
		if srv.ProcessState == nil {
			srv.Process.Kill()
		}
	}()
	base := "http://" + addr
	waitReady(t, base+"/readyz")
	// Products tokens need no signing key: none is written, on any engine.
	if _, err := os.Stat(filepath.Join(dir, "data", "products-signing-key.pem")); err == nil {
		t.Errorf("a products signing key file was written")
	}

	v4 := &client{t: t, base: base + "/v4/orgs/telco", key: key}
	p := &productsClient{t: t, base: base}
	p.token = p.getToken(url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}, "", 200)
	if !strings.HasPrefix(p.token, "crmat_") {
		t.Errorf("access token %.10q…: want an opaque crmat_ token", p.token)
	}
	// HTTP Basic client authentication works too; a wrong secret does not.
	p.getToken(url.Values{"grant_type": {"client_credentials"}}, clientID+":"+secret, 200)
	p.getToken(url.Values{"grant_type": {"client_credentials"}}, clientID+":"+secret+"x", 401)

	var customer struct{ ID string }
	v4.call("POST", "/customers", readExample(t, "NewPrivateCustomer"), 201, &customer)
	products := "/customers/" + customer.ID + "/products"
	var created struct {
		CustomerProductID string `json:"customerProductId"`
	}
	p.call("POST", products, `{"productCode":"BALANCE_ACCOUNT"}`, 200, &created)
	product := "/products/" + created.CustomerProductID
	var got struct {
		Status      string `json:"status"`
		AccountData *struct {
			IBAN string `json:"iban"`
		} `json:"accountData"`
	}
	p.call("GET", product, "", 200, &got)
	if got.Status != "PENDING" || got.AccountData != nil {
		t.Fatalf("balance account of an unidentified customer: %+v", got)
	}

	// Neither surface's credentials open the other.
	v4.as(p.token).call("GET", "/customers/"+customer.ID, nil, 401, nil)
	(&productsClient{t: t, base: base, token: key}).call("GET", product, "", 401, nil)
	// The customer cannot end while the product is open.
	v4.call("DELETE", "/customers/"+customer.ID, nil, 409, nil)

	uploadIdentification(t, v4, customer.ID)
	p.call("GET", product, "", 200, &got)
	if got.Status != "ACTIVE" || got.AccountData == nil || crm.CheckIBAN(got.AccountData.IBAN) != "" || !strings.HasPrefix(got.AccountData.IBAN[4:], "2100") {
		t.Fatalf("after the identification upload: %+v", got)
	}
	var found []struct {
		CustomerProductID string `json:"customerProductId"`
	}
	p.call("GET", products+"?iban="+url.QueryEscape(got.AccountData.IBAN), "", 200, &found)
	if len(found) != 1 || found[0].CustomerProductID != created.CustomerProductID {
		t.Errorf("search by IBAN: %+v", found)
	}

	p.call("PATCH", product, `{"status":"CLOSED"}`, 200, nil)
	p.call("PATCH", product, `{"status":"CLOSED"}`, 400, nil)
	v4.call("DELETE", "/customers/"+customer.ID, nil, 204, nil)

	// The audit trail has the lifecycle with the requestor.
	var feed struct {
		Events []crm.Event `json:"events"`
	}
	v4.call("GET", "/events?limit=1000", nil, 200, &feed)
	var statuses []string
	for _, e := range feed.Events {
		if e.AggregateID == created.CustomerProductID && e.Type == crm.EventCustomerProductStatusChanged {
			statuses = append(statuses, string(e.Changes["status"].After))
		}
	}
	if strings.Join(statuses, ",") != `"PENDING","ACTIVE","CLOSED"` {
		t.Errorf("status changes in the feed: %v", statuses)
	}

	res, err := http.Get(base + "/openapi/products.yaml")
	if err != nil || res.StatusCode != 200 {
		t.Errorf("products document: %v %v", res, err)
	} else {
		res.Body.Close()
	}

	// Revoking the client stops its token at once.
	if out, err := exec.Command(bin, "clients", "revoke", "--database-url", dsn, clientID).CombinedOutput(); err != nil {
		t.Fatalf("clients revoke: %v\n%s", err, out)
	}
	p.call("GET", product, "", 401, nil)
	out, err := exec.Command(bin, "clients", "list", "--org", "telco", "--database-url", dsn).Output()
	if err != nil || !strings.Contains(string(out), clientID) {
		t.Errorf("clients list: %v\n%s", err, out)
	}

	srv.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("server exit: %v\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("server did not stop on SIGTERM\n%s", logs.String())
	}
}

// createClient runs "crmd clients create" and returns the client id and
// the secret, the last line printed.
func createClient(t *testing.T, bin, dsn string) (string, string) {
	out, err := exec.Command(bin, "clients", "create", "--org", "telco", "--name", "e2e", "--database-url", dsn).Output()
	if err != nil {
		t.Fatalf("clients create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var id string
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "client_id: "); ok {
			id = v
		}
	}
	secret := lines[len(lines)-1]
	if id == "" || !strings.HasPrefix(secret, "crmcs_") {
		t.Fatalf("clients create printed %q", out)
	}
	return id, secret
}

// uploadIdentification uploads a small PDF as the customer's identity
// document through v4.
func uploadIdentification(t *testing.T, v4 *client, customerID string) {
	var buf bytes.Buffer
	form := multipart.NewWriter(&buf)
	part, _ := form.CreateFormFile("document", "dni.pdf")
	part.Write([]byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"))
	form.WriteField("type", "NIF")
	form.Close()
	req, _ := http.NewRequest("POST", v4.base+"/customers/"+customerID+"/identification-processes", &buf)
	req.Header.Set("Authorization", "Bearer "+v4.key)
	req.Header.Set("Content-Type", form.FormDataContentType())
	doIdentificationRequest(t, req, 201, nil)
}

// productsClient calls the products surface with a bearer token and a
// Requestor-ID on writes.
type productsClient struct {
	t     *testing.T
	base  string
	token string
}

func (p *productsClient) getToken(form url.Values, basic string, status int) string {
	p.t.Helper()
	req, _ := http.NewRequest("POST", p.base+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id, secret, ok := strings.Cut(basic, ":"); ok {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	p.do(req, status, &tok)
	if status == 200 && (tok.AccessToken == "" || tok.ExpiresIn != 3600) {
		p.t.Fatalf("token answer %+v", tok)
	}
	return tok.AccessToken
}

func (p *productsClient) call(method, path, body string, status int, out any) {
	p.t.Helper()
	req, _ := http.NewRequest(method, p.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+p.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Requestor-ID", "0198a0f1-4567-7d43-ab00-00000000a11c")
	}
	p.do(req, status, out)
}

func (p *productsClient) do(req *http.Request, status int, out any) {
	p.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		p.t.Fatalf("%s %s: %d %s, want %d", req.Method, req.URL.Path, res.StatusCode, raw, status)
	}
	if out != nil && status < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			p.t.Fatalf("%s %s: %v in %s", req.Method, req.URL.Path, err, raw)
		}
	}
}
