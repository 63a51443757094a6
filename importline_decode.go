package crm

// lineDecoding names an import line in the decoder's messages.
var lineDecoding = Decoding{What: "the line", Root: "line"}

// decodeImportLineStrict decodes a line with the strict walk alone,
// without DecodeStrict's fast path, for the fuzz target to compare with.
func decodeImportLineStrict(b []byte) (*ImportLine, error) {
	var l ImportLine
	if err := decodeWalk(b, &l, lineDecoding); err != nil {
		return nil, err
	}
	return &l, nil
}
