package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
)

// The bounds of a response the load client accepts: a server that sends
// more is broken, and reading on would only hide it.
const (
	loadMaxHeader = 64 << 10 // status line, header fields, or trailers
	loadMaxBody   = 64 << 20
)

// errMalformed marks a response that is not HTTP/1.x as the load client
// reads it.
var errMalformed = errors.New("malformed HTTP response")

// respHead is what the client needs of a response's head.
type respHead struct {
	status        int
	contentLength int64 // -1 when absent
	chunked       bool
	close         bool // Connection: close, or HTTP/1.0 without keep-alive
}

// readResponse reads one response to a request with the given method off
// br, appending its body to body. closeAfter reports that the connection
// cannot carry another request.
func readResponse(br *bufio.Reader, method string, body []byte) (status int, _ []byte, closeAfter bool, err error) {
	var h respHead
	for {
		if h, err = readHead(br); err != nil {
			return 0, body, true, err
		}
		if h.status >= 200 {
			break
		}
		if h.status == 101 {
			return 0, body, true, fmt.Errorf("%w: 101 Switching Protocols to a request that asked for no upgrade", errMalformed)
		}
		// 100 Continue or 103 Early Hints: the final answer follows.
	}
	switch {
	case method == "HEAD" || h.status == 204 || h.status == 304:
		// No body, whatever Content-Length says (RFC 9112, 6.3).
	case h.chunked:
		body, err = readChunked(br, body)
		// Both framings in one response hint at smuggling; RFC 9112, 6.1
		// wants the connection closed after it.
		h.close = h.close || h.contentLength >= 0
	case h.contentLength >= 0:
		if h.contentLength > loadMaxBody {
			return 0, body, true, fmt.Errorf("%w: Content-Length %d over %d", errMalformed, h.contentLength, loadMaxBody)
		}
		body, err = readN(br, body, int(h.contentLength))
	default:
		// Neither length nor chunks: the body ends when the server closes
		// the connection (RFC 9112, 6.3, rule 8).
		body, err = readToEOF(br, body)
		h.close = true
	}
	if err != nil {
		return 0, body, true, err
	}
	return h.status, body, h.close, nil
}

// readHead reads the status line and the header fields.
func readHead(br *bufio.Reader) (respHead, error) {
	h := respHead{contentLength: -1}
	budget := loadMaxHeader
	line, err := readLine(br, &budget)
	if err != nil {
		return h, err
	}
	// HTTP/1.x NNN[ reason]
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || (line[7] != '0' && line[7] != '1') ||
		line[8] != ' ' || (len(line) > 12 && line[12] != ' ') {
		return h, fmt.Errorf("%w: status line %.60q", errMalformed, line)
	}
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return h, fmt.Errorf("%w: status line %.60q", errMalformed, line)
		}
		h.status = h.status*10 + int(c-'0')
	}
	if h.status < 100 {
		return h, fmt.Errorf("%w: status line %.60q", errMalformed, line)
	}
	http10, keepAlive := line[7] == '0', false
	for {
		if line, err = readLine(br, &budget); err != nil {
			return h, err
		}
		if len(line) == 0 {
			break
		}
		colon := bytes.IndexByte(line, ':')
		// A field name has no white space (RFC 9112, 5.1), and a folded
		// continuation line starts with it (obsolete, rejected by 5.2).
		if colon <= 0 || bytes.ContainsAny(line[:colon], " \t") {
			return h, fmt.Errorf("%w: header line %.60q", errMalformed, line)
		}
		name, value := line[:colon], bytes.Trim(line[colon+1:], " \t")
		switch {
		case foldEqual(name, "content-length"):
			n := parseDecimal(value)
			if n < 0 || (h.contentLength >= 0 && n != h.contentLength) {
				return h, fmt.Errorf("%w: Content-Length %.40q", errMalformed, value)
			}
			h.contentLength = n
		case foldEqual(name, "transfer-encoding"):
			if !foldEqual(value, "chunked") {
				return h, fmt.Errorf("%w: unsupported Transfer-Encoding %.40q", errMalformed, value)
			}
			h.chunked = true
		case foldEqual(name, "connection"):
			for tok := range bytes.SplitSeq(value, []byte(",")) {
				tok = bytes.Trim(tok, " \t")
				h.close = h.close || foldEqual(tok, "close")
				keepAlive = keepAlive || foldEqual(tok, "keep-alive")
			}
		}
	}
	h.close = h.close || (http10 && !keepAlive)
	return h, nil
}

