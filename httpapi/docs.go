package httpapi

import (
	"bufio"
	"bytes"
	"html/template"
	"net/http"
	"strings"
)

// docOperation is one line of the /docs index.
type docOperation struct {
	Method, Path, Summary string
}

// docSection is one API surface in the /docs index.
type docSection struct {
	Title, Spec string
	Ops         []docOperation
}

// indexOperations lists a document's operations (method, path, summary)
// by reading its layout: paths at two spaces, methods at four, their
// summary at six. Both documents are written that way, and a test checks
// the index against the routes.
func indexOperations(doc []byte) []docOperation {
	var out []docOperation
	var path string
	inPaths := false
	sc := bufio.NewScanner(bytes.NewReader(doc))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "paths:":
			inPaths = true
		case inPaths && line != "" && line[0] != ' ' && line[0] != '#':
			inPaths = false
		case !inPaths:
		case strings.HasPrefix(line, "  /") && strings.HasSuffix(line, ":"):
			path = strings.TrimSuffix(strings.TrimSpace(line), ":")
		case strings.HasPrefix(line, "    ") && !strings.HasPrefix(line, "     "):
			m := strings.TrimSuffix(strings.TrimSpace(line), ":")
			switch m {
			case "get", "post", "put", "patch", "delete":
				out = append(out, docOperation{Method: strings.ToUpper(m), Path: path})
			}
		case strings.HasPrefix(line, "      summary: ") && len(out) > 0 && out[len(out)-1].Summary == "":
			out[len(out)-1].Summary = strings.Trim(strings.TrimPrefix(line, "      summary: "), `'"`)
		}
	}
	return out
}

var docsPage = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crm API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em}
td{padding:.15em .8em .15em 0;vertical-align:top}code{font-size:13px}.m{font-weight:600}</style></head>
<body><h1>crm — customer-lifecycle service</h1>
<p>Operational endpoints: <a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>, <a href="/metrics">/metrics</a>.</p>
{{range .}}<h2>{{.Title}}</h2><p>OpenAPI 3.1: <a href="{{.Spec}}">{{.Spec}}</a></p>
<table>{{range .Ops}}<tr><td class="m">{{.Method}}</td><td><code>{{.Path}}</code></td><td>{{.Summary}}</td></tr>{{end}}</table>{{end}}
</body></html>`))

// docs serves a one-page index of both API surfaces, linking to their
// OpenAPI documents.
func (s *Server) docs(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	err := docsPage.Execute(&buf, []docSection{
		{Title: "Customers API v4", Spec: "/openapi/v4.yaml", Ops: indexOperations(OpenAPIV4)},
		{Title: "Customer Products API", Spec: "/openapi/products.yaml", Ops: indexOperations(OpenAPIProducts)},
	})
	if err != nil {
		s.log.Error("docs page", "error", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}
