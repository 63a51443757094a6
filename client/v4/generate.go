// Package v4 is the generated client of the v4 surface (/v4/orgs/{org_id}/...),
// made by oapi-codegen from the served document httpapi/openapi/v4.yaml.
// Construct it with client.NewV4, which adds authentication.
package v4

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2 -config oapi-codegen.yaml ../../httpapi/openapi/v4.yaml
