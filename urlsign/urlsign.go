// Package urlsign signs the links that serve identification documents
// without a credential (crm.LinkSigner), with HMAC-SHA256 under a key that
// every instance of a deployment shares.
package urlsign

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/telcoops/crm"
)

// The signer is the crm.LinkSigner the HTTP layer is given.
var _ crm.LinkSigner = (*Signer)(nil)

// Signer is a crm.LinkSigner: the signature, an HMAC-SHA256 over the org,
// the document id and the expiry, is the credential.
type Signer struct {
	key []byte
}

// MinKeyLength is the shortest signing key accepted, in bytes.
const MinKeyLength = 32

// New returns a signer with key, of which it keeps its own copy.
func New(key []byte) (*Signer, error) {
	if len(key) < MinKeyLength {
		return nil, errors.New("the URL signing key must be at least 32 bytes")
	}
	return &Signer{key: bytes.Clone(key)}, nil
}

// Sign returns the signature of a link to a document of org that expires
// at the given Unix second.
func (s *Signer) Sign(org, documentID string, expires int64) string {
	return base64.RawURLEncoding.EncodeToString(s.mac(org, documentID, strconv.FormatInt(expires, 10)))
}

// Verify checks a link's expiry and signature as received, and returns
// EFORBIDDEN for a link that was altered, forged or has expired.
func (s *Signer) Verify(org, documentID, expires, signature string, now time.Time) error {
	got, err := base64.RawURLEncoding.DecodeString(signature)
	if err != nil || !hmac.Equal(got, s.mac(org, documentID, expires)) {
		return crm.Errorf(crm.EFORBIDDEN, "the document link is not valid")
	}
	at, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || now.Unix() >= at {
		return crm.Errorf(crm.EFORBIDDEN, "the document link has expired")
	}
	return nil
}

// mac separates the fields with newlines, which none of them can contain,
// so that no two different links share a signed message.
func (s *Signer) mac(org, documentID, expires string) []byte {
	m := hmac.New(sha256.New, s.key)
	io.WriteString(m, "crm-document-link/v1\n"+org+"\n"+documentID+"\n"+expires)
	return m.Sum(nil)
}
