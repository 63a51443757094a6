package httpapi

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/telcoops/crm"
)

// docsFiles are the /docs page and its assets: Swagger UI, vendored
// (docsui/README.md says from where), and the page's own script and
// style. Operators run the service offline, so nothing comes from a CDN.
//
//go:embed docsui/index.html docsui/docs.js docsui/docs.css docsui/swagger-ui-5.35.0
var docsFiles embed.FS

// swaggerUIDir holds the vendored Swagger UI; its name carries the
// version, so a new version is a new URL and its files are cached for good.
const swaggerUIDir = "swagger-ui-5.35.0/"

// docsAssetsPath is where the /docs page's assets are served.
const docsAssetsPath = "/docs/assets/"

// docsContentTypes are the only kinds of file served under docsAssetsPath;
// the licence and README files beside the assets are not served.
var docsContentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".png": "image/png",
}

// docsPolicy lets the page load scripts, styles, images and data from the
// service itself only; data: images are the icons in Swagger UI's CSS.
const docsPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// docsAsset is one embedded file, with the ETag of its content.
type docsAsset struct {
	data []byte
	etag string
}

var (
	docsOnce   sync.Once
	docsAssets map[string]docsAsset // by path under docsui/
)

// loadDocsAssets reads the embedded files once, hashing each for its ETag.
func loadDocsAssets() map[string]docsAsset {
	docsOnce.Do(func() {
		docsAssets = map[string]docsAsset{}
		err := fs.WalkDir(docsFiles, "docsui", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := docsFiles.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			docsAssets[strings.TrimPrefix(p, "docsui/")] = docsAsset{data: data, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
			return nil
		})
		if err != nil {
			panic("httpapi: reading the embedded docs files: " + err.Error())
		}
	})
	return docsAssets
}

// registerDocs serves the /docs page, an interactive reference of both
// surfaces, and its assets. The assets are static files of the page, not
// operations of the API, so they are left out of Routes and the documents.
func (s *Server) registerDocs() {
	s.handle("GET", "/docs", func(w http.ResponseWriter, r *http.Request) {
		writeDocsFile(w, r, "index.html", "text/html; charset=utf-8", "no-cache")
	})
	s.mux.HandleFunc("GET "+docsAssetsPath+"{file...}", s.docsAsset)
}

// docsAsset serves one asset. The vendored ones are cached for a year
// (swaggerUIDir); the page's own script and style change with the binary
// and are revalidated by ETag.
func (s *Server) docsAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	ctype, ok := docsContentTypes[path.Ext(name)]
	if !ok {
		s.writeError(w, r, crm.Errorf(crm.ENOTFOUND, "no such file: %s", redactPath(r.URL.Path)))
		return
	}
	cache := "no-cache"
	if strings.HasPrefix(name, swaggerUIDir) {
		cache = "public, max-age=31536000, immutable"
	}
	if !writeDocsFile(w, r, name, ctype, cache) {
		s.writeError(w, r, crm.Errorf(crm.ENOTFOUND, "no such file: %s", redactPath(r.URL.Path)))
	}
}

// writeDocsFile answers the embedded file name with the page's security
// headers, honouring If-None-Match; false if there is no such file.
func writeDocsFile(w http.ResponseWriter, r *http.Request, name, ctype, cache string) bool {
	a, ok := loadDocsAssets()[name]
	if !ok {
		return false
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", cache)
	h.Set("ETag", a.etag)
	h.Set("Content-Security-Policy", docsPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.data))
	return true
}
