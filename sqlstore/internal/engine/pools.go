package engine

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// pools is what both engines share: their pools, the placeholder rewrite
// and the prepared statements of reads.
type pools struct {
	read, wr *sql.DB
	rewrite  func(string) string // nil: ? placeholders as written
	stmts    stmtCache
	// statements counts the statements the engine ran (Statements).
	statements atomic.Uint64
}

// Statements counts the statements the engine ran since it opened: reads
// through its statement cache, snapshots' statements (their BEGIN and
// COMMIT too) and the statements of write transactions. Tests compare
// counts to show a read's statements do not grow with its data.
func (p *pools) Statements() uint64 { return p.statements.Load() }

func (p *pools) count() { p.statements.Add(1) }

func (p *pools) Reader() *sql.DB { return p.read }
func (p *pools) Writer() *sql.DB { return p.wr }

func (p *pools) q(query string) string {
	if p.rewrite == nil {
		return query
	}
	return p.rewrite(query)
}

// stmtCache keeps one prepared statement per query text for reads outside
// transactions. The SQLite driver parses every query it is given anew,
// which costs more than running a primary-key lookup; a prepared
// statement is parsed once per connection.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func (p *pools) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	c := &p.stmts
	c.mu.Lock()
	st, ok := c.stmts[query]
	c.mu.Unlock()
	if ok {
		return st, nil
	}
	st, err := p.read.PrepareContext(ctx, p.q(query))
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.stmts[query]; ok {
		st.Close() // another goroutine prepared it meanwhile
		return prev, nil
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	c.stmts[query] = st
	return st, nil
}

func (p *pools) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	p.count()
	st, err := p.prepared(ctx, query)
	if err != nil {
		// The plain path reports the same error through Scan.
		return p.read.QueryRowContext(ctx, p.q(query), args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (p *pools) Lookup(ctx context.Context, query string, args ...any) *sql.Row {
	return p.QueryRow(context.WithoutCancel(ctx), query, args...)
}

func (p *pools) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	p.count()
	st, err := p.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// close closes the statements and the pools.
func (p *pools) close() error {
	p.stmts.mu.Lock()
	for _, st := range p.stmts.stmts {
		st.Close()
	}
	p.stmts.stmts = nil
	p.stmts.mu.Unlock()
	err := p.wr.Close()
	if p.read != p.wr {
		if rerr := p.read.Close(); err == nil {
			err = rerr
		}
	}
	return err
}
