package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/internal/envflag"
	"github.com/telcoops/crm/jsonlimport"
)

// importCmd bulk-loads customers and their accounts from a JSON Lines file
// (crmd import --org O --file F), or writes a file of generated customers
// to load (crmd import --generate N --file F).
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c)
	org := fs.String("org", "", "the org to import into")
	file := fs.String("file", "", "JSON Lines file: one create-customer body per line, with an optional accounts array")
	report := fs.String("report", "", "write rejected lines here as JSON Lines (default: to stderr)")
	batch := fs.Int("batch", jsonlimport.DefaultBatch, "lines per transaction")
	rate := fs.Float64("rate", 0, "write at most this many lines a second (0: as fast as the database takes them), leaving the rest of the database to a service running on it; smaller batches (--batch) make the load smoother")
	generate := fs.Int("generate", 0, "instead of importing, write this many valid customers, each with one account, to --file")
	duplicates := fs.Int("duplicates", 0, "with --generate: make the last 4*D lines likely duplicates of others, D pairs per duplicate rule (external id <original>.dup.<rule>)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the import to this file (go tool pprof)")
	memProfile := fs.String("memprofile", "", "write a heap profile to this file when the import ends: what is live, and what the import allocated (go tool pprof)")
	if err := envflag.Parse(fs, args, os.Getenv); err != nil {
		return err
	}
	if *file == "" {
		return errors.New("import: --file is required")
	}
	if *generate > 0 {
		return generateImport(*file, *generate, *duplicates)
	}
	if !crm.ValidOrgID(*org) {
		return errors.New("import: --org must be 1 to 63 lower-case letters, digits, _ or -")
	}
	if *batch <= 0 {
		return errors.New("import: --batch must be positive")
	}
	if *rate < 0 || math.IsNaN(*rate) || math.IsInf(*rate, 0) {
		return errors.New("import: --rate must be 0 (no limit) or a positive number of lines a second")
	}
	in, err := os.Open(*file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if os.Getenv("GOGC") == "" {
		// The live heap is small beside what decoding and encoding
		// allocate: collecting less often took the collector from 8% to
		// 3% of the CPU in the import's profile.
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// GOGC=400 alone lets the heap grow to five times what is live;
		// the limit makes the collector run sooner once the heap nears it,
		// so that the import stays within its memory budget at any size
		// of the file (docs/performance.md, "Import memory"). Both settings
		// are put back on return: tests run the command in their process.
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(importHeapLimit))
	}
	p := newProgress(stderr, info.Size())
	var out io.Writer = screenWriter{p}
	if *report != "" {
		f, err := os.Create(*report)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		out = f
	}
	db, err := c.openDB(ctx, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer pprof.StopCPUProfile()
	}

	rep := bufio.NewWriterSize(out, 1<<16)
	opt := jsonlimport.Options{Actor: "import:" + filepath.Base(*file), BatchSize: *batch, Rate: *rate,
		Reject: func(r crm.ImportRejection) error {
			raw, err := json.Marshal(r)
			if err != nil {
				return err
			}
			rep.Write(raw)
			return rep.WriteByte('\n')
		},
		Progress: func(s jsonlimport.Stats) {
			if *report == "" {
				rep.Flush() // show them now, not when the buffer fills
			}
			p.update(s)
		}}
	stop := p.run()
	stats, err := jsonlimport.Run(ctx, db, *org, in, opt)
	stop()
	if *memProfile != "" {
		if perr := writeHeapProfile(*memProfile); err == nil && perr != nil {
			err = perr
		}
	}
	if ferr := rep.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("import: report: %w", ferr)
	}
	elapsed := p.elapsed()
	fmt.Fprintf(stdout, "imported %d customers (%d accounts), skipped %d, rejected %d, in %s: %.0f lines/s\n",
		stats.Imported, stats.Accounts, stats.Skipped, stats.Rejected, elapsed.Round(time.Millisecond),
		float64(stats.Lines)/elapsed.Seconds())
	if err != nil {
		return fmt.Errorf("import stopped after %d lines; what was imported stays, and a re-run skips it: %w",
			stats.Lines, err)
	}
	if stats.Rejected > 0 {
		where := "stderr"
		if *report != "" {
			where = *report
		}
		return exitError{code: exitRejected, err: fmt.Errorf("import: %d of %d lines rejected (listed in %s); the others were imported or skipped",
			stats.Rejected, stats.Lines, where)}
	}
	return nil
}

// importHeapLimit is the Go heap's soft limit during an import (unless
// GOMEMLIMIT sets one): with SQLite's page cache for the import and the
// binary, the process stays under 256 MB resident.
const importHeapLimit = 96 << 20

// writeHeapProfile writes the heap profile to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("import: heap profile: %w", err)
	}
	return f.Close()
}

// progress shows how far an import got: on a terminal a bar redrawn in
// place, otherwise a plain line every 5 seconds.
type progress struct {
	w     io.Writer
	tty   bool
	size  int64
	start time.Time
	mu    sync.Mutex
	stats jsonlimport.Stats
	drawn bool // the bar is on the screen
}

func newProgress(w io.Writer, size int64) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, tty: tty, size: size}
}

func (p *progress) update(s jsonlimport.Stats) {
	p.mu.Lock()
	p.stats = s
	p.mu.Unlock()
}

func (p *progress) elapsed() time.Duration { return time.Since(p.start) }

// screenWriter writes to the progress's screen, taking the bar off it
// first, so that report lines and the bar do not mix.
type screenWriter struct{ p *progress }

func (w screenWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	if w.p.drawn {
		fmt.Fprint(w.p.w, "\r\033[K")
		w.p.drawn = false
	}
	return w.p.w.Write(b)
}

// run starts the clock and draws until the returned stop is called,
// which draws a last time.
func (p *progress) run() (stop func()) {
	p.start = time.Now()
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.draw()
			case <-done:
				return
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		p.draw()
		if p.tty {
			fmt.Fprintln(p.w)
		}
	}
}

func (p *progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, el := p.stats, time.Since(p.start)
	pct := 100.0
	if p.size > 0 {
		pct = 100 * float64(s.Bytes) / float64(p.size)
	}
	rate := float64(s.Lines) / el.Seconds()
	eta := "?"
	if s.Bytes > 0 {
		left := time.Duration(float64(el) * float64(p.size-s.Bytes) / float64(s.Bytes))
		eta = left.Round(time.Second).String()
	}
	if !p.tty {
		fmt.Fprintf(p.w, "import: %5.1f%% %d lines (imported %d, skipped %d, rejected %d) %.0f lines/s, ETA %s\n",
			pct, s.Lines, s.Imported, s.Skipped, s.Rejected, rate, eta)
		return
	}
	const width = 30
	fill := min(int(pct/100*width), width)
	bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
	fmt.Fprintf(p.w, "\r\033[K[%s] %5.1f%%  %d lines  %.0f/s  ETA %s", bar, pct, s.Lines, rate, eta)
	p.drawn = true
}
