package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/blobstore"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestPrivacyExportCommand runs crmd privacy export on each engine against
// a customer with an account, a credential and an identified document,
// deactivated on the way: the file and stdout hold the same document, with
// every part and a link to the document.
func TestPrivacyExportCommand(t *testing.T) {
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
			id, docID := seedSubject(t, dsn, blobDir)

			out := filepath.Join(dir, "subject.json")
			args := []string{"privacy", "export", "--org", "telco", "--customer", id, "--database-url", dsn,
				"--blob-dir", blobDir, "--public-url", "https://crm.example.com"}
			cmd := exec.Command(bin, append(args, "--file", out)...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "CRM_URL_SIGNING_KEY="+strings.Repeat("k", 32))
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %s", err, msg)
			}
			info, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", info.Mode().Perm())
			}
			fromFile := decodeExport(t, mustRead(t, out))

			cmd = exec.Command(bin, args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "CRM_URL_SIGNING_KEY="+strings.Repeat("k", 32))
			stdout, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			fromStdout := decodeExport(t, stdout)
			// Only the moment of the export, and the expiry of the links
			// it signs, may differ between two runs.
			for _, x := range []map[string]any{fromFile, fromStdout} {
				delete(x, "exported_at")
				for _, p := range x["identification_processes"].([]any) {
					d := p.(map[string]any)["document"].(map[string]any)
					delete(d, "url_expiration_date")
					delete(d, "public_url")
				}
			}
			if diff := cmp.Diff(fromFile, fromStdout); diff != "" {
				t.Errorf("file and stdout differ (-file +stdout):\n%s", diff)
			}

			got := map[string]int{}
			for _, part := range []string{"accounts", "identification_processes", "events"} {
				got[part] = len(fromFile[part].([]any))
			}
			got["credentials"] = len(fromFile["credentials"].(map[string]any)["credentials"].([]any))
			// customer.created, account.created, account.closed,
			// credential added, identification, customer.deactivated.
			want := map[string]int{"accounts": 1, "identification_processes": 1, "events": 6, "credentials": 1}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("export (-want +got):\n%s", diff)
			}
			link := mustRead(t, out)
			if !bytes.Contains(link, []byte(`"public_url":"https://crm.example.com/v4/orgs/telco/documents/`+docID+`?`)) {
				t.Errorf("no signed link to document %s in %s", docID, link)
			}

			// An unknown customer: an error, and no file.
			missing := filepath.Join(dir, "missing.json")
			cmd = exec.Command(bin, append(args[:5:5], "0198a0f1-4567-7d43-ab00-0000000000ff", "--database-url", dsn, "--blob-dir", blobDir, "--file", missing)...)
			cmd.Dir = dir
			if msg, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(msg), "customer not found") {
				t.Errorf("unknown customer: %v: %s", err, msg)
			}
			if _, err := os.Stat(missing); err == nil {
				t.Error("a file was written for an unknown customer")
			}
		})
	}
}

// seedSubject makes a customer of org telco with an account, a credential
// and an identification process, closes the account and deactivates the
// customer, and returns the customer's and the document's ids.
func seedSubject(t *testing.T, dsn, blobDir string) (string, string) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	blobs, err := blobstore.Open(blobDir)
	if err != nil {
		t.Fatal(err)
	}
	ids := db.Identifications(blobs)
	c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(7)), crm.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	iban := "ES7921000813610123456789"
	a, err := db.Accounts.CreateAccount(ctx, "telco", c.ID, crm.NewAccount{Modality: crm.ModalityPostpaid,
		PaymentMethod: &crm.PaymentMethodRequest{Type: crm.PaymentDirectDebit, Details: &crm.PaymentDetails{IBAN: &iban}},
		BillingAddress: &crm.BillingAddress{AddressLines: []string{"Avenida de Bruselas, 38"}, PostalCode: "28108",
			Locality: "Alcobendas", AdministrativeArea: "Madrid", RegionCode: "ES"}}, crm.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Credentials.AddCredential(ctx, "telco", c.ID, "subject7@example.com", crm.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	doc, err := ids.StageDocument(ctx, "id.pdf", bytes.NewReader([]byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ids.CreateIdentificationProcess(ctx, "telco", c.ID, crm.NewIdentificationProcess{Type: crm.DocNIF, Document: doc}, crm.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Accounts.CloseAccount(ctx, "telco", c.ID, a.ID, crm.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := db.Customers.DeactivateCustomer(ctx, "telco", c.ID, crm.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return c.ID, p.Document.ID
}

func decodeExport(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var x map[string]any
	if err := json.Unmarshal(raw, &x); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return x
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
