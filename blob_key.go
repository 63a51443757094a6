package crm

import (
	"regexp"
	"strings"
)

// blobKeySegment is one element of a blob key: no dot first, so no "..",
// no hidden files, and nothing a file system or an object store treats
// specially.
var blobKeySegment = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// maxBlobKeySegments bounds how deep blob keys may nest.
const maxBlobKeySegments = 4

// ValidBlobKey reports whether key can name a blob in every BlobStore: 1
// to 4 slash-separated segments of letters, digits and . _ -, none starting
// with a dot. The stores share the rule so that a blob moves between them
// (crmd blobs copy) under the key it has.
func ValidBlobKey(key string) bool {
	parts := strings.Split(key, "/")
	if len(parts) > maxBlobKeySegments {
		return false
	}
	for _, p := range parts {
		if !blobKeySegment.MatchString(p) {
			return false
		}
	}
	return true
}
