package sqlstore

import (
	"context"
	"database/sql"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/telcoops/crm"
)

var _ crm.BlobStore = (*Blobs)(nil)

// BlobChunkSize is the most bytes one row of blob_chunks holds: what a
// Stage or an Open holds in memory at a time, whatever the blob's size.
const BlobChunkSize = 256 << 10

// blobLock, with the key, is the PostgreSQL advisory lock that orders two
// Promotes to one key, which would otherwise both find the key free and
// one fail on its unique index.
const blobLock = 0x626c6f62

// Blobs keeps blobs (documents' bytes) in the database, in chunks (see
// migration 0027), so that every instance on one database serves every
// document. Each method is one transaction, except Stage, which commits
// chunk by chunk as it reads, so that a slow upload never holds SQLite's
// writer or a PostgreSQL transaction open; and Open, which reads chunk by
// chunk as its reader is read.
type Blobs struct{ *database }

// Blobs returns the blob store of db.
func (db *DB) Blobs() *Blobs { return &Blobs{db.database} }

// Put stores the bytes of r under key, replacing any blob there: a Stage
// then a Promote, so that a failed Put leaves the old blob whole.
func (s *Blobs) Put(ctx context.Context, key string, r io.Reader) error {
	if !crm.ValidBlobKey(key) {
		return crm.Errorf(crm.EINVALID, "invalid blob key %q", key)
	}
	handle, _, err := s.Stage(ctx, r)
	if err != nil {
		return err
	}
	if err := s.Promote(ctx, handle, key); err != nil {
		s.Discard(context.WithoutCancel(ctx), handle)
		return err
	}
	return nil
}

// Stage streams r into a new staged blob, one committed chunk at a time,
// and returns its id as the handle once the last chunk and the size are
// committed. Each chunk's transaction checks that the blob is still there
// (DiscardStaged may have swept a write that stalled past its cutoff). An
// error reading r is returned as it is, and what was written is removed.
func (s *Blobs) Stage(ctx context.Context, r io.Reader) (string, int64, error) {
	id := newID()
	buf := make([]byte, BlobChunkSize)
	var size int64
	done := false
	defer func() {
		if !done {
			s.Discard(context.WithoutCancel(ctx), id)
		}
	}()
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return "", 0, err
		}
		k, rerr := fill(r, buf)
		last := rerr == io.EOF
		if rerr != nil && !last {
			return "", 0, rerr
		}
		size += int64(k)
		err := s.write(ctx, "", crm.WriteOptions{}, func(t *tx) error {
			now := s.dialect.ts(s.now())
			if n == 0 {
				if _, err := t.exec("INSERT INTO blobs (id, written_at) VALUES (?, ?)", id, now); err != nil {
					return err
				}
			} else if ok, err := written(t.exec("UPDATE blobs SET written_at = ? WHERE id = ? AND key IS NULL AND size IS NULL", now, id)); err != nil {
				return err
			} else if !ok {
				return crm.Errorf(crm.EUNAVAILABLE, "the staged blob was discarded while it was written")
			}
			if k > 0 {
				if _, err := t.exec("INSERT INTO blob_chunks (blob_id, n, data) VALUES (?, ?, ?)", id, n, buf[:k]); err != nil {
					return err
				}
			}
			if last {
				_, err := t.exec("UPDATE blobs SET size = ? WHERE id = ?", size, id)
				return err
			}
			return nil
		})
		if err != nil {
			return "", 0, err
		}
		if last {
			done = true
			return id, size, nil
		}
	}
}

// Promote puts a staged blob under key, replacing the blob there, in one
// transaction: ENOTFOUND when handle names no complete staged blob.
// written_at becomes now, so that the orphan cleanup gives the row that
// names the key its whole grace period to commit.
func (s *Blobs) Promote(ctx context.Context, handle, key string) error {
	if err := checkHandle(handle); err != nil {
		return err
	}
	if !crm.ValidBlobKey(key) {
		return crm.Errorf(crm.EINVALID, "invalid blob key %q", key)
	}
	return s.write(ctx, "", crm.WriteOptions{}, func(t *tx) error {
		if s.dialect.lockXact != "" {
			if _, err := t.exec("SELECT pg_advisory_xact_lock(?, hashtext(current_schema() || '/' || ?))", blobLock, key); err != nil {
				return err
			}
		}
		var size sql.NullInt64
		err := t.queryRow("SELECT size FROM blobs WHERE id = ? AND key IS NULL"+s.dialect.forUpdate, handle).Scan(&size)
		if err == sql.ErrNoRows || err == nil && !size.Valid {
			return crm.Errorf(crm.ENOTFOUND, "staged blob not found")
		}
		if err != nil {
			return err
		}
		if err := t.deleteBlobs("key = ?", key); err != nil {
			return err
		}
		_, err = t.exec("UPDATE blobs SET key = ?, written_at = ? WHERE id = ?", key, s.dialect.ts(s.now()), handle)
		return err
	})
}

// Discard removes a staged blob, complete or not; one promoted or gone is
// no error.
func (s *Blobs) Discard(ctx context.Context, handle string) error {
	if err := checkHandle(handle); err != nil {
		return err
	}
	return s.write(ctx, "", crm.WriteOptions{}, func(t *tx) error {
		return t.deleteBlobs("id = ? AND key IS NULL", handle)
	})
}

// DiscardStaged removes the staged blobs, complete or not, last written
// before cutoff, and counts them.
func (s *Blobs) DiscardStaged(ctx context.Context, cutoff time.Time) (int, error) {
	var ids []string
	err := s.write(ctx, "", crm.WriteOptions{}, func(t *tx) error {
		ids = ids[:0]
		// The rows first: on PostgreSQL a Stage writing a chunk meanwhile
		// holds its row, and once it commits the row is recent and stays.
		rows, err := t.Query("DELETE FROM blobs WHERE key IS NULL AND written_at < ? RETURNING id", s.dialect.ts(cutoff))
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := t.exec("DELETE FROM blob_chunks WHERE blob_id = ?", id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}

// Delete removes the blob under key; a missing blob is not an error.
func (s *Blobs) Delete(ctx context.Context, key string) error {
	if !crm.ValidBlobKey(key) {
		return crm.Errorf(crm.EINVALID, "invalid blob key %q", key)
	}
	return s.write(ctx, "", crm.WriteOptions{}, func(t *tx) error {
		return t.deleteBlobs("key = ?", key)
	})
}

// deleteBlobs deletes the blobs that where (on blobs, with arg) selects,
// their chunks first.
func (t *tx) deleteBlobs(where string, arg any) error {
	if _, err := t.exec("DELETE FROM blob_chunks WHERE blob_id IN (SELECT id FROM blobs WHERE "+where+")", arg); err != nil {
		return err
	}
	_, err := t.exec("DELETE FROM blobs WHERE "+where, arg)
	return err
}

// checkHandle refuses what Stage cannot have returned.
func checkHandle(handle string) error {
	if _, err := uuid.Parse(handle); err != nil || len(handle) != 36 {
		return crm.Errorf(crm.EINVALID, "invalid staged blob handle")
	}
	return nil
}

// fill reads r until buf is full, r ends (io.EOF, with what it read) or
// r fails (its error as it is, never io.ErrUnexpectedEOF of its own).
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := r.Read(buf[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
