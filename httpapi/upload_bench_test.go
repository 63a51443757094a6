package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// parallelUploads is how many 10 MiB uploads BenchmarkParallelUploads sends
// at once, and maxPeakMB the resident memory they may drive the process to.
const (
	parallelUploads = 48
	maxPeakMB       = 150
)

// BenchmarkParallelUploads fires 48 uploads of 10 MiB each at once through
// the real handler, their bodies generated as they are read so that only
// the server's own buffering counts, and fails if the process's peak
// resident memory goes over 150 MB:
//
//	go test -run '^$' -bench ParallelUploads -benchtime 1x ./httpapi/
//
// It runs with the documents in a directory and in the database
// (sqlstore.Blobs, crmd's default with PostgreSQL), on each engine.
func BenchmarkParallelUploads(b *testing.B) {
	for _, e := range sqltest.Engines(b) {
		for _, store := range []string{"dir", "database"} {
			b.Run(e.Name+"/"+store, func(b *testing.B) { benchmarkParallelUploads(b, e, store) })
		}
	}
}

// benchmarkParallelUploads is one run, on engine e with documents in store.
func benchmarkParallelUploads(b *testing.B, e sqltest.Engine, store string) {
	clock := crmtest.NewClock(sqltest.Start)
	db := sqltest.Open(b, e, clock.Now)
	ic := identificationConfig(b, db)
	if store == "database" {
		ic = identificationConfigWith(b, db, db.Blobs())
	}
	h := httpapi.New(httpapi.Config{Customers: db.Customers, APIKeys: db.APIKeys, Idempotency: db.Idempotency, Clock: clock.Now,
		Identification: ic}).Handler()
	_, key, err := db.APIKeys.CreateAPIKey(context.Background(), "telco", "bench", []crm.Role{crm.RoleAdmin})
	if err != nil {
		b.Fatal(err)
	}
	cid := benchCustomer(b, h, key)
	runtime.GC()
	debug.FreeOSMemory()
	peak := startPeakRSS(b)
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		for range parallelUploads {
			wg.Go(func() {
				body, ct := streamedUpload(crm.MaxDocumentBytes)
				req := httptest.NewRequest("POST", "/v4/orgs/telco/customers/"+cid+"/identification-processes", body)
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", ct)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 201 {
					b.Errorf("upload: %d %s", rec.Code, rec.Body)
				}
			})
		}
		wg.Wait()
	}
	b.StopTimer()
	mb := peak()
	b.ReportMetric(mb, "peak-MB")
	if mb > maxPeakMB {
		b.Fatalf("%d parallel uploads of 10 MiB drove resident memory to %.0f MB, over %d MB", parallelUploads, mb, maxPeakMB)
	}
}

// benchCustomer creates the customer the uploads are for.
func benchCustomer(b *testing.B, h http.Handler, key string) string {
	raw, err := os.ReadFile("testdata/examples/NewPrivateCustomer.json")
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/v4/orgs/telco/customers", bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var c struct{ ID string }
	if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil || rec.Code != 201 {
		b.Fatalf("create customer: %d %s", rec.Code, rec.Body)
	}
	return c.ID
}

// streamedUpload is a multipart upload of a PDF of size bytes, produced as
// it is read rather than held in memory.
func streamedUpload(size int) (io.Reader, string) {
	const boundary = "bench-boundary-7d43ab00"
	head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nNIF\r\n" +
		"--" + boundary + "\r\nContent-Disposition: form-data; name=\"document\"; filename=\"id.pdf\"\r\n" +
		"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
	tail := "\r\n--" + boundary + "--\r\n"
	return io.MultiReader(strings.NewReader(head), io.LimitReader(zeros{}, int64(size-len("%PDF-1.7\n"))), strings.NewReader(tail)),
		"multipart/form-data; boundary=" + boundary
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// startPeakRSS starts measuring the process's peak resident memory and
// returns a function that stops and reports it in MB. It resets the
// kernel's high-water mark (VmHWM) when it can, and samples VmRSS every
// millisecond as well, in case it cannot.
func startPeakRSS(b *testing.B) func() float64 {
	reset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	var mu sync.Mutex
	var sampled int64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if kb, err := procStatusKB("VmRSS"); err == nil {
				mu.Lock()
				sampled = max(sampled, kb)
				mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() float64 {
		close(done)
		<-stopped
		peak := sampled
		if reset {
			hwm, err := procStatusKB("VmHWM")
			if err != nil {
				b.Fatal(err)
			}
			peak = max(peak, hwm)
		}
		if peak == 0 {
			b.Fatal("could not read the resident memory from /proc/self/status")
		}
		return float64(peak) / 1000
	}
}

// procStatusKB reads a kB field, such as VmRSS, of /proc/self/status.
func procStatusKB(field string) (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if ok && name == field {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/self/status", field)
}
