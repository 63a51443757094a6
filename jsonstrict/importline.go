package jsonstrict

import (
	"bytes"

	"github.com/telcoops/crm"
)

// lineDecoding names an import line in the decoder's messages.
var lineDecoding = Decoding{What: "the line", Root: "line"}

// DecodeImportLine decodes one line of an import file strictly, as the API
// decodes a body: one JSON object, no unknown field (names match exactly,
// not folded), every value of its field's type. Its errors are *crm.Error
// naming the field path, e.g. accounts[0].payment_method.type.
func DecodeImportLine(b []byte) (*crm.ImportLine, error) {
	if len(b) > crm.MaxImportLineBytes {
		return nil, crm.Errorf(crm.EMALFORMED, "the line is longer than %d bytes", crm.MaxImportLineBytes)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, crm.Errorf(crm.EMALFORMED, "the line is empty")
	}
	var l crm.ImportLine
	if err := Decode(b, &l, lineDecoding); err != nil {
		return nil, err
	}
	return &l, nil
}

// decodeImportLineStrict decodes a line with the strict walk alone,
// without Decode's fast path, for the fuzz target to compare with.
func decodeImportLineStrict(b []byte) (*crm.ImportLine, error) {
	var l crm.ImportLine
	if err := decodeWalk(b, &l, lineDecoding); err != nil {
		return nil, err
	}
	return &l, nil
}
