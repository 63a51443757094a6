package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/localkek"
	"github.com/telcoops/crm/sqlstore"
)

func TestKeeperConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := localkek.Format(localkek.Generate())
	goodFile := filepath.Join(dir, "kek.txt")
	os.WriteFile(goodFile, []byte(good+"\n"), 0o600)
	sqlite := "sqlite:" + filepath.Join(dir, "data", "crm.db")
	pg := "postgres://crm@db/crm"
	tests := []struct {
		name     string
		c        config
		required bool
		wantErr  []string // each in the error; nil: no error
		wantNil  bool
	}{
		{"PostgreSQL without a key stops the start", config{databaseURL: pg}, true, []string{"CRM_KEK", "--kek-file", "CRM_KEK_FILE"}, false},
		{"PostgreSQL CLI without a key opens none", config{databaseURL: pg}, false, nil, true},
		{"PostgreSQL with CRM_KEK", config{databaseURL: pg, kek: good}, true, nil, false},
		{"PostgreSQL with a key file", config{databaseURL: pg, kekFile: goodFile}, true, nil, false},
		{"both given", config{databaseURL: pg, kek: good, kekFile: goodFile}, true, []string{"CRM_KEK", "--kek-file", "not both"}, false},
		{"CRM_KEK not base64", config{databaseURL: pg, kek: "secret"}, true, []string{"CRM_KEK", "base64"}, false},
		{"CRM_KEK of 16 bytes", config{databaseURL: pg, kek: localkek.Format(make([]byte, 16))}, true, []string{"CRM_KEK", "32 bytes"}, false},
		{"missing key file", config{databaseURL: pg, kekFile: filepath.Join(dir, "nope")}, true, []string{"--kek-file", "no such file"}, false},
		{"SQLite generates one", config{databaseURL: sqlite}, true, nil, false},
	}
	for _, tt := range tests {
		k, _, err := tt.c.keeper(tt.required)
		switch {
		case tt.wantErr == nil && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.wantErr != nil && err == nil:
			t.Errorf("%s: no error", tt.name)
		case err != nil:
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: error %q does not name %q", tt.name, err, w)
				}
			}
		case (k == nil) != tt.wantNil:
			t.Errorf("%s: keeper %v, want nil: %v", tt.name, k, tt.wantNil)
		}
	}
}

// TestDataFileModes: everything the service writes into its data
// directory is the service's alone.
func TestDataFileModes(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	c := config{databaseURL: "sqlite:" + filepath.Join(data, "crm.db"), documentURLTTL: time.Minute, addr: ":8080"}
	k, source, err := c.keeper(true)
	if err != nil {
		t.Fatal(err)
	}
	db, err := c.openSealed(context.Background(), sqlstore.Options{}, k, source)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := c.identification(ctx, db, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	got := map[string]os.FileMode{}
	for _, name := range []string{".", "crm.db", kekFileName, urlSigningKeyFile, "blobs"} {
		st, err := os.Stat(filepath.Join(data, name))
		if err != nil {
			t.Fatal(err)
		}
		got[name] = st.Mode().Perm()
	}
	want := map[string]os.FileMode{".": 0o700, "crm.db": 0o600, kekFileName: 0o600, urlSigningKeyFile: 0o600, "blobs": 0o700}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("modes (-want +got):\n%s", diff)
	}
}

// TestKEKMismatchAndRotate: another key does not open the stored secrets,
// and says which setting to check; kek rotate moves them to a new key.
func TestKEKMismatchAndRotate(t *testing.T) {
	t.Setenv("CRM_KEK", "") // TestMain's; the keys here come from files
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "data", "crm.db")
	files := map[string]string{}
	for _, name := range []string{"old", "new", "other"} {
		files[name] = filepath.Join(dir, name+".kek")
		os.WriteFile(files[name], []byte(localkek.Format(localkek.Generate())), 0o600)
	}
	open := func(file string) (*sqlstore.DB, error) {
		c := config{databaseURL: dsn, kekFile: file}
		k, source, err := c.keeper(true)
		if err != nil {
			t.Fatal(err)
		}
		return c.openSealed(context.Background(), sqlstore.Options{}, k, source)
	}
	db, err := open(files["old"])
	if err != nil {
		t.Fatal(err)
	}
	hook, err := db.Webhooks.CreateWebhook(crm.WithRequestInfo(context.Background(), crm.RequestInfo{RequestID: "r",
		Principal: crm.Principal{ID: "key:1", Orgs: []string{"telco"}, Roles: []crm.Role{crm.RoleAdmin}}}), "telco", crm.NewWebhook{URL: "https://hooks.example.com/", EventTypes: []string{"*"}}, crm.WriteOptions{})

	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = open(files["other"])
	if !errors.Is(err, sqlstore.ErrKEKMismatch) || !strings.Contains(err.Error(), "--kek-file") {
		t.Errorf("open with another key: %v; want ErrKEKMismatch naming --kek-file", err)
	}
	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"kek", "rotate", "--database-url", dsn, "--kek-file", files["old"],
		"--new-kek-file", files["new"], "--log-level", "warn"}, &out, &errOut)
	if err != nil || !strings.Contains(out.String(), "resealed") {
		t.Fatalf("kek rotate: %v\n%s%s", err, out.String(), errOut.String())
	}
	if _, err := open(files["old"]); !errors.Is(err, sqlstore.ErrKEKMismatch) {
		t.Errorf("open with the old key after rotation: %v", err)
	}
	db, err = open(files["new"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	active, err := db.WebhookDeliveries.ActiveWebhooks(context.Background())
	if err != nil || len(active) != 1 || active[0].Secret != hook.Secret {
		t.Errorf("after rotation: %+v, %v; want the webhook's secret", active, err)
	}
}