// readLine returns the next line without its CRLF (or bare LF), charging
// it to budget. The line aliases br's buffer: it is valid until the next
// read.
func readLine(br *bufio.Reader, budget *int) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, fmt.Errorf("%w: a line over %d bytes", errMalformed, loadReadBuffer)
	case err == io.EOF && len(line) > 0:
		return nil, io.ErrUnexpectedEOF
	case err != nil:
		return nil, err
	}
	if *budget -= len(line); *budget < 0 {
		return nil, fmt.Errorf("%w: head over %d bytes", errMalformed, loadMaxHeader)
	}
	line = line[:len(line)-1]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, nil
}

// readChunked decodes a chunked body (RFC 9112, 7.1), chunk extensions and
// trailer fields read and ignored.
func readChunked(br *bufio.Reader, body []byte) ([]byte, error) {
	trailers := loadMaxHeader
	for {
		budget := loadReadBuffer // a size line is bounded by the buffer alone
		line, err := readLine(br, &budget)
		if err != nil {
			return body, noEOF(err)
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		size := parseHex(bytes.Trim(line, " \t"))
		if size < 0 {
			return body, fmt.Errorf("%w: chunk size %.40q", errMalformed, line)
		}
		if size == 0 {
			for {
				line, err := readLine(br, &trailers)
				if err != nil {
					return body, noEOF(err)
				}
				if len(line) == 0 {
					return body, nil
				}
			}
		}
		if size > int64(loadMaxBody-len(body)) {
			return body, fmt.Errorf("%w: chunked body over %d bytes", errMalformed, loadMaxBody)
		}
		if body, err = readN(br, body, int(size)); err != nil {
			return body, err
		}
		crlf, err := br.Peek(2)
		if err != nil {
			return body, noEOF(err)
		}
		if crlf[0] != '\r' || crlf[1] != '\n' {
			return body, fmt.Errorf("%w: chunk data not followed by CRLF", errMalformed)
		}
		br.Discard(2)
	}
}

// readN appends exactly n bytes of br to body.
func readN(br *bufio.Reader, body []byte, n int) ([]byte, error) {
	at := len(body)
	body = slices.Grow(body, n)[:at+n]
	if _, err := io.ReadFull(br, body[at:]); err != nil {
		return body[:at], noEOF(err)
	}
	return body, nil
}

// readToEOF appends the rest of the stream to body, up to loadMaxBody.
func readToEOF(br *bufio.Reader, body []byte) ([]byte, error) {
	for {
		if len(body) == cap(body) {
			body = slices.Grow(body, 4096)
		}
		n, err := br.Read(body[len(body):cap(body)])
		body = body[:len(body)+n]
		if len(body) > loadMaxBody {
			return body, fmt.Errorf("%w: body over %d bytes", errMalformed, loadMaxBody)
		}
		if err == io.EOF {
			return body, nil
		}
		if err != nil {
			return body, err
		}
	}
}

// noEOF turns an end of stream in the middle of a response into the error
// it is: the response was cut short.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// foldEqual reports whether b equals the lower-case ASCII lower, ignoring
// case: header names and the tokens the client looks at are ASCII.
func foldEqual(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// parseDecimal parses a Content-Length: digits only, at most 18 of them so
// it cannot overflow; -1 for anything else.
func parseDecimal(b []byte) int64 {
	if len(b) == 0 || len(b) > 18 {
		return -1
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// parseHex parses a chunk size: hex digits only, at most 15 of them so it
// cannot overflow; -1 for anything else.
func parseHex(b []byte) int64 {
	if len(b) == 0 || len(b) > 15 {
		return -1
	}
	var n int64
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		n = n<<4 | int64(c)
	}
	return n
}
