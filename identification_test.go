package crm

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Smallest real headers of each format, as the upload tests send them.
var (
	pdfHeader  = []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
	pngHeader  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
	jpegHeader = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
)

func TestSniffDocument(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"pdf", pdfHeader, MediaPDF},
		{"pdf 2.0", []byte("%PDF-2.0\n"), MediaPDF},
		{"png", pngHeader, MediaPNG},
		{"jpeg jfif", jpegHeader, MediaJPEG},
		{"jpeg exif", []byte("\xff\xd8\xff\xe1\x00\x10Exif"), MediaJPEG},
		{"jpeg raw quantization table", []byte("\xff\xd8\xff\xdb\x00\x43"), MediaJPEG},
		{"empty", nil, ""},
		{"pdf magic without version", []byte("%PDF-abc"), ""},
		{"pdf magic too short", []byte("%PDF-1."), ""},
		{"pdf header not at the start", append([]byte(" "), pdfHeader...), ""},
		{"png signature without IHDR", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIDAT\x00\x00"), ""},
		{"png signature only", []byte("\x89PNG\r\n\x1a\n"), ""},
		{"jpeg start without marker", []byte("\xff\xd8\xff\xff"), ""},
		{"jpeg start with a data byte", []byte("\xff\xd8\xff\x10"), ""},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), ""},
		{"html named .pdf", []byte("<html><body>%PDF-1.7</body></html>"), ""},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00"), ""},
		{"text", []byte("hello, world"), ""},
	}
	for _, tc := range cases {
		if got := SniffDocument(tc.in); got != tc.want {
			t.Errorf("%s: SniffDocument = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestNewIdentificationProcessValidate(t *testing.T) {
	staged := func(size int64, media, name string) *StagedDocument {
		return &StagedDocument{Handle: "stage-1", Name: name, SizeBytes: size, MediaType: media}
	}
	cases := []struct {
		name string
		in   NewIdentificationProcess
		want []FieldError
	}{
		{"pdf", NewIdentificationProcess{Type: DocNIF, Document: staged(100, MediaPDF, "id.pdf")}, nil},
		{"png passport", NewIdentificationProcess{Type: DocPassport, Document: staged(100, MediaPNG, "")}, nil},
		{"exactly 10 MiB", NewIdentificationProcess{Type: DocCIF, Document: staged(MaxDocumentBytes, MediaJPEG, "")}, nil},
		{"no type, no document", NewIdentificationProcess{}, []FieldError{
			{"type", "is required"}, {"document", "is required and must not be empty"}}},
		{"empty document", NewIdentificationProcess{Type: DocNIF, Document: staged(0, MediaPDF, "")}, []FieldError{
			{"document", "is required and must not be empty"}}},
		{"bad type", NewIdentificationProcess{Type: "nif", Document: staged(100, MediaJPEG, "")}, []FieldError{
			{"type", "must be one of NIF, NIE, PASSPORT, CIF"}}},
		{"too large", NewIdentificationProcess{Type: DocNIE, Document: staged(MaxDocumentBytes+1, MediaPDF, "")}, []FieldError{
			{"document", "must be at most 10485760 bytes (10 MiB)"}}},
		{"not a document", NewIdentificationProcess{Type: DocNIE, Document: staged(100, "", "id.pdf")}, []FieldError{
			{"document", "must be a PDF, JPEG or PNG file (the type is detected from the content)"}}},
		{"bad file name", NewIdentificationProcess{Type: DocNIE, Document: staged(100, MediaPDF, "id\x00.pdf")}, []FieldError{
			{"document", "file name must not contain NUL or control characters"}}},
	}
	for _, tc := range cases {
		var got []FieldError
		if err := tc.in.Validate(); err != nil {
			got = err.(*Error).Fields
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestDocumentName(t *testing.T) {
	cases := []struct{ in, media, want string }{
		{"my_id_document.pdf", MediaPDF, "my_id_document.pdf"},
		{"my id document.pdf", MediaPDF, "my_id_document.pdf"},
		{`C:\fakepath\dni frontal.JPG`, MediaJPEG, "dni_frontal.JPG"},
		{"../../etc/passwd", MediaPDF, "passwd"},
		{".hidden.png", MediaPNG, "hidden.png"},
		{"DNI-ñandú (1).png", MediaPNG, "DNI-_and__(1).png"},
		{"a\"b;c\r\n.pdf", MediaPDF, "a_b_c__.pdf"},
		{"", MediaPDF, "document.pdf"},
		{"..", MediaJPEG, "document.jpeg"},
		{"   ", MediaPNG, "document.png"},
		{strings.Repeat("x", 300) + ".pdf", MediaPDF, strings.Repeat("x", MaxDocumentNameLength)},
	}
	for _, tc := range cases {
		if got := DocumentName(tc.in, tc.media); got != tc.want {
			t.Errorf("DocumentName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzSniffDocument checks that the sniffer never panics, only ever names
// the three formats, depends only on the header (appending bytes never
// changes its answer), and agrees with net/http's content sniffing.
func FuzzSniffDocument(f *testing.F) {
	for _, seed := range [][]byte{pdfHeader, pngHeader, jpegHeader, nil, []byte("%PDF-"), []byte("\xff\xd8\xff"), []byte("GIF89a")} {
		f.Add(seed, []byte("tail"))
	}
	want := map[string]string{MediaPDF: "application/pdf", MediaPNG: "image/png", MediaJPEG: "image/jpeg"}
	f.Fuzz(func(t *testing.T, b, tail []byte) {
		got := SniffDocument(b)
		if got == "" {
			return
		}
		ct, ok := want[got]
		if !ok {
			t.Fatalf("SniffDocument(%q) = %q, not a supported media type", b, got)
		}
		if DocumentContentType(got) != ct {
			t.Errorf("DocumentContentType(%q) = %q, want %q", got, DocumentContentType(got), ct)
		}
		if again := SniffDocument(append(bytes.Clone(b), tail...)); again != got {
			t.Errorf("appending %q changed %q to %q", tail, got, again)
		}
		if http := http.DetectContentType(b); http != ct {
			t.Errorf("SniffDocument(%q) = %q but net/http detects %q", b, got, http)
		}
		if len(b) <= MaxDocumentBytes {
			d, err := StageDocument(context.Background(), &stagingBlobs{}, "", bytes.NewReader(b))
			if err != nil || d.MediaType != got {
				t.Errorf("a sniffed %s was refused: %+v %v", got, d, err)
			}
		}
	})
}
