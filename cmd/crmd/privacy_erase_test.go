package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestPrivacyEraseCommand erases, from the command line, a customer with
// an account, a credential and a document: privacy find sees its document
// number, IBAN and username before and nowhere after, the document file is
// gone, and the retention policy can be read and changed.
func TestPrivacyEraseCommand(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := crmdBinary(t)
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dir := t.TempDir()
			dsn := e.DSN(t)
			if e.Name == "sqlite" {
				dsn = "sqlite:" + dsn
			}
			blobDir := filepath.Join(dir, "blobs")
			id, _ := seedSubject(t, dsn, blobDir)
			run := func(args ...string) (string, string) {
				t.Helper()
				cmd := exec.Command(bin, append([]string{"privacy"}, append(args, "--database-url", dsn, "--blob-dir", blobDir)...)...)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "CRM_URL_SIGNING_KEY="+strings.Repeat("k", 32))
				var stderr strings.Builder
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("crmd privacy %v: %v: %s", args, err, stderr.String())
				}
				return string(out), stderr.String()
			}
			values := []string{crmtest.NIF(7), "ES7921000813610123456789", "subject7@example.com", "Avenida de Bruselas"}
			for _, v := range values {
				if out, _ := run("find", "--value", v); !strings.Contains(out, "customers") && !strings.Contains(out, "accounts") && !strings.Contains(out, "customer_credentials") {
					t.Fatalf("find %s before the erasure: %q", v, out)
				}
			}
			out, _ := run("erase", "--org", "telco", "--customer", id)
			var rec crm.Erasure
			if err := json.Unmarshal([]byte(out), &rec); err != nil || !rec.Complete || rec.CustomerID != id || rec.Actor != "cli" {
				t.Fatalf("erase: %v %s", err, out)
			}
			for _, v := range values {
				if out, msg := run("find", "--value", v); out != "" || !strings.HasPrefix(msg, "0 row(s)") {
					t.Errorf("find %s after the erasure: %q %q", v, out, msg)
				}
			}
			var files []string
			filepath.WalkDir(blobDir, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					files = append(files, p)
				}
				return nil
			})
			if len(files) != 0 {
				t.Errorf("document files left: %v", files)
			}
			out, _ = run("retention", "--org", "telco", "--years", "7", "--keep-product-iban", "false")
			var p crm.RetentionPolicy
			if err := json.Unmarshal([]byte(out), &p); err != nil || p.Years != 7 || p.KeepProductIBAN || p.LegalBasis != crm.DefaultRetention.LegalBasis {
				t.Errorf("retention: %v %s", err, out)
			}
		})
	}
}
