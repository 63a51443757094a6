package crm

import (
	"bytes"
	"context"
	"io"
	"path"
	"strings"
	"time"
)

// Media types of identification documents, as DocumentResponse.media_type
// names them (the documentation's example answers "application/pdf"). They
// are detected from the content, never from a file name or a Content-Type a
// client sent. Rows and events written before migration 0023 say pdf, jpeg
// or png; the migration rewrote the rows.
const (
	MediaPDF  = "application/pdf"
	MediaJPEG = "image/jpeg"
	MediaPNG  = "image/png"
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
	// CustomerID is the customer whose process holds it, as OpenDocument
	// gives it (for the access log); elsewhere it may be empty.
	CustomerID string `json:"-"`
}

// NewIdentificationProcess is an uploaded document to open a process with.
type NewIdentificationProcess struct {
	Type     string          // the document type: NIF, NIE, PASSPORT or CIF
	Document *StagedDocument // the uploaded file, staged by StageDocument
}

// Validate checks the upload: a known document type, and a staged PDF,
// JPEG or PNG of 1 to MaxDocumentBytes bytes with an acceptable file name.
func (n *NewIdentificationProcess) Validate() error {
	var p Problems
	switch {
	case n.Type == "":
		p.Add("type", "is required")
	case !isIdentificationDocumentType(n.Type):
		p.Add("type", "must be one of %s", strings.Join(IdentificationDocumentTypes, ", "))
	}
	d := n.Document
	switch {
	case d == nil || d.SizeBytes <= 0:
		p.Add("document", "is required and must not be empty")
	case d.SizeBytes > MaxDocumentBytes:
		p.Add("document", "must be at most %d bytes (10 MiB)", MaxDocumentBytes)
	case d.MediaType != MediaPDF && d.MediaType != MediaJPEG && d.MediaType != MediaPNG:
		p.Add("document", "must be a PDF, JPEG or PNG file (the type is detected from the content)")
	case fileNameProblem(d.Name) != "":
		p.Add("document", "%s", fileNameProblem(d.Name))
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
	case MediaPDF, MediaJPEG, MediaPNG:
		return media
	}
	return "application/octet-stream"
}

// documentExtension is the file-name extension of a media type.
func documentExtension(media string) string {
	switch media {
	case MediaPDF:
		return "pdf"
	case MediaJPEG:
		return "jpeg"
	case MediaPNG:
		return "png"
	}
	return "bin"
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
		return "document." + documentExtension(media)
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
// telco/0198a0f1-...). Put and Promote are atomic and durable: when they
// return, the whole blob survives a crash, and a reader never sees part of
// one. Storage failures are EINTERNAL, and a key the store cannot hold is
// EINVALID.
type BlobStore interface {
	// Put stores the bytes of r under key, replacing any blob there; on
	// error nothing new is left under key.
	Put(ctx context.Context, key string, r io.Reader) error
	// Stage streams r into a new temporary blob, durably, and returns its
	// handle and size. It is under no key, and listed by no List, until
	// Promote. An error reading r is returned as it is.
	Stage(ctx context.Context, r io.Reader) (handle string, size int64, err error)
	// Promote moves a staged blob under key, replacing any blob there;
	// ENOTFOUND when the handle names no staged blob.
	Promote(ctx context.Context, handle, key string) error
	// Discard removes a staged blob; discarding one already promoted or
	// discarded is not an error.
	Discard(ctx context.Context, handle string) error
	// DiscardStaged removes the staged blobs last written before cutoff,
	// which only a crash or a lost request leaves behind, and counts them.
	DiscardStaged(ctx context.Context, cutoff time.Time) (int, error)
	// Open returns the blob's bytes, or ENOTFOUND.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes a blob; deleting a missing blob is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every blob, in no particular order.
	List(ctx context.Context, fn func(BlobInfo) error) error
}

// IdentificationService manages customers' identification processes. An
// upload is checked in steps so that nothing is read or written for a
// request that would fail anyway: CheckIdentifiable before the body is
// read, StageDocument while it is, CreateIdentificationProcess after.
// Besides the codes each method names, any may return EUNAVAILABLE
// (database down or busy) or EINTERNAL (also when storage fails).
type IdentificationService interface {
	// CheckIdentifiable returns nil when customerID is an active customer
	// of org: ENOTFOUND when it is not in the org, ESTATE when it was
	// deactivated.
	CheckIdentifiable(ctx context.Context, org, customerID string) error
	// StageDocument streams an uploaded file named name to temporary
	// storage (see crm.StageDocument): EINVALID naming "document" for a bad
	// name, an empty file, one that is not a PDF, JPEG or PNG or is over
	// MaxDocumentBytes; EINTERNAL when storage fails; an error reading r as
	// it is. The caller calls DiscardDocument when done with it.
	StageDocument(ctx context.Context, name string, r io.Reader) (*StagedDocument, error)
	// DiscardDocument removes a staged document, unless a process kept it.
	// Errors: none of its own.
	DiscardDocument(ctx context.Context, d *StagedDocument) error
	// CreateIdentificationProcess keeps the staged document under the new
	// process: EINVALID for a bad type or document, ENOTFOUND or ESTATE as
	// CheckIdentifiable, EPRECONDITION (the customer's version). The
	// document and the process are kept together or not at all.
	CreateIdentificationProcess(ctx context.Context, org, customerID string, n NewIdentificationProcess, opts WriteOptions) (*IdentificationProcess, error)
	// ListIdentificationProcesses lists a customer's processes, oldest
	// first; ENOTFOUND when the customer is not in the org.
	ListIdentificationProcesses(ctx context.Context, org, customerID string) ([]IdentificationProcess, error)
	// GetIdentificationProcess returns one process of a customer, or ENOTFOUND.
	GetIdentificationProcess(ctx context.Context, org, customerID, id string) (*IdentificationProcess, error)
	// OpenDocument returns a document's metadata and bytes, the caller
	// closes them; ENOTFOUND unless the document's process exists and its
	// customer is active, so a link stops working when either goes;
	// EINTERNAL when the process's blob is missing.
	OpenDocument(ctx context.Context, org, documentID string) (*Document, io.ReadCloser, error)
}

// LinkSigner signs the links that serve documents without a credential,
// and checks them when they come back: the signature is the credential, so
// a link works for one document of one org until it expires. Package
// urlsign implements it; the HTTP layer only asks it.
type LinkSigner interface {
	// Sign returns the signature of a link to a document of org that
	// expires at the given Unix second.
	Sign(org, documentID string, expires int64) string
	// Verify checks a link's expiry and signature as received, and returns
	// EFORBIDDEN for a link that was altered, forged or has expired.
	Verify(org, documentID, expires, signature string, now time.Time) error
}

// Receipt is what a create identification process keeps for replay
// (Receipter): its id, not its document's name or hash.
func (p *IdentificationProcess) Receipt() any { return Receipt{ID: p.ID} }
