package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telcoops/crm/sqlstore"
)

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", urlSigningKeyFile)
	// Several processes starting at once agree on one key.
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := loadOrCreateKey(path)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		}()
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatalf("keys differ: %q and %q", k, keys[0])
		}
	}
	if len(keys[0]) != 64 {
		t.Errorf("key %q, want 64 hex characters", keys[0])
	}
	// A restart reads the same key.
	again, err := loadOrCreateKey(path)
	if err != nil || !bytes.Equal(again, keys[0]) {
		t.Errorf("after restart %q, %v", again, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", fi.Mode())
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	// A key file someone truncated is an error, not a weak key.
	os.WriteFile(path, []byte("short\n"), 0o600)
	if _, err := loadOrCreateKey(path); err == nil {
		t.Error("a short key file was accepted")
	}
}

func TestIdentificationConfig(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "db", "crm.db")
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	base := config{databaseURL: dsn, documentURLTTL: 15 * time.Minute, addr: "127.0.0.1:8181", maxUploads: 7}

	got, err := base.identification(ctx, db, log)
	if err != nil {
		t.Fatal(err)
	}
	if got.URLTTL != 15*time.Minute || got.PublicURL != "http://localhost:8181" || got.MaxUploads != 7 {
		t.Errorf("config %+v", got)
	}
	// Defaults: blobs and the generated key beside the SQLite file.
	for _, p := range []string{filepath.Join(dir, "db", "blobs"), filepath.Join(dir, "db", urlSigningKeyFile)} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("default location: %v", err)
		}
	}
	c := base
	c.blobDir, c.urlSigningKey = filepath.Join(dir, "elsewhere"), strings.Repeat("k", 32)
	if _, err := c.identification(ctx, db, log); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.blobDir); err != nil {
		t.Errorf("CRM_BLOB_DIR not used: %v", err)
	}

	// The origin of links: --public-url, else localhost on --addr's port.
	for _, tc := range []struct{ addr, publicURL, want string }{
		{":8080", "", "http://localhost:8080"},
		{"[::]:9090", "", "http://localhost:9090"},
		{"0.0.0.0:8080", "https://crm.example.com", "https://crm.example.com"},
	} {
		c := config{addr: tc.addr, publicURL: tc.publicURL}
		if got, err := c.linkOrigin(); got != tc.want || err != nil {
			t.Errorf("addr %q public URL %q: %q %v, want %q", tc.addr, tc.publicURL, got, err, tc.want)
		}
	}

	bad := map[string]config{
		"short key":        {databaseURL: dsn, documentURLTTL: time.Minute, urlSigningKey: "short"},
		"zero TTL":         {databaseURL: dsn},
		"relative URL":     {databaseURL: dsn, documentURLTTL: time.Minute, publicURL: "/crm"},
		"no port in addr":  {databaseURL: dsn, documentURLTTL: time.Minute, addr: "localhost"},
		"not http":         {databaseURL: dsn, documentURLTTL: time.Minute, publicURL: "ftp://crm.example.com"},
		"blob dir is file": {databaseURL: dsn, documentURLTTL: time.Minute, blobDir: filepath.Join(dir, "db", urlSigningKeyFile)},
	}
	for name, c := range bad {
		if _, err := c.identification(ctx, db, log); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if d := (&config{databaseURL: "postgres://x/y"}).dataDir(); d != "data" {
		t.Errorf("postgres data dir %q", d)
	}
}
