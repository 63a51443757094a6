package jsonlimport

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestPacer checks the waits before each batch on a fake clock: a batch of
// n lines may start n/rate after the previous one started, the time spent
// writing counting towards it, and a slow batch is not made up for.
func TestPacer(t *testing.T) {
	t.Parallel()
	const ms = time.Millisecond
	tests := []struct {
		name  string
		rate  float64
		lines []int           // lines of each batch
		write []time.Duration // time each batch takes to write
		want  []time.Duration // the waits, in order
	}{
		{name: "no rate", lines: []int{500, 500, 500}, write: []time.Duration{time.Second, 0, 0}},
		{name: "writes faster than the rate", rate: 1000, lines: []int{500, 500, 250, 500},
			write: []time.Duration{100 * ms, 100 * ms, 100 * ms, 0},
			want:  []time.Duration{400 * ms, 400 * ms, 150 * ms}},
		{name: "no burst after a slow write", rate: 1000, lines: []int{500, 500, 500, 500},
			write: []time.Duration{2 * time.Second, 100 * ms, 0, 0},
			want:  []time.Duration{400 * ms, 500 * ms}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
			var waits []time.Duration
			p := newPacer(tt.rate)
			p.now = func() time.Time { return clock }
			p.sleep = func(_ context.Context, d time.Duration) error {
				waits = append(waits, d)
				clock = clock.Add(d)
				return nil
			}
			for i, n := range tt.lines {
				if err := p.wait(context.Background(), n); err != nil {
					t.Fatal(err)
				}
				clock = clock.Add(tt.write[i])
			}
			if diff := cmp.Diff(tt.want, waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPacerStopsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := newPacer(1) // a batch of 1000 lines: the next may start in 1000 s
	if err := p.wait(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(ctx, 1000); err != context.Canceled {
		t.Fatalf("wait after cancel: %v, want context.Canceled", err)
	}
}
