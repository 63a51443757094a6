package httpapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/jsonstrict"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

// readBody reads the whole body, refusing more than MaxBodyBytes.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, crm.Errorf(crm.ETOOLARGE, "request body must be at most %d bytes", MaxBodyBytes)
		}
		return nil, crm.Errorf(crm.EMALFORMED, "could not read the request body")
	}
	return body, nil
}

// decodeJSON decodes the body into dst strictly: one JSON object, no
// unknown fields (matched exactly, unlike encoding/json's case folding), and
// every value of the type the field has. Problems name the field path.
func decodeJSON(r *http.Request, dst any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	// No body at all is "a body is required", whatever its media type.
	if len(bytes.TrimSpace(body)) > 0 {
		if err := requireJSON(r); err != nil {
			return err
		}
	}
	return decodeStrict(body, dst)
}

func decodeStrict(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return crm.Errorf(crm.EMALFORMED, "a JSON request body is required")
	}
	// null would leave dst at its zero value: a PATCH changing nothing, or
	// a create of nothing. Every body is an object.
	if bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		return &crm.Error{Code: crm.EMALFORMED, Message: "invalid request body",
			Fields: []crm.FieldError{{Field: bodyDecoding.Root, Message: "must be an object"}}}
	}
	return jsonstrict.Decode(body, dst, bodyDecoding)
}

// requireJSON refuses a body that is not declared application/json (415),
// so that a form or text a client sends by mistake is not read as JSON.
// A charset parameter other than UTF-8 is refused too.
func requireJSON(r *http.Request) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return crm.Errorf(crm.EMEDIATYPE, "Content-Type must be application/json")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return crm.Errorf(crm.EMEDIATYPE, "Content-Type must be application/json with no charset or charset=utf-8")
	}
	return nil
}

// bodyDecoding names a request body in the decoder's messages.
var bodyDecoding = jsonstrict.Decoding{What: "request body", Root: "body"}

// displayPath names a field path for a message; the empty path is the
// whole body.
func displayPath(path string) string {
	if path == "" {
		return bodyDecoding.Root
	}
	return path
}
