package main

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// TestHelpListsEveryCommand reads the commands run dispatches (and the
// privacy subcommands) from the source, so a new command cannot be left
// out of `crmd --help`.
func TestHelpListsEveryCommand(t *testing.T) {
	commands := caseLabels(t, "main.go", "run")
	for _, sub := range caseLabels(t, "privacy.go", "privacyCmd") {
		commands = append(commands, "privacy "+sub)
	}
	commands = append(commands, "privacy export")
	if len(commands) < 10 {
		t.Fatalf("found only %v in the dispatch: the test no longer reads it", commands)
	}
	for _, arg := range []string{"--help", "-h", "help"} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{arg}, &out, &out); err != nil {
			t.Fatalf("crmd %s: %v", arg, err)
		}
		for _, c := range commands {
			if !strings.Contains(out.String(), "crmd "+c) {
				t.Errorf("crmd %s does not list %q:\n%s", arg, "crmd "+c, out.String())
			}
		}
	}
}

// caseLabels returns the string case labels of the switches in function fn
// of file.
func caseLabels(t *testing.T, file, fn string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != fn {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			cc, ok := n.(*ast.CaseClause)
			if !ok {
				return true
			}
			for _, e := range cc.List {
				if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					out = append(out, s)
				}
			}
			return true
		})
	}
	return out
}
