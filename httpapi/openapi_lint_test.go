package httpapi_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	yaml "go.yaml.in/yaml/v3"

	"github.com/telcoops/crm/httpapi"
)

// TestOpenAPIDocumentsAreStrictYAML: both documents read the same in every
// YAML reader, the strict ones (js-yaml in Redocly, PyYAML) included. The
// Go decoder accepts what those reject, so yamlProblems checks it.
func TestOpenAPIDocumentsAreStrictYAML(t *testing.T) {
	t.Parallel()
	for name, doc := range map[string][]byte{"v4.yaml": httpapi.OpenAPIV4, "products.yaml": httpapi.OpenAPIProducts} {
		if diff := cmp.Diff([]string(nil), yamlProblems(doc)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

// TestYAMLProblems shows that the checks find what they look for.
func TestYAMLProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"clean", "a:\n  b: {\"c\": [1,\n    2]}\n  d:\n    {\n      \"e\": 1\n    }\n  f: 'yes'\n", nil},
		{"flow closed at its key's indentation", "a:\n  b: {\n    \"c\": 1\n  }\nz: 1\n",
			[]string{"line 4: flow collection of line 2 is not indented past column 3"}},
		{"flow in a sequence item", "- {\n  \"c\": 1\n}\n- 2\n",
			[]string{"line 3: flow collection of line 1 is not indented past column 1"}},
		{"comment after a flow is fine", "a: [\n    1\n  ]\n# note\nb: 2\n", nil},
		{"anchor defined twice", "a: &x 1\nb: *x\nc: &x 2\nd: *x\n",
			[]string{"line 3: anchor &x defined again (first at line 1)"}},
		{"duplicate key", "a: 1\nb:\n  c: 1\n  c: 2\nd: {\"e\": 1, \"e\": 2}\n", []string{
			`line 4: key "c" repeated (first at line 3)`, `line 5: key "e" repeated (first at line 5)`}},
		{"YAML 1.1 booleans and base 60", "enum: [NO, on]\nOff: 1\nt: 12:30\n", []string{
			`line 1: plain "NO" is a boolean to YAML 1.1 readers: quote it`,
			`line 1: plain "on" is a boolean to YAML 1.1 readers: quote it`,
			`line 2: plain "Off" is a boolean to YAML 1.1 readers: quote it`,
			`line 3: plain "12:30" is a base-60 number to YAML 1.1 readers: quote it`}},
		{"not YAML", "a: [1\n", []string{"yaml: line 1: did not find expected ',' or ']'"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, yamlProblems([]byte(tc.doc))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestMasStackStatusesDeclared: every operation whose MasStack
// documentation lists a 504 declares it, and the external-id account
// lookup its 409, each with the common error body, so that clients
// generated from the v4 document handle them.
func TestMasStackStatusesDeclared(t *testing.T) {
	t.Parallel()
	doc := v4Contract.load(t).doc
	const p = "/v4/orgs/{org_id}"
	want := map[string][]int{}
	for _, op := range []string{"GET /accounts/{account_id}", "PATCH /accounts/{account_id}/payment-method",
		"GET /accounts/{account_id}/billing-address/history", "GET /accounts/{account_id}/promotions",
		"GET /accounts/{account_id}/promotions/history", "PATCH /accounts/{account_id}/promotions/{account_promotion_id}",
		"GET /customers/{customer_id}/accounts", "POST /customers/{customer_id}/accounts",
		"DELETE /customers/{customer_id}/accounts/{account_id}", "GET /customers/{customer_id}/accounts/{account_id}/payment-methods",
		"GET /external-accounts/{account_external_id}/contracts", "GET /external-accounts/{account_external_id}/contracts/active",
		"GET /categories", "POST /categories"} {
		want[op] = []int{504}
	}
	want["GET /external-accounts/{account_external_id}"] = []int{409, 504}
	for op, statuses := range want {
		method, path, _ := strings.Cut(op, " ")
		o := doc.Paths.Find(p + path).GetOperation(method)
		for _, status := range statuses {
			r := o.Responses.Status(status)
			if r == nil || r.Value == nil || r.Value.Content.Get("application/json") == nil {
				t.Errorf("%s: no %d with a JSON body", op, status)
				continue
			}
			if ref := r.Value.Content.Get("application/json").Schema.Ref; ref != "#/components/schemas/ErrorResponse" {
				t.Errorf("%s: %d body is %q, want the ErrorResponse", op, status, ref)
			}
		}
	}
}

// catalogueID matches the ids the spec catalogue gives operations (K1,
// A4, CR4, IP2, ...): internal shorthand that summaries, descriptions and
// tags do not show.
var catalogueID = regexp.MustCompile(`\b(A[0-9]{1,2}|T1|E[1-7]|K[1-6]|X1|G[1-3]|CC[1-4]|S[12]|CS[12]|CR[1-4]|IP[12])\b`)

// TestNoCatalogueIDsInText: neither document shows a catalogue id in its
// text, comments included (the documents are served as they are).
func TestNoCatalogueIDsInText(t *testing.T) {
	t.Parallel()
	for name, doc := range map[string][]byte{"v4.yaml": httpapi.OpenAPIV4, "products.yaml": httpapi.OpenAPIProducts} {
		for i, line := range strings.Split(string(doc), "\n") {
			if id := catalogueID.FindString(line); id != "" {
				t.Errorf("%s:%d: catalogue id %s in %q", name, i+1, id, strings.TrimSpace(line))
			}
		}
	}
}

var (
	yaml11Bool   = regexp.MustCompile(`^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$`)
	yaml11Base60 = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$`)
)

// yamlProblems lists what strict or YAML 1.1 readers would reject or read
// differently: a multi-line flow collection whose lines are not indented
// past its block (js-yaml's "deficient indentation"), an anchor defined
// twice (PyYAML), a repeated mapping key, and a plain scalar that YAML 1.1
// resolves to a boolean or a base-60 number.
func yamlProblems(doc []byte) []string {
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return []string{err.Error()}
	}
	var order []*yaml.Node // every node, in document order
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		order = append(order, n)
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
	next := map[*yaml.Node]int{} // line of the first node after n's subtree
	var size func(n *yaml.Node) int
	index := map[*yaml.Node]int{}
	for i, n := range order {
		index[n] = i
	}
	size = func(n *yaml.Node) int {
		s := 1
		for _, c := range n.Content {
			s += size(c)
		}
		return s
	}
	lines := strings.Split(string(doc), "\n")
	for _, n := range order {
		after := index[n] + size(n)
		next[n] = len(lines) + 1
		if after < len(order) {
			next[n] = order[after].Line
		}
	}

	var out []string
	anchors := map[string]int{}
	var check func(n *yaml.Node, indent int, inFlow bool)
	check = func(n *yaml.Node, indent int, inFlow bool) {
		if n.Anchor != "" {
			if first, ok := anchors[n.Anchor]; ok {
				out = append(out, fmt.Sprintf("line %d: anchor &%s defined again (first at line %d)", n.Line, n.Anchor, first))
			} else {
				anchors[n.Anchor] = n.Line
			}
		}
		flow := n.Style&yaml.FlowStyle != 0 && (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode)
		if flow && !inFlow {
			for l := n.Line + 1; l < next[n] && l <= len(lines); l++ {
				text := strings.TrimLeft(lines[l-1], " ")
				if text == "" || strings.HasPrefix(text, "#") {
					continue
				}
				if len(lines[l-1])-len(text) <= indent {
					out = append(out, fmt.Sprintf("line %d: flow collection of line %d is not indented past column %d", l, n.Line, indent+1))
				}
			}
		}
		if n.Kind == yaml.ScalarNode && n.Style == 0 && n.Tag == "!!str" {
			switch {
			case yaml11Bool.MatchString(n.Value):
				out = append(out, fmt.Sprintf("line %d: plain %q is a boolean to YAML 1.1 readers: quote it", n.Line, n.Value))
			case yaml11Base60.MatchString(n.Value):
				out = append(out, fmt.Sprintf("line %d: plain %q is a base-60 number to YAML 1.1 readers: quote it", n.Line, n.Value))
			}
		}
		keys := map[string]int{}
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 {
				if first, ok := keys[c.Value]; ok {
					out = append(out, fmt.Sprintf("line %d: key %q repeated (first at line %d)", c.Line, c.Value, first))
				} else {
					keys[c.Value] = c.Line
				}
			}
			childIndent := indent
			switch {
			case n.Kind == yaml.MappingNode && !flow:
				childIndent = n.Content[i-i%2].Column - 1 // a value belongs to its key's column
			case n.Kind == yaml.SequenceNode && !flow:
				childIndent = n.Column - 1 // the column of its dashes
			}
			check(c, childIndent, inFlow || flow)
		}
	}
	check(&root, -1, false)
	return out
}
