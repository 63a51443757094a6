package crm_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/telcoops/crm"
)

// eventTypePattern is the shape of an event type: dotted lower-case words.
var eventTypePattern = regexp.MustCompile(`^[a-z_]+(\.[a-z_]+)+$`)

// TestNoPackageSpellsAnEventType keeps every event type's name in this
// package: outside it (sqlstore, httpapi, webhook, natsrelay, cmd, ...) no
// non-test code spells an event type, or anything shaped like one of an
// aggregate of ours, as a string literal. They use the Event constants,
// which TestKnownEventTypesListEveryEventConstant holds to
// KnownEventTypes, so a store cannot emit a type subscriptions cannot name.
func TestNoPackageSpellsAnEventType(t *testing.T) {
	aggregates := map[string]bool{}
	for _, v := range eventConstants(t, ".", "Aggregate") {
		aggregates[v] = true
	}
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if filepath.Dir(path) == "." || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		// Generated code (the Go client, from the OpenAPI documents)
		// spells the documents' event types; the documents are its source.
		if ast.IsGenerated(file) {
			return nil
		}
		files++
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			v, _ := strconv.Unquote(lit.Value)
			if !eventTypePattern.MatchString(v) {
				return true
			}
			if aggregate, _, _ := strings.Cut(v, "."); crm.IsEventType(v) || aggregates[aggregate] {
				t.Errorf("%s: %q spells an event type: use the crm.Event constant (a new type gets one, listed in knownEventTypes)",
					fset.Position(lit.Pos()), v)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no Go file found outside the root package")
	}
}
