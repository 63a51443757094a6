package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestMetricsEndToEnd starts the real binary on SQLite without NATS,
// makes a few requests and scrapes /metrics: the requests are counted by
// route pattern, and the database pools, the outbox, the webhook
// dispatcher and the (idle) relay all have their series. Every metric the
// Grafana dashboard in docs/ queries is one the server exposes.
func TestMetricsEndToEnd(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := crmdBinary(t)
	dsn := "sqlite:" + filepath.Join(dir, "crm.db")
	key := createKey(t, bin, dsn, "admin")
	addr := freeAddr(t)
	srv := exec.Command(bin, "serve", "--addr", addr, "--database-url", dsn)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CRM_NATS_URL=") {
			srv.Env = append(srv.Env, kv)
		}
	}
	logs := &syncBuffer{}
	srv.Stdout, srv.Stderr = logs, logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	base := "http://" + addr
	waitReady(t, base+"/readyz")

	c := &client{t: t, base: base + "/v4/orgs/telco", key: key}
	var created struct {
		ID string `json:"id"`
	}
	c.call("POST", "/customers", readExample(t, "NewPrivateCustomer"), 201, &created)
	c.call("GET", "/customers/"+created.ID, nil, 200, nil)
	c.call("GET", "/customers/"+created.ID, nil, 200, nil)
	c.call("GET", "/customers/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", nil, 404, nil)
	families, samples := scrape(t, base+"/metrics")

	customer := `route="/v4/orgs/{org_id}/customers/{customer_id}"`
	for series, want := range map[string]string{
		`crm_http_requests_total{method="POST",route="/v4/orgs/{org_id}/customers",status="201",surface="v4"}`: "1",
		`crm_http_requests_total{method="GET",` + customer + `,status="200",surface="v4"}`:                     "2",
		`crm_http_requests_total{method="GET",` + customer + `,status="404",surface="v4"}`:                     "1",
		`crm_http_request_duration_seconds_count{method="GET",` + customer + `,surface="v4"}`:                  "3",
		`crm_db_connections_max{pool="write"}`:                                                                 "1",
		`crm_db_connections_in_use{pool="write"}`:                                                              "0",
		`crm_db_connection_waits_total{pool="read"}`:                                                           "",
		`crm_outbox_backlog_events`:                                                                            "",
		`crm_outbox_feed_lag_seconds`:                                                                          "",
		`crm_webhook_deliveries_total{kind="feed"}`:                                                            "0",
		`crm_webhook_delivery_failures_total{reason="timeout"}`:                                                "0",
		`crm_relay_published_total{relay="nats"}`:                                                              "0",
		`crm_relay_backlog_events{relay="nats"}`:                                                               "0",
	} {
		got, ok := samples[series]
		if !ok || (want != "" && got != want) {
			t.Errorf("%s = %q (present %v), want %q", series, got, ok, want)
		}
	}
	for series := range samples {
		if strings.Contains(series, created.ID) {
			t.Errorf("a customer id is a label value: %s", series)
		}
	}

	for _, name := range dashboardMetrics(t) {
		if !families[name] {
			t.Errorf("the dashboard queries %s, which the server does not expose", name)
		}
	}
}

// scrape reads a Prometheus text exposition: the metric families it
// declares, and each series (name and labels as written) with its value.
func scrape(t *testing.T, url string) (families map[string]bool, samples map[string]string) {
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("GET /metrics: %d %s", res.StatusCode, body)
	}
	families, samples = map[string]bool{}, map[string]string{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if f, ok := strings.CutPrefix(line, "# TYPE "); ok {
			families[strings.Fields(f)[0]] = true
			continue
		}
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		samples[line[:i]] = line[i+1:]
	}
	return families, samples
}

// dashboardMetrics parses the Grafana dashboard and returns the metric
// families its queries name (a histogram's _bucket is its family).
func dashboardMetrics(t *testing.T) []string {
	raw, err := os.ReadFile("../../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("docs/grafana-dashboard.json: %v", err)
	}
	name := regexp.MustCompile(`\bcrm_[a-z0-9_]+`)
	seen := map[string]bool{}
	var out []string
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			found := name.FindAllString(tg.Expr, -1)
			if len(found) == 0 {
				t.Errorf("panel %q: query %q names no crm_ metric", p.Title, tg.Expr)
			}
			for _, n := range found {
				n = strings.TrimSuffix(n, "_bucket")
				if !seen[n] {
					seen[n] = true
					out = append(out, n)
				}
			}
		}
	}
	if len(out) < 10 {
		t.Errorf("the dashboard queries only %v", out)
	}
	return out
}
