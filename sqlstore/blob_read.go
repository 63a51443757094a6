package sqlstore

import (
	"context"
	"database/sql"
	"io"
	"time"

	"github.com/telcoops/crm"
)

// blobListPage is how many blobs List reads per query: it calls fn with no
// query open, so that fn may write (the orphan cleanup deletes).
const blobListPage = 500

// Open returns the blob under key, or ENOTFOUND. The reader fetches one
// chunk per query as it is read, so a download holds at most a chunk. A
// blob replaced or deleted while it is read ends its reader with an error
// rather than with another blob's bytes: its chunks go with its id.
func (s *Blobs) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if !crm.ValidBlobKey(key) {
		return nil, crm.Errorf(crm.EINVALID, "invalid blob key %q", key)
	}
	b := &blobReader{ctx: ctx, s: s}
	err := s.lookupRow(ctx, "SELECT id, size FROM blobs WHERE key = ?", key).Scan(&b.id, &b.size)
	if err == sql.ErrNoRows {
		return nil, crm.Errorf(crm.ENOTFOUND, "blob not found")
	}
	if err != nil {
		return nil, translate(err)
	}
	return b, nil
}

// blobReader reads a blob's chunks in order.
type blobReader struct {
	ctx  context.Context
	s    *Blobs
	id   string
	size int64  // the blob's, as committed
	read int64  // bytes returned so far
	n    int    // the next chunk
	buf  []byte // what is left of the current chunk
}

func (b *blobReader) Read(p []byte) (int, error) {
	for len(b.buf) == 0 {
		if b.read == b.size {
			return 0, io.EOF
		}
		if err := b.ctx.Err(); err != nil {
			return 0, err
		}
		var data []byte
		err := b.s.lookupRow(b.ctx, "SELECT data FROM blob_chunks WHERE blob_id = ? AND n = ?", b.id, b.n).Scan(&data)
		if err == sql.ErrNoRows {
			return 0, crm.Internal(io.ErrUnexpectedEOF) // deleted or replaced meanwhile
		}
		if err != nil {
			return 0, translate(err)
		}
		if len(data) == 0 || b.read+int64(len(data)) > b.size {
			return 0, crm.Errorf(crm.EINTERNAL, "blob chunk %d does not fit the blob's size", b.n)
		}
		b.buf, b.n = data, b.n+1
	}
	k := copy(p, b.buf)
	b.buf, b.read = b.buf[k:], b.read+int64(k)
	return k, nil
}

// Close lets the chunk go; nothing is held between reads.
func (b *blobReader) Close() error {
	b.buf = nil
	return nil
}

// List calls fn for every promoted blob, in key order, a page at a time;
// staged blobs are not listed. ModTime is when the blob was promoted.
func (s *Blobs) List(ctx context.Context, fn func(crm.BlobInfo) error) error {
	after := ""
	for {
		page, err := s.listPage(ctx, after)
		if err != nil {
			return err
		}
		for _, b := range page {
			if err := fn(b); err != nil {
				return err
			}
		}
		if len(page) < blobListPage {
			return nil
		}
		after = page[len(page)-1].Key
	}
}

// listPage reads the blobs whose keys follow after.
func (s *Blobs) listPage(ctx context.Context, after string) ([]crm.BlobInfo, error) {
	rows, err := s.query(ctx, "SELECT key, size, written_at FROM blobs WHERE key > ? ORDER BY key LIMIT ?", after, blobListPage)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []crm.BlobInfo
	for rows.Next() {
		var b crm.BlobInfo
		var at time.Time
		if err := rows.Scan(&b.Key, &b.Size, timeScan{&at}); err != nil {
			return nil, translate(err)
		}
		b.ModTime = at
		out = append(out, b)
	}
	return out, translate(rows.Err())
}
