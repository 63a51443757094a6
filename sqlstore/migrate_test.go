package sqlstore_test

import (
	"context"
	"sync"
	"testing"

	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestInstancesStartingAtOnceMigrateOnce: stores opened together on one
// fresh PostgreSQL schema, as instances starting at once, all start, and
// each migration is applied once, while a second schema migrates beside
// them under a lock of its own.
func TestInstancesStartingAtOnceMigrateOnce(t *testing.T) {
	t.Parallel()
	e := sqltest.Postgres(t)
	dsns := []string{e.DSN(t), e.DSN(t)}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	dbs := make(chan *sqlstore.DB, 8)
	for i := range 8 {
		wg.Go(func() {
			db, err := sqlstore.Open(context.Background(), dsns[i%2], sqlstore.Options{Clock: crmtest.NewClock(sqltest.Start).Now,
				Secrets: crmtest.SharedKeeper()})
			if err != nil {
				errs <- err
				return
			}
			dbs <- db
		})
	}
	wg.Wait()
	close(errs)
	close(dbs)
	for err := range errs {
		t.Errorf("open: %v", err)
	}
	for db := range dbs {
		db.Close()
	}
	for _, dsn := range dsns {
		db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{Clock: crmtest.NewClock(sqltest.Start).Now,
			Secrets: crmtest.SharedKeeper()})
		if err != nil {
			t.Fatal(err)
		}
		read, _ := db.Pools()
		var versions, distinct int
		if err := read.QueryRow("SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations").Scan(&versions, &distinct); err != nil {
			t.Fatal(err)
		}
		if versions == 0 || versions != distinct {
			t.Errorf("schema_migrations holds %d rows for %d migrations", versions, distinct)
		}
		db.Close()
	}
}
