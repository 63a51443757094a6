package main

import (
	"bytes"
	"context"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/blobstore"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/crmtest/blobtest"
	"github.com/telcoops/crm/internal/envflag"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestBlobStoreChoice: auto keeps documents in the database with
// PostgreSQL and no --blob-dir, in the directory otherwise; dir and
// database are obeyed, and database with a directory named is refused.
func TestBlobStoreChoice(t *testing.T) {
	t.Parallel()
	const pg, lite = "postgres://db/crm", "sqlite:data/crm.db"
	for _, tc := range []struct {
		dsn, mode, dir string
		want           string // "" when refused
	}{
		{pg, "auto", "", blobStoreDatabase},
		{pg, "", "", blobStoreDatabase},
		{pg, "auto", "/srv/blobs", blobStoreDir},
		{pg, "dir", "", blobStoreDir},
		{pg, "database", "", blobStoreDatabase},
		{pg, "database", "/srv/blobs", ""},
		{lite, "auto", "", blobStoreDir},
		{lite, "auto", "/srv/blobs", blobStoreDir},
		{lite, "database", "", blobStoreDatabase},
		{lite, "dir", "/srv/blobs", blobStoreDir},
	} {
		c := config{databaseURL: tc.dsn, blobStore: blobStoreFlag(tc.mode), blobDir: tc.dir}
		got, err := c.blobStoreKind()
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("%s --blob-store=%q --blob-dir=%q: %q, %v; want %q", tc.dsn, tc.mode, tc.dir, got, err, tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), "--blob-store (env CRM_BLOB_STORE)") {
			t.Errorf("the refusal names no flag: %v", err)
		}
	}
}

// TestBlobStoreFlag: a bad value, on the command line or in the
// environment, stops the start naming the flag and what it wants.
func TestBlobStoreFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string // the mode, or a piece of the error
		bad  bool
	}{
		{nil, nil, "auto", false},
		{[]string{"--blob-store", "database"}, nil, "database", false},
		{nil, map[string]string{"CRM_BLOB_STORE": "dir"}, "dir", false},
		{[]string{"--blob-store=dir"}, map[string]string{"CRM_BLOB_STORE": "database"}, "dir", false},
		{[]string{"--blob-store=s3"}, nil, `invalid value "s3" for flag -blob-store: want auto, dir or database`, true},
		{nil, map[string]string{"CRM_BLOB_STORE": "Database"}, "environment CRM_BLOB_STORE (--blob-store): want auto, dir or database", true},
	} {
		var c config
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(&bytes.Buffer{})
		documentFlags(fs, &c)
		err := envflag.Parse(fs, tc.args, func(k string) string { return tc.env[k] })
		switch {
		case tc.bad && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v %v: %v, want an error with %q", tc.args, tc.env, err, tc.want)
		case !tc.bad && (err != nil || string(c.blobStore) != tc.want):
			t.Errorf("%v %v: %q, %v; want %q", tc.args, tc.env, c.blobStore, err, tc.want)
		}
	}
}

// putAll stores blobs by key in s.
func putAll(t *testing.T, s crm.BlobStore, blobs map[string][]byte) {
	t.Helper()
	for k, b := range blobs {
		if err := s.Put(context.Background(), k, bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
}

// readAll reads every blob of s by key.
func readAll(t *testing.T, s crm.BlobStore) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for k := range blobtest.List(t, s) {
		out[k] = blobtest.Read(t, s, k)
	}
	return out
}

// TestBlobsCopy: crmd blobs copy moves every document to the other store,
// both ways, and a second run copies nothing.
func TestBlobsCopy(t *testing.T) {
	t.Parallel()
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := e.DSN(t)
			if !sqlstore.IsPostgres(dsn) {
				dsn = "sqlite:" + dsn
			}
			db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			dir := filepath.Join(t.TempDir(), "blobs")
			fs, err := blobstore.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][]byte{
				"identification/telco/a": blobtest.Bytes(1, 600<<10),
				"identification/telco/b": blobtest.Bytes(2, 10),
				"identification/other/c": {},
			}
			putAll(t, fs, want)
			copyCmd := func(from, to, dir string) string {
				t.Helper()
				var out, logs bytes.Buffer
				args := []string{"blobs", "copy", "--from", from, "--to", to, "--database-url", dsn, "--blob-dir", dir}
				if err := run(ctx, args, &out, &logs); err != nil {
					t.Fatalf("crmd %s: %v\n%s", strings.Join(args, " "), err, logs.String())
				}
				return out.String()
			}
			for i, wantOut := range []string{"3 copied (614410 bytes), 0 already there", "0 copied (0 bytes), 3 already there"} {
				if got := copyCmd("dir", "database", dir); !strings.Contains(got, wantOut) {
					t.Errorf("run %d to the database: %q, want %q", i+1, got, wantOut)
				}
			}
			if diff := cmp.Diff(want, readAll(t, db.Blobs())); diff != "" {
				t.Errorf("database (-want +got):\n%s", diff)
			}
			// A document uploaded to the database since comes back too.
			putAll(t, db.Blobs(), map[string][]byte{"identification/telco/d": []byte("new")})
			want["identification/telco/d"] = []byte("new")
			back := filepath.Join(t.TempDir(), "back")
			if got := copyCmd("database", "dir", back); !strings.Contains(got, "4 copied") {
				t.Errorf("to a directory: %q", got)
			}
			fs2, err := blobstore.Open(back)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, readAll(t, fs2)); diff != "" {
				t.Errorf("directory (-want +got):\n%s", diff)
			}
			var out, logs bytes.Buffer
			if err := run(ctx, []string{"blobs", "copy", "--from", "dir", "--to", "dir", "--database-url", dsn}, &out, &logs); err == nil {
				t.Error("a copy from dir to dir was accepted")
			}
		})
	}
}

