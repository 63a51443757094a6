package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestEndToEnd builds the real binary, starts it on SQLite in a temporary
// directory, creates an API key with the CLI, walks every Customers
// operation over HTTP, and stops it with SIGTERM.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := crmdBinary(t)
	dsn := "sqlite:" + filepath.Join(dir, "data", "crm.db")
	key := createKey(t, bin, dsn, "admin")

	addr := freeAddr(t)
	srv := exec.Command(bin, "serve", "--addr", addr, "--database-url", dsn)
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
	baseURL := "http://" + addr
	waitReady(t, baseURL+"/readyz")

	c := &client{t: t, base: baseURL + "/v4/orgs/telco", key: key}
	t.Run("customers", func(t *testing.T) { walkCustomers(t, c.with(t)) })
	gateway := createKey(t, bin, dsn, "payments:gateway")
	t.Run("accounts", func(t *testing.T) { walkAccount(t, c.with(t), gateway) })
	t.Run("credentials", func(t *testing.T) { walkCredentials(t, c.with(t)) })
	t.Run("identification", func(t *testing.T) { walkIdentification(t, c.with(t), filepath.Join(dir, "data")) })
	t.Run("categories", func(t *testing.T) { walkCategories(t, c.with(t)) })
	t.Run("key revoked from the CLI", func(t *testing.T) { walkKeyRevocation(t, bin, dsn, baseURL) })
	t.Run("console mounted at /console", func(t *testing.T) {
		res, err := http.Get(baseURL + "/console/sign-in")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(body), `name="key"`) ||
			!strings.HasPrefix(res.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("GET /console/sign-in: %d %q\n%s", res.StatusCode, res.Header.Get("Content-Security-Policy"), body)
		}
	})
	t.Run("webhooks to internal addresses refused by default", func(t *testing.T) {
		for _, u := range []string{"http://127.0.0.1:9/hook", "https://169.254.169.254/latest", "https://[::ffff:10.0.0.1]/"} {
			c.with(t).call("POST", "/webhooks", map[string]any{"url": u, "event_types": []string{"*"}}, 400, nil)
		}
	})

	srv.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("server exit: %v\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("server did not stop on SIGTERM\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop in logs:\n%s", logs.String())
	}
	// The request log is JSON, one line per request, with the request id.
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	requests := 0
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Errorf("log line is not JSON: %s", sc.Text())
			continue
		}
		if line["msg"] == "request" && line["request_id"] != "" {
			requests++
		}
	}
	if requests < 12 {
		t.Errorf("%d request log lines, want at least 12", requests)
	}
}

func walkCustomers(t *testing.T, c *client) {
	private := readExample(t, "NewPrivateCustomer")
	var created struct {
		ID         string `json:"id"`
		ExternalID string `json:"external_id"`
	}
	c.call("POST", "/customers", private, 201, &created)
	corp := readExample(t, "NewCorporateCustomer")
	c.call("POST", "/customers", corp, 400, nil)
	corp["type"], corp["segment"] = "CORPORATE_CUSTOMER", "SME"
	var corpCreated struct{ ID string }
	c.call("POST", "/customers", corp, 201, &corpCreated)

	var found struct{ Customer struct{ ID string } }
	c.call("GET", "/customers?identity_document=14861628V&identity_document_type=NIF", nil, 200, &found)
	if found.Customer.ID != created.ID {
		t.Errorf("search found %q, want %q", found.Customer.ID, created.ID)
	}
	var got map[string]any
	c.call("GET", "/customers/"+created.ID, nil, 200, &got)
	c.call("PATCH", "/customers/"+created.ID, map[string]any{"preferred_language": "ca", "personal_info": map[string]any{"nationality": "PT"}}, 204, nil)
	c.call("GET", "/customers/"+created.ID, nil, 200, &got)
	if got["preferred_language"] != "ca" {
		t.Errorf("patch not applied: %v", got["preferred_language"])
	}
	c.call("PUT", "/customers/"+corpCreated.ID+"/associated-users", map[string]any{"associated_users": []any{}}, 204, nil)
	var byExt struct{ ID string }
	c.call("GET", "/external-customers/"+created.ExternalID, nil, 200, &byExt)
	if byExt.ID != created.ID {
		t.Errorf("external lookup %q", byExt.ID)
	}
	c.call("DELETE", "/customers/"+created.ID, nil, 204, nil)
	c.call("DELETE", "/customers/"+created.ID, nil, 409, nil)

}

type client struct {
	t    *testing.T
	base string
	key  string
}

func (c *client) with(t *testing.T) *client {
	return &client{t: t, base: c.base, key: c.key}
}

func (c *client) as(key string) *client {
	return &client{t: c.t, base: c.base, key: key}
}

// createKey runs "crmd keys create" and returns the last line it prints.
func createKey(t *testing.T, bin, dsn, roles string) string {
	out, err := exec.Command(bin, "keys", "create", "--org", "telco", "--roles", roles, "--database-url", dsn).Output()
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	key := lines[len(lines)-1]
	if !strings.HasPrefix(key, "crm_") {
		t.Fatalf("last line of keys create is not a key: %q", out)
	}
	return key
}

func (c *client) call(method, path string, body any, status int, out any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		c.t.Fatalf("%s %s: %d %s, want %d", method, path, res.StatusCode, raw, status)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
}

func readExample(t *testing.T, name string) map[string]any {
	raw, err := os.ReadFile("../../httpapi/testdata/examples/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	json.Unmarshal(raw, &v)
	return v
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitReady polls until the server answers; it is the only wait in the
// tests, bounded, and on a real process.
func waitReady(t *testing.T, url string) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server at %s not ready", url)
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
