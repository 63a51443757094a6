package main

import (
	"os"
	"testing"

	"github.com/telcoops/crm/localkek"
)

// TestMain keeps the servers the end-to-end tests start on PostgreSQL from
// warming 32 connections each: several run at once beside the other
// packages' tests, on a server that allows 100 connections in all.
func TestMain(m *testing.M) {
	if os.Getenv("CRM_DB_MIN_CONNS") == "" {
		os.Setenv("CRM_DB_MIN_CONNS", "2")
	}
	// PostgreSQL needs a key-encryption key; the binaries the tests start
	// inherit this one.
	if os.Getenv("CRM_KEK") == "" && os.Getenv("CRM_KEK_FILE") == "" {
		os.Setenv("CRM_KEK", localkek.Format(localkek.Generate()))
	}
	os.Exit(m.Run())
}
