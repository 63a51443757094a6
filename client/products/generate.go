// Package products is the generated client of the Customer Products API
// (/oauth2/token, /customers/{customerId}/products, /products/{customerProductId}),
// made by oapi-codegen from the served document httpapi/openapi/products.yaml.
// Construct it with client.NewProducts, which adds OAuth2 client credentials.
package products

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2 -config oapi-codegen.yaml ../../httpapi/openapi/products.yaml
