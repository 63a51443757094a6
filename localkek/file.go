package localkek

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ReadFile reads a key-encryption key kept as base64 text in path.
func ReadFile(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	kek, err := Parse(string(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return kek, nil
}

// LoadOrCreate reads the key kept in path, generating it (mode 0600, in a
// directory created 0700) the first time. Two processes starting at once
// agree on one key: the file appears whole, through a link that refuses
// to replace another's. created reports whether this call generated it.
func LoadOrCreate(path string) (kek []byte, created bool, err error) {
	for {
		kek, err := ReadFile(path)
		if err == nil {
			return kek, false, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, false, err
		}
		dir := filepath.Dir(path)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, false, err
		}
		kek = Generate()
		tmp, err := os.CreateTemp(dir, ".kek-*") // mode 0600
		if err != nil {
			return nil, false, err
		}
		_, werr := tmp.WriteString(Format(kek) + "\n")
		serr := tmp.Sync()
		if err := errors.Join(werr, serr, tmp.Close()); err != nil {
			os.Remove(tmp.Name())
			return nil, false, err
		}
		err = os.Link(tmp.Name(), path)
		os.Remove(tmp.Name())
		if err == nil {
			if d, err := os.Open(dir); err == nil {
				d.Sync()
				d.Close()
			}
			return kek, true, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, false, err
		}
	}
}
