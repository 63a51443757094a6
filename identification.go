package crm

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
)

// Media types of identification documents, as DocumentResponse.media_type
// names them. They are detected from the content, never from a file name or
// a Content-Type a client sent.
const (
	MediaPDF  = "pdf"
	MediaJPEG = "jpeg"
	MediaPNG  = "png"
)

// MaxDocumentBytes bounds an uploaded identification document (10 MiB).
const MaxDocumentBytes = 10 << 20

// MaxDocumentNameLength bounds the stored name of a document.
const MaxDocumentNameLength = 100

// EventIdentificationProcessCreated is the event of a new identification
// process; its aggregate is the customer.
const EventIdentificationProcessCreated = "customer.identification_process.created"

// IdentificationDocumentTypes are the document types an identification
// process may hold: the identity document types.
var IdentificationDocumentTypes = []string{DocNIF, DocNIE, DocPassport, DocCIF}

// IdentificationProcess is one identification of a customer, with the
// document it was made from.
type IdentificationProcess struct {
	ID          string    `json:"process_id"`
	OrgID       string    `json:"org_id"`
	CustomerID  string    `json:"customer_id"`
	ProcessDate time.Time `json:"process_date"`
	Document    Document  `json:"document"`
}

// Document is the metadata of a stored document; its bytes live in a
// BlobStore under BlobKey.
type Document struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Type      string `json:"type"`       // NIF, NIE, PASSPORT or CIF
	MediaType string `json:"media_type"` // pdf, jpeg or png
	SizeBytes int64  `json:"size_bytes"`
	SHA256    string `json:"sha256"` // hex digest of the bytes
	BlobKey   string `json:"-"`
}

// NewIdentificationProcess is an uploaded document to open a process with.
type NewIdentificationProcess struct {
	Type    string // the document type: NIF, NIE, PASSPORT or CIF
	Name    string // the file name the client sent, if any
	Content []byte
}

// Validate checks the upload: a known document type, and content that is a
// PDF, JPEG or PNG of at most MaxDocumentBytes.
func (n *NewIdentificationProcess) Validate() error {
	var p Problems
	switch {
	case n.Type == "":
		p.Add("type", "is required")
	case !isIdentificationDocumentType(n.Type):
		p.Add("type", "must be one of %s", strings.Join(IdentificationDocumentTypes, ", "))
	}
	switch {
	case len(n.Content) == 0:
		p.Add("document", "is required and must not be empty")
	case len(n.Content) > MaxDocumentBytes:
		p.Add("document", "must be at most %d bytes (10 MiB)", MaxDocumentBytes)
	case SniffDocument(n.Content) == "":
		p.Add("document", "must be a PDF, JPEG or PNG file (the type is detected from the content)")
	}
	return p.Err()
}

func isIdentificationDocumentType(t string) bool {
	for _, k := range IdentificationDocumentTypes {
		if t == k {
			return true
		}
	}
	return false
}

// SniffDocument detects a document's media type from its first bytes: pdf,
// jpeg or png, or "" for anything else. It checks the format's signature
// and the structure right after it, so that text that merely starts with
// the magic bytes is not taken for a document.
func SniffDocument(b []byte) string {
	switch {
	// PNG: the 8-byte signature, then the IHDR chunk, which must come first.
	case len(b) >= 16 && bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) && string(b[12:16]) == "IHDR":
		return MediaPNG
	// JPEG: start of image, then the first marker segment (APPn, DQT, SOFn,
	// DHT, COM, ...); 0xFF would be fill, not a marker.
	case len(b) >= 4 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF && b[3] >= 0xC0 && b[3] != 0xFF:
		return MediaJPEG
	// PDF: the header with its version, %PDF-1.7 or %PDF-2.0.
	case len(b) >= 8 && bytes.HasPrefix(b, []byte("%PDF-")) && isDigit(b[5]) && b[6] == '.' && isDigit(b[7]):
		return MediaPDF
	}
	return ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// DocumentContentType is the HTTP Content-Type of a media type.
