package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/blobstore"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestErasureSurvivesSIGKILL erases customers with crmd privacy erase,
// killing each run with SIGKILL at a random moment, then erases them all
// again: every erasure completes, no document number, username or document
// file is left, and no customer is half erased in between (each is either
// untouched or erased, as one transaction makes it).
func TestErasureSurvivesSIGKILL(t *testing.T) {
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
			ids := seedErasable(t, dsn, blobDir, 12, 6)
			env := append(os.Environ(), "CRM_URL_SIGNING_KEY="+strings.Repeat("k", 32))
			erase := func(id string) *exec.Cmd {
				cmd := exec.Command(bin, "privacy", "erase", "--org", "telco", "--customer", id, "--database-url", dsn, "--blob-dir", blobDir)
				cmd.Dir, cmd.Env = dir, env
				return cmd
			}
			// A run that finds no customer takes as long to start and open
			// the database: the kills land around the moment the erasure works.
			start := time.Now()
			erase("0198a0f1-4567-7d43-ab00-0000000000ff").Run()
			window := time.Since(start)
			for _, id := range ids {
				cmd := erase(id)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				time.Sleep(window/2 + rand.N(window))
				cmd.Process.Kill()
				cmd.Wait()
			}
			t.Logf("after the kills: %v", erasureStates(t, dsn, ids))
			for i, id := range ids {
				var out bytes.Buffer
				cmd := erase(id)
				cmd.Stdout = &out
				if err := cmd.Run(); err != nil {
					t.Fatalf("erase %s again: %v", id, err)
				}
				var rec crm.Erasure
				if err := json.Unmarshal(out.Bytes(), &rec); err != nil || !rec.Complete {
					t.Errorf("erase %s again: %v %s", id, err, out.String())
				}
				for _, v := range []string{crmtest.NIF(500 + i), erasableUsername(i)} {
					cmd := exec.Command(bin, "privacy", "find", "--value", v, "--database-url", dsn, "--blob-dir", blobDir)
					cmd.Dir, cmd.Env = dir, env
					if found, err := cmd.Output(); err != nil || len(found) != 0 {
						t.Errorf("find %s: %v %q", v, err, found)
					}
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
				t.Errorf("%d document files left", len(files))
			}
		})
	}
}

// erasureStates counts the customers untouched, erased and erased with
// files left; it fails on one half erased (a record but still readable, or
// unreadable without a record).
func erasureStates(t *testing.T, dsn string, ids []string) map[string]int {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	privacy := db.Privacy(db.Identifications(nil))
	states := map[string]int{}
	for _, id := range ids {
		rec, err := privacy.GetErasure(ctx, "telco", id)
		_, readErr := db.Customers.GetCustomer(ctx, "telco", id)
		switch {
		case crm.ErrorCodeOf(err) == crm.ENOTFOUND && readErr == nil:
			states["untouched"]++
		case err == nil && crm.ErrorCodeOf(readErr) == crm.ENOTFOUND && rec.Complete:
			states["erased"]++
		case err == nil && crm.ErrorCodeOf(readErr) == crm.ENOTFOUND:
			states["erased, files left"]++
		default:
			t.Errorf("customer %s half erased: record %v, read %v", id, err, readErr)
		}
	}
	return states
}

func erasableUsername(i int) string { return "erasable" + string(rune('a'+i)) + "@example.com" }

// seedErasable creates n customers, each with a credential and docs
// identified documents, and returns their ids.
func seedErasable(t *testing.T, dsn, blobDir string, n, docs int) []string {
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
	store := db.Identifications(blobs)
	var out []string
	for i := range n {
		c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(500+i)), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Credentials.AddCredential(ctx, "telco", c.ID, erasableUsername(i), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		for range docs {
			doc, err := store.StageDocument(ctx, "id.pdf", bytes.NewReader([]byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := store.CreateIdentificationProcess(ctx, "telco", c.ID, crm.NewIdentificationProcess{Type: crm.DocNIF, Document: doc}, crm.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, c.ID)
	}
	return out
}
