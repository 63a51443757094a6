package sqlstore

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// prepareFiles creates the SQLite file's directory (0700) and the file
// itself (0600) before SQLite does, which would create them as the umask
// allows (often 0755 and 0644); SQLite gives its -wal and -shm files the
// mode of the database file. Files an earlier version left readable by
// others are narrowed to 0600. A directory that already exists is left
// as it is: it may be the operator's, shared with other files.
func prepareFiles(path string, log *slog.Logger) error {
	if path == "" || path == ":memory:" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(p, 0o600); err != nil {
			log.Warn("database file readable by others", "file", p, "mode", st.Mode().Perm().String(), "error", err.Error())
			continue
		}
		log.Info("database file narrowed to 0600", "file", p, "was", st.Mode().Perm().String())
	}
	return nil
}
