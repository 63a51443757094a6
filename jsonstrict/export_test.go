package jsonstrict

// DecodeWalk is Decode without its fast path, for tests to compare with.
var DecodeWalk = decodeWalk

// DecodeImportLineStrict is the line decoder without its fast path, for
// the fuzz target to compare with.
var DecodeImportLineStrict = decodeImportLineStrict
