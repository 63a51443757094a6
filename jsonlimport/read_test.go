package jsonlimport

import (
	"bufio"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

func TestLineReader(t *testing.T) {
	t.Parallel()
	long := `{"type":"` + strings.Repeat("x", crm.MaxImportLineBytes) + `"}`
	input := "a\r\n\n  \nb\n" + long + "\nc"
	lr := lineReader{br: bufio.NewReaderSize(strings.NewReader(input), 16)}
	type line struct {
		Line int
		End  int64
		Raw  string
		Errs []string
	}
	var got [][]line
	for {
		items, err := lr.chunk(2)
		var chunk []line
		for _, it := range items {
			chunk = append(chunk, line{it.line, it.end, string(it.raw), it.errs})
		}
		got = append(got, chunk)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	end := int64(len(input))
	want := [][]line{
		{{Line: 1, End: 3, Raw: "a"}, {Line: 4, End: 9, Raw: "b"}}, // blank lines count, but are not items
		{{Line: 5, End: end - 1, Errs: []string{"the line is longer than 1048576 bytes"}}, {Line: 6, End: end, Raw: "c"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("chunks (-want +got):\n%s", diff)
	}
}
