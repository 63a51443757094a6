package jsonlimport

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"

	"github.com/telcoops/crm"
)

// lineReader splits the input into lines, numbering them from 1.
type lineReader struct {
	br   *bufio.Reader
	line int
	off  int64
}

// chunk reads up to n non-blank lines. A line over crm.MaxImportLineBytes
// comes back already rejected, without its bytes.
func (lr *lineReader) chunk(n int) ([]*item, error) {
	items := make([]*item, 0, n)
	var buf []byte
	for len(items) < n {
		buf = buf[:0]
		tooLong := false
		var err error
		for {
			var part []byte
			part, err = lr.br.ReadSlice('\n')
			lr.off += int64(len(part))
			if len(buf)+len(part) > crm.MaxImportLineBytes+2 {
				tooLong = true
			} else {
				buf = append(buf, part...)
			}
			if err != bufio.ErrBufferFull {
				break
			}
		}
		if err != nil && err != io.EOF {
			return items, err
		}
		if len(buf) > 0 || tooLong {
			lr.line++
			raw := bytes.TrimRight(buf, "\r\n")
			switch {
			case tooLong || len(raw) > crm.MaxImportLineBytes:
				items = append(items, &item{line: lr.line, end: lr.off,
					errs: []string{fmt.Sprintf("the line is longer than %d bytes", crm.MaxImportLineBytes)}})
			case len(bytes.TrimSpace(raw)) > 0:
				items = append(items, &item{line: lr.line, end: lr.off, raw: slices.Clone(raw)})
			}
		}
		if err == io.EOF {
			return items, io.EOF
		}
	}
	return items, nil
}