func DocumentContentType(media string) string {
	switch media {
	case MediaPDF:
		return "application/pdf"
	case MediaJPEG:
		return "image/jpeg"
	case MediaPNG:
		return "image/png"
	}
	return "application/octet-stream"
}

// DocumentName turns a client's file name into the stored name: the last
// path element, with spaces and anything but letters, digits and . _ - ( ) +
// replaced by _, at most MaxDocumentNameLength characters. With nothing
// left, the name is document.<media type>.
func DocumentName(name, media string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("._-()+", r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() == MaxDocumentNameLength {
			break
		}
	}
	// A leading dot would make a hidden file of a download.
	out := strings.TrimLeft(b.String(), ".")
	if strings.Trim(out, "_") == "" {
		return "document." + media
	}
	return out
}

// BlobInfo describes one stored blob.
type BlobInfo struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// BlobStore keeps opaque bytes under keys (slash-separated names such as
// telco/0198a0f1-...). Put is atomic and durable: when it returns, the
// whole blob survives a crash, and a reader never sees part of one.
type BlobStore interface {
	Put(ctx context.Context, key string, r io.Reader) error
	// Open returns the blob's bytes, or ENOTFOUND.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes a blob; deleting a missing blob is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every blob, in no particular order.
	List(ctx context.Context, fn func(BlobInfo) error) error
}

// IdentificationService manages customers' identification processes.
type IdentificationService interface {
	CreateIdentificationProcess(ctx context.Context, org, customerID string, n NewIdentificationProcess) (*IdentificationProcess, error)
	// ListIdentificationProcesses lists a customer's processes, oldest first.
	ListIdentificationProcesses(ctx context.Context, org, customerID string) ([]IdentificationProcess, error)
	GetIdentificationProcess(ctx context.Context, org, customerID, id string) (*IdentificationProcess, error)
	// OpenDocument returns a document's metadata and bytes; the caller closes them.
	OpenDocument(ctx context.Context, org, documentID string) (*Document, io.ReadCloser, error)
}

// DocumentURLSigner signs the links that serve documents without a
// credential: the signature, an HMAC-SHA256 over the org, the document id
// and the expiry, is the credential.
type DocumentURLSigner struct {
	key []byte
}

// MinURLSigningKeyLength is the shortest signing key accepted, in bytes.
const MinURLSigningKeyLength = 32

// NewDocumentURLSigner returns a signer with key.
func NewDocumentURLSigner(key []byte) (*DocumentURLSigner, error) {
	if len(key) < MinURLSigningKeyLength {
		return nil, errors.New("the URL signing key must be at least 32 bytes")
	}
	return &DocumentURLSigner{key: bytes.Clone(key)}, nil
}

// Sign returns the signature of a link to a document of org that expires
// at the given Unix second.
func (s *DocumentURLSigner) Sign(org, documentID string, expires int64) string {
	return base64.RawURLEncoding.EncodeToString(s.mac(org, documentID, strconv.FormatInt(expires, 10)))
}

// Verify checks a link's expiry and signature as received, and returns
// EFORBIDDEN for a link that was altered, forged or has expired.
func (s *DocumentURLSigner) Verify(org, documentID, expires, signature string, now time.Time) error {
	got, err := base64.RawURLEncoding.DecodeString(signature)
	if err != nil || !hmac.Equal(got, s.mac(org, documentID, expires)) {
		return Errorf(EFORBIDDEN, "the document link is not valid")
	}
	at, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || now.Unix() >= at {
		return Errorf(EFORBIDDEN, "the document link has expired")
	}
	return nil
}

// mac separates the fields with newlines, which none of them can contain,
// so that no two different links share a signed message.
func (s *DocumentURLSigner) mac(org, documentID, expires string) []byte {
	m := hmac.New(sha256.New, s.key)
	io.WriteString(m, "crm-document-link/v1\n"+org+"\n"+documentID+"\n"+expires)
	return m.Sum(nil)
}
