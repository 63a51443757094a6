package httpapi

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
)

// CursorKeySize is the size of the key that seals feed cursors.
const CursorKeySize = 32

// cursors turns feed positions into opaque cursors and back. A position
// is global across orgs, so handing it out would let an org watch the
// others' write volume. A cursor is one AES block, the position beside a
// tag of its scope (an org's feed, a subscription's dead letters): it
// reveals nothing, and a cursor of another scope, or a forged one, does
// not open.
type cursors struct {
	block cipher.Block
	tag   []byte // HMAC key for the scope tags
}

// newCursors uses key, or a random key when it is nil (cursors then last
// as long as the process).
func newCursors(key []byte) *cursors {
	if key == nil {
		key = make([]byte, CursorKeySize)
		rand.Read(key)
	}
	block, err := aes.NewCipher(derive(key, "cursor cipher"))
	if err != nil {
		panic(err) // a derived key is always 32 bytes
	}
	return &cursors{block: block, tag: derive(key, "cursor scope")}
}

// derive returns a 32-byte key for one use of key.
func derive(key []byte, use string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(use))
	return m.Sum(nil)
}

func (c *cursors) scopeTag(scope string) []byte {
	m := hmac.New(sha256.New, c.tag)
	m.Write([]byte(scope))
	return m.Sum(nil)[:8]
}

// encode returns the cursor of position in scope; position 0, the start,
// is "0".
func (c *cursors) encode(scope string, position int64) string {
	if position == 0 {
		return "0"
	}
	var b [aes.BlockSize]byte
	binary.BigEndian.PutUint64(b[:8], uint64(position))
	copy(b[8:], c.scopeTag(scope))
	c.block.Encrypt(b[:], b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// decode returns the position of a cursor of scope; "" and "0" are the
// start. ok is false for anything encode did not make for scope.
func (c *cursors) decode(scope, cursor string) (int64, bool) {
	if cursor == "" || cursor == "0" {
		return 0, true
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil || len(raw) != aes.BlockSize {
		return 0, false
	}
	c.block.Decrypt(raw, raw)
	pos := int64(binary.BigEndian.Uint64(raw[:8]))
	if !hmac.Equal(raw[8:], c.scopeTag(scope)) || pos <= 0 {
		return 0, false
	}
	return pos, true
}
