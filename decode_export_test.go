package crm

// DecodeWalk is DecodeStrict without its fast path, for tests to compare with.
var DecodeWalk = decodeWalk
