package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/telcoops/crm/internal/envflag"
)

// loadConfig is what crmload is told.
type loadConfig struct {
	url         string
	org         string
	key         string
	duration    time.Duration
	concurrency int
	seed        int
	mix         string
	jsonOut     string
	idempotency bool
	rate        float64 // requests a second over all connections; 0: each as soon as the last answered
	// searchGenerated is how many "crmd import --generate" customers the
	// org holds, for customer_search to aim at.
	searchGenerated int
	// targets is a file of existing customers the reads aim at too.
	targets string
}

// defaultMix weighs the operations like a front end and billing would:
// mostly reads, some writes.
const defaultMix = "get_customer=30,search_document=15,get_account=20,list_accounts=10,create_customer=10,create_account=8,patch_payment_method=7"

// load drives a running server over HTTP for a fixed time at a fixed
// concurrency with a realistic mix of operations on ids it seeds itself,
// then prints per operation the throughput, latency percentiles and errors.
func load(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c loadConfig
	fs := flag.NewFlagSet("crmload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "base URL of the running server (env CRM_LOAD_URL)")
	fs.StringVar(&c.org, "org", "telco", "org to write to")
	fs.StringVar(&c.key, "key", "", "API key with the admin role for the org (env CRM_LOAD_KEY)")
	fs.DurationVar(&c.duration, "duration", 30*time.Second, "how long to drive the load (after seeding)")
	fs.IntVar(&c.concurrency, "concurrency", 32, "concurrent connections")
	fs.IntVar(&c.seed, "seed", 200, "customers (each with one account) to create before the run, as read targets")
	fs.StringVar(&c.mix, "mix", defaultMix, "operation=weight,... ("+strings.Join(opNames(), ", ")+")")
	fs.StringVar(&c.jsonOut, "json", "", "also write the results as JSON to this file (- for stdout)")
	fs.Float64Var(&c.rate, "rate", 0, "requests a second over all connections (0: as fast as the server answers); a tick no connection is free for is skipped")
	fs.IntVar(&c.searchGenerated, "search-generated", 0, "customers the org holds from \"crmd import --generate N\" (N), which customer_search also asks for")
	fs.StringVar(&c.targets, "targets", "", "also aim the reads at the existing customers of this file (customer id, document type, document number, account id; tab-separated)")
	fs.BoolVar(&c.idempotency, "idempotency-keys", false, "send a fresh Idempotency-Key with every POST, as a gateway adding one to each request would")
	if err := envflag.Parse(fs, args, os.Getenv); err != nil {
		return err
	}
	if c.key == "" {
		return errors.New("load: --key (or CRM_LOAD_KEY) is required: crmd keys create --org telco --roles admin")
	}
	mix, err := parseMix(c.mix)
	if err != nil {
		return err
	}
	d, err := newDriver(c)
	if err != nil {
		return err
	}
	defer d.client.closeIdle()
	if c.targets != "" {
		if err := d.loadTargets(c.targets); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "seeding %d customers with one account each...\n", c.seed)
	if err := d.seedTargets(ctx, c.seed); err != nil {
		return fmt.Errorf("load: seed: %w", err)
	}
	fmt.Fprintf(stderr, "driving %s at %d connections...\n", c.duration, c.concurrency)
	res := d.run(ctx, mix, c.duration)
	printTable(stdout, res)
	if c.jsonOut != "" {
		raw, _ := json.MarshalIndent(res, "", "  ")
		if c.jsonOut == "-" {
			fmt.Fprintln(stdout, string(raw))
		} else if err := os.WriteFile(c.jsonOut, raw, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// weighted is one operation of the mix and its weight.
type weighted struct {
	name   string
	weight int
}

// parseMix reads --mix: operation=weight pairs, zero weights dropped.
func parseMix(s string) ([]weighted, error) {
	var out []weighted
	for part := range strings.SplitSeq(s, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		var n int
		if _, err := fmt.Sscan(w, &n); !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("load: --mix: %q is not operation=weight", part)
		}
		if _, known := operations[name]; !known {
			return nil, fmt.Errorf("load: --mix: unknown operation %q (want one of %s)", name, strings.Join(opNames(), ", "))
		}
		if n > 0 {
			out = append(out, weighted{name, n})
		}
	}
	if len(out) == 0 {
		return nil, errors.New("load: --mix has no operation with a positive weight")
	}
	return out, nil
}

// OpResult is the outcome of one operation over the run.
type OpResult struct {
	Operation  string  `json:"operation"`
	Count      int     `json:"count"`
	Errors     int     `json:"errors"`
	PerSecond  float64 `json:"per_second"`
	P50Millis  float64 `json:"p50_ms"`
	P90Millis  float64 `json:"p90_ms"`
	P99Millis  float64 `json:"p99_ms"`
	MaxMillis  float64 `json:"max_ms"`
	FirstError string  `json:"first_error,omitempty"`
}

// LoadResult is the whole run.
type LoadResult struct {
	Duration    float64    `json:"duration_seconds"`
	Concurrency int        `json:"concurrency"`
	Total       OpResult   `json:"total"`
	Operations  []OpResult `json:"operations"`
}

// samples collects one worker's latencies per operation; merged at the end
// so workers never share a lock on the hot path.
type samples struct {
	lat      map[string][]time.Duration
	errs     map[string]int
	firstErr map[string]string
}

// newSamples makes one worker's empty samples.
func newSamples() *samples {
	return &samples{lat: map[string][]time.Duration{}, errs: map[string]int{}, firstErr: map[string]string{}}
}

// run drives the mix for dur with one worker per connection and merges
// the workers' samples into the result.
func (d *driver) run(ctx context.Context, mix []weighted, dur time.Duration) LoadResult {
	total := 0
	for _, m := range mix {
		total += m.weight
	}
	ctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	var wg sync.WaitGroup
	all := make([]*samples, d.cfg.concurrency)
	var ticks <-chan time.Time
	if d.cfg.rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / d.cfg.rate))
		defer t.Stop()
		ticks = t.C
	}
	start := time.Now()
	for w := range all {
		s := newSamples()
		all[w] = s
		rng := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
		wg.Go(func() {
			for ctx.Err() == nil {
				if ticks != nil {
					select {
					case <-ticks:
					case <-ctx.Done():
						return
					}
				}
				pick := rng.IntN(total)
				name := mix[len(mix)-1].name
				for _, m := range mix {
					if pick < m.weight {
						name = m.name
						break
					}
					pick -= m.weight
				}
				t0 := time.Now()
				err := operations[name](ctx, d, rng)
				el := time.Since(t0)
				if ctx.Err() != nil {
					return // cut off by the end of the run: neither a sample nor an error
				}
				if err != nil {
					s.errs[name]++
					if s.firstErr[name] == "" {
						s.firstErr[name] = err.Error()
					}
					continue
				}
				s.lat[name] = append(s.lat[name], el)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	res := LoadResult{Duration: elapsed, Concurrency: d.cfg.concurrency}
	var everything []time.Duration
	totalErrs := 0
	for _, m := range mix {
		var lat []time.Duration
		r := OpResult{Operation: m.name}
		for _, s := range all {
			lat = append(lat, s.lat[m.name]...)
			r.Errors += s.errs[m.name]
			if r.FirstError == "" {
				r.FirstError = s.firstErr[m.name]
			}
		}
		summarize(&r, lat, elapsed)
		everything = append(everything, lat...)
		totalErrs += r.Errors
		res.Operations = append(res.Operations, r)
	}
	res.Total = OpResult{Operation: "all", Errors: totalErrs}
	summarize(&res.Total, everything, elapsed)
	return res
}

// summarize fills r's count, rate and percentiles from its latencies.
func summarize(r *OpResult, lat []time.Duration, elapsed float64) {
	r.Count = len(lat)
	if elapsed > 0 {
		r.PerSecond = float64(len(lat)) / elapsed
	}
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 {
		i := int(p * float64(len(lat)-1))
		return float64(lat[i].Microseconds()) / 1000
	}
	r.P50Millis, r.P90Millis, r.P99Millis = q(0.50), q(0.90), q(0.99)
	r.MaxMillis = float64(lat[len(lat)-1].Microseconds()) / 1000
}

// printTable writes the result as an aligned table, then the first error
// of each operation that had one.
func printTable(w io.Writer, res LoadResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "operation\tcount\tper s\tp50 ms\tp90 ms\tp99 ms\tmax ms\terrors\t\n")
	rows := append(slices.Clone(res.Operations), res.Total)
	sort.SliceStable(rows[:len(rows)-1], func(i, j int) bool { return rows[i].Operation < rows[j].Operation })
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t\n", r.Operation, r.Count, r.PerSecond,
			r.P50Millis, r.P90Millis, r.P99Millis, r.MaxMillis, r.Errors)
	}
	tw.Flush()
	fmt.Fprintf(w, "%.1f s at %d connections\n", res.Duration, res.Concurrency)
	for _, r := range res.Operations {
		if r.FirstError != "" {
			fmt.Fprintf(w, "first %s error: %s\n", r.Operation, r.FirstError)
		}
	}
}