// TestAutoRefusesDocumentsLeftBehind: a PostgreSQL deployment whose
// documents are in the default directory does not start with auto (every
// download would fail) until they are copied into the database.
func TestAutoRefusesDocumentsLeftBehind(t *testing.T) {
	e := sqltest.Postgres(t)
	t.Chdir(t.TempDir()) // the default directory is ./data/blobs with PostgreSQL
	ctx := context.Background()
	dsn := e.DSN(t)
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Clock: crmtest.NewClock(time.Now()).Now})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := config{databaseURL: dsn, documentURLTTL: time.Minute, addr: ":8080", urlSigningKey: strings.Repeat("k", 32)}
	// No directory: the database, at once.
	if _, _, where, err := c.documents(ctx, db); err != nil || where != "database" {
		t.Fatalf("fresh deployment: %q, %v", where, err)
	}
	fs, err := blobstore.Open(filepath.Join("data", "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	putAll(t, fs, map[string][]byte{"identification/telco/a": []byte("%PDF-1.7")})
	_, _, _, err = c.documents(ctx, db)
	if err == nil || !strings.Contains(err.Error(), "crmd blobs copy --from dir --to database") {
		t.Fatalf("documents left in data/blobs: %v, want a refusal naming the copy", err)
	}
	// Chosen explicitly, either store starts.
	for _, mode := range []blobStoreFlag{blobStoreDir, blobStoreDatabase} {
		c := c
		c.blobStore = mode
		if _, _, _, err := c.documents(ctx, db); err != nil {
			t.Errorf("--blob-store=%s: %v", mode, err)
		}
	}
	if _, err := copyBlobs(ctx, fs, db.Blobs()); err != nil {
		t.Fatal(err)
	}
	if _, _, where, err := c.documents(ctx, db); err != nil || where != "database" {
		t.Errorf("after the copy: %q, %v", where, err)
	}
}

// TestPrivacyEraseUsesTheChosenStore: crmd privacy erase deletes the
// customer's document from the store --blob-store chose, here the
// database, on both engines. Not parallel: it sets the environment.
func TestPrivacyEraseUsesTheChosenStore(t *testing.T) {
	t.Setenv("CRM_URL_SIGNING_KEY", strings.Repeat("k", 32))
	t.Chdir(t.TempDir()) // PostgreSQL's data directory is ./data
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			dsn := e.DSN(t)
			if !sqlstore.IsPostgres(dsn) {
				dsn = "sqlite:" + dsn
			}
			db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ids := db.Identifications(db.Blobs())
			c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(8)), crm.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			doc, err := ids.StageDocument(ctx, "id.pdf", bytes.NewReader([]byte("%PDF-1.7\n%%EOF\n")))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ids.CreateIdentificationProcess(ctx, "telco", c.ID, crm.NewIdentificationProcess{Type: crm.DocNIF, Document: doc}, crm.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := db.Customers.DeactivateCustomer(ctx, "telco", c.ID, crm.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			if n := len(blobtest.List(t, db.Blobs())); n != 1 {
				t.Fatalf("%d blobs in the database before the erasure, want 1", n)
			}
			var out, logs bytes.Buffer
			args := []string{"privacy", "erase", "--org", "telco", "--customer", c.ID, "--database-url", dsn, "--blob-store", "database"}
			if err := run(ctx, args, &out, &logs); err != nil {
				t.Fatalf("crmd %s: %v\n%s", strings.Join(args, " "), err, logs.String())
			}
			if got := blobtest.List(t, db.Blobs()); len(got) != 0 {
				t.Errorf("documents left in the database after the erasure: %v", got)
			}
		})
	}
}
