package httpapi

import (
	"net/http/httptest"
	"testing"
)

// BenchmarkInputChecks measures what every request now pays before its
// handler: the parameter checks and the request log's path redaction.
func BenchmarkInputChecks(b *testing.B) {
	r := httptest.NewRequest("GET", "/v4/orgs/telco/customers?email=email@example.com&username=antonio", nil)
	r.SetPathValue("org_id", "telco")
	path := "/v4/orgs/telco/customers/0198a0f1-4567-7d43-ab00-000000000001/accounts/0198a0f1-4567-7d43-ab00-000000000002"
	allowed := routeQuery["GET /v4/orgs/{org_id}/customers"]
	b.ReportAllocs()
	for b.Loop() {
		if err := inputProblem(r, []string{"org_id"}, allowed); err != nil {
			b.Fatal(err)
		}
		if redactPath(path) != path {
			b.Fatal("redacted")
		}
	}
}
