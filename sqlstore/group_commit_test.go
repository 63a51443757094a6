package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// notSent is an error that, as pgconn reports it, happened before anything
// reached the server.
type notSent struct{}

func (notSent) Error() string     { return "not sent" }
func (notSent) SafeToRetry() bool { return true }

// TestCommittedPerhaps: a failed group whose statements PostgreSQL refused,
// or that never reached it, committed nothing and may run again; any
// other failure (the connection lost mid-way) may have committed, and must
// not.
func TestCommittedPerhaps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"statement refused", &pgconn.PgError{Code: "23502"}, false},
		{"deadlock, wrapped", fmt.Errorf("batch: %w", &pgconn.PgError{Code: "40P01"}), false},
		{"never sent", notSent{}, false},
		{"connection lost", io.ErrUnexpectedEOF, true},
		{"network", &net.OpError{Op: "read", Err: errors.New("reset")}, true},
		{"cancelled", context.Canceled, true},
	} {
		if got := committedPerhaps(tc.err); got != tc.want {
			t.Errorf("%s: committedPerhaps = %v, want %v", tc.name, got, tc.want)
		}
	}
}
