package crm

// DecodeImportLineStrict is the line decoder without its fast path, for
// the fuzz target to compare with.
var DecodeImportLineStrict = decodeImportLineStrict
