package localkek_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/telcoops/crm/localkek"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	k, err := localkek.New(localkek.Generate())
	if err != nil {
		t.Fatal(err)
	}
	other, _ := localkek.New(localkek.Generate())
	sealed, err := k.Seal([]byte("secret"), []byte("webhooks:1"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		keeper  *localkek.Keeper
		sealed  []byte
		aad     string
		want    string
		wantErr error
	}{
		{"same key and aad", k, sealed, "webhooks:1", "secret", nil},
		{"other aad", k, sealed, "webhooks:2", "", localkek.ErrWrongKey},
		{"other key", other, sealed, "webhooks:1", "", localkek.ErrWrongKey},
		{"altered", k, append(append([]byte{}, sealed[:len(sealed)-1]...), sealed[len(sealed)-1]^1), "webhooks:1", "", localkek.ErrWrongKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.keeper.Open(tt.sealed, []byte(tt.aad))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Open error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("Open (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := k.Open([]byte("short"), nil); err == nil {
		t.Error("Open of a malformed value succeeded")
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	good := localkek.Format(make([]byte, 32))
	tests := []struct {
		name, text string
		ok         bool
	}{
		{"base64 of 32 bytes", good, true},
		{"with newline", good + "\n", true},
		{"16 bytes", localkek.Format(make([]byte, 16)), false},
		{"not base64", "not a key!", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		if _, err := localkek.Parse(tt.text); (err == nil) != tt.ok {
			t.Errorf("%s: Parse error = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestLoadOrCreate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "kek")
	first, created, err := localkek.LoadOrCreate(path)
	if err != nil || !created {
		t.Fatalf("first LoadOrCreate: created=%v err=%v", created, err)
	}
	again, created, err := localkek.LoadOrCreate(path)
	if err != nil || created {
		t.Fatalf("second LoadOrCreate: created=%v err=%v", created, err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("key changed across loads (-first +again):\n%s", diff)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700 | os.ModeDir} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode() != want {
			t.Errorf("%s mode = %v, want %v", p, st.Mode(), want)
		}
	}
}
