package crm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCheckFileName(t *testing.T) {
	cases := []struct {
		name, in string
		want     string // the message of the "document" field error, "" for none
	}{
		{"plain", "dni.pdf", ""},
		{"empty", "", ""},
		{"spaces and accents", "DNI frontal ñ é.jpg", ""},
		{"a path, kept as metadata only", "../../etc/passwd", ""},
		{"exactly 255 bytes", strings.Repeat("a", 251) + ".pdf", ""},
		{"255 bytes of 2-byte runes plus one", strings.Repeat("ñ", 127) + "a", ""},
		{"256 bytes", strings.Repeat("a", 252) + ".pdf", "file name must be at most 255 bytes"},
		{"256 bytes in runes", strings.Repeat("ñ", 128), "file name must be at most 255 bytes"},
		{"NUL", "id\x00.pdf", "file name must not contain NUL or control characters"},
		{"newline", "id\n.pdf", "file name must not contain NUL or control characters"},
		{"escape", "id\x1b[31m.pdf", "file name must not contain NUL or control characters"},
		{"DEL", "id\x7f.pdf", "file name must not contain NUL or control characters"},
		{"C1 control", "id\u0085.pdf", "file name must not contain NUL or control characters"},
		{"invalid UTF-8", "id\xff.pdf", "file name must be valid UTF-8"},
		{"truncated rune", "id\xc3", "file name must be valid UTF-8"},
	}
	for _, tc := range cases {
		var got []FieldError
		if err := CheckFileName(tc.in); err != nil {
			got = err.(*Error).Fields
		}
		var want []FieldError
		if tc.want != "" {
			want = []FieldError{{"document", tc.want}}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

// stagingBlobs is a BlobStore that only stages, in memory.
type stagingBlobs struct {
	BlobStore
	staged    map[string][]byte
	discarded []string
}

func (s *stagingBlobs) Stage(ctx context.Context, r io.Reader) (string, int64, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return "", 0, err
	}
	if s.staged == nil {
		s.staged = map[string][]byte{}
	}
	h := "stage-" + string(rune('0'+len(s.staged)))
	s.staged[h] = b
	return h, int64(len(b)), nil
}

func (s *stagingBlobs) Discard(ctx context.Context, handle string) error {
	delete(s.staged, handle)
	s.discarded = append(s.discarded, handle)
	return nil
}

func (s *stagingBlobs) DiscardStaged(context.Context, time.Time) (int, error) { return 0, nil }

// TestStageDocument: the document streams into a staged blob with its
// digest and media type; what is refused is refused before anything is
// staged, or discarded when it turns out too large.
func TestStageDocument(t *testing.T) {
	ctx := context.Background()
	blobs := &stagingBlobs{}
	d, err := StageDocument(ctx, blobs, "id.pdf", bytes.NewReader(pdfHeader))
	sum := sha256.Sum256(pdfHeader)
	want := &StagedDocument{Handle: "stage-0", Name: "id.pdf", SizeBytes: int64(len(pdfHeader)), SHA256: hex.EncodeToString(sum[:]), MediaType: MediaPDF}
	if diff := cmp.Diff(want, d); diff != "" || err != nil {
		t.Fatalf("staged %v (-want +got):\n%s", err, diff)
	}
	if !bytes.Equal(blobs.staged["stage-0"], pdfHeader) {
		t.Errorf("staged bytes %q", blobs.staged["stage-0"])
	}
	atLimit := make([]byte, MaxDocumentBytes)
	copy(atLimit, pngHeader)
	if d, err := StageDocument(ctx, blobs, "", bytes.NewReader(atLimit)); err != nil || d.SizeBytes != MaxDocumentBytes {
		t.Errorf("exactly 10 MiB: %+v %v", d, err)
	}

	readFailed := errors.New("connection reset")
	cases := []struct {
		name, file string
		body       io.Reader
		want       string // the "document" field error, or the error itself
	}{
		{"empty", "id.pdf", bytes.NewReader(nil), "is required and must not be empty"},
		{"not a document", "id.pdf", strings.NewReader("<html>%PDF-1.7</html>"), "must be a PDF, JPEG or PNG file (the type is detected from the content)"},
		{"too large", "id.pdf", io.MultiReader(bytes.NewReader(jpegHeader), bytes.NewReader(make([]byte, MaxDocumentBytes))), "must be at most 10485760 bytes (10 MiB)"},
		{"bad name", "a\x00b.pdf", bytes.NewReader(pdfHeader), "file name must not contain NUL or control characters"},
		{"read fails", "id.pdf", io.MultiReader(bytes.NewReader(pdfHeader), errorReader{readFailed}), readFailed.Error()},
	}
	for _, tc := range cases {
		before := len(blobs.staged)
		_, err := StageDocument(ctx, blobs, tc.file, tc.body)
		got := ""
		var e *Error
		if errors.As(err, &e) && len(e.Fields) == 1 && e.Fields[0].Field == "document" {
			got = e.Fields[0].Message
		} else if err != nil {
			got = err.Error()
		}
		if got != tc.want || len(blobs.staged) != before {
			t.Errorf("%s: %q, %d staged blobs, want %q and %d", tc.name, got, len(blobs.staged), tc.want, before)
		}
	}
}

type errorReader struct{ err error }

func (e errorReader) Read([]byte) (int, error) { return 0, e.err }
