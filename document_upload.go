package crm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// MaxFileNameBytes bounds the file name a client may send with a document.
const MaxFileNameBytes = 255

// sniffBytes is how much of a document SniffDocument needs to decide.
const sniffBytes = 16

// StagedDocument is an uploaded document written to a temporary blob and
// not yet kept: Promote moves it under its final key, Discard drops it.
// It is streamed, never held in memory, and hashed and sniffed on the way.
type StagedDocument struct {
	Handle    string // the blob store's name of the temporary blob
	Name      string // the file name the client sent, checked by CheckFileName
	SizeBytes int64
	SHA256    string // hex digest of the bytes
	MediaType string // pdf, jpeg or png, detected from the content
}

// CheckFileName checks the file name a client sent with a document: at most
// MaxFileNameBytes bytes of valid UTF-8 without NUL or other control
// characters. The name is only ever kept as metadata (see DocumentName),
// never used as a path; the rule keeps junk out of that metadata and out
// of Content-Disposition headers. Errors name the field "document".
func CheckFileName(name string) error {
	if m := fileNameProblem(name); m != "" {
		return Invalid("document", "%s", m)
	}
	return nil
}

// fileNameProblem says what is wrong with a file name, or "".
func fileNameProblem(name string) string {
	switch {
	case len(name) > MaxFileNameBytes:
		return "file name must be at most " + strconv.Itoa(MaxFileNameBytes) + " bytes"
	case !utf8.ValidString(name):
		return "file name must be valid UTF-8"
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "file name must not contain NUL or control characters"
		}
	}
	return ""
}

// StageDocument streams r, the bytes of an uploaded document named name,
// into a temporary blob of blobs, hashing it and detecting its media type
// on the way. It refuses, with EINVALID naming "document", a bad file name
// (before reading anything), an empty document, one that is not a PDF, JPEG
// or PNG (after its first bytes, before writing anything) and one over
// MaxDocumentBytes (after MaxDocumentBytes+1 bytes, and then the blob is
// discarded). The caller discards the staged document it does not keep.
func StageDocument(ctx context.Context, blobs BlobStore, name string, r io.Reader) (*StagedDocument, error) {
	if err := CheckFileName(name); err != nil {
		return nil, err
	}
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	head = head[:n]
	if n == 0 {
		return nil, Invalid("document", "is required and must not be empty")
	}
	media := SniffDocument(head)
	if media == "" {
		return nil, Invalid("document", "must be a PDF, JPEG or PNG file (the type is detected from the content)")
	}
	sum := sha256.New()
	body := io.TeeReader(io.LimitReader(io.MultiReader(bytes.NewReader(head), r), MaxDocumentBytes+1), sum)
	// An error reading r comes back as it is, for the caller to tell the client.
	handle, size, err := blobs.Stage(ctx, body)
	if err != nil {
		return nil, err
	}
	if size > MaxDocumentBytes {
		blobs.Discard(context.WithoutCancel(ctx), handle)
		return nil, Invalid("document", "must be at most %d bytes (10 MiB)", MaxDocumentBytes)
	}
	return &StagedDocument{Handle: handle, Name: name, SizeBytes: size, SHA256: hexSum(sum), MediaType: media}, nil
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }
