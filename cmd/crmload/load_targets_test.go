package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadTargets(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		customers []target
		accounts  []target
		err       string
	}{
		{name: "with and without an account, as psql's COPY writes them",
			in: "c1\tNIF\t00000001R\ta1\nc2\tPASSPORT\tX123\t\\N\n\nc3\tNIE\tY0000001Z\t\n",
			customers: []target{{id: "c1", docType: "NIF", nif: "00000001R"}, {id: "c2", docType: "PASSPORT", nif: "X123"},
				{id: "c3", docType: "NIE", nif: "Y0000001Z"}},
			accounts: []target{{id: "a1", customer: "c1"}}},
		{name: "too few fields", in: "c1\tNIF\t00000001R\n", err: "--targets line 1"},
		{name: "no document number", in: "c1\tNIF\t00000001R\ta1\nc2\tNIF\t\ta2\n", err: "--targets line 2"},
		{name: "empty", in: "\n", err: "no line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			customers, accounts, err := readTargets(strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			opt := cmp.AllowUnexported(target{})
			if diff := cmp.Diff(tt.customers, customers, opt); diff != "" {
				t.Errorf("customers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.accounts, accounts, opt); diff != "" {
				t.Errorf("accounts (-want +got):\n%s", diff)
			}
		})
	}
}
