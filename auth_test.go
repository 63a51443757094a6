package crm_test

import (
	"testing"

	"github.com/telcoops/crm"
)

// TestCanAccessOrg: a principal opens the orgs it names, and only AllOrgs,
// which gateway mode alone sets, opens the rest; "*" names no org.
func TestCanAccessOrg(t *testing.T) {
	tests := []struct {
		name string
		p    crm.Principal
		org  string
		want bool
	}{
		{"own org", crm.Principal{Orgs: []string{"a", "b"}}, "b", true},
		{"other org", crm.Principal{Orgs: []string{"a"}}, "b", false},
		{"star is no org", crm.Principal{Orgs: []string{"*"}}, "b", false},
		{"star beside an org", crm.Principal{Orgs: []string{"a", "*"}}, "b", false},
		{"gateway", crm.Principal{AllOrgs: true}, "b", true},
	}
	for _, tt := range tests {
		if got := tt.p.CanAccessOrg(tt.org); got != tt.want {
			t.Errorf("%s: CanAccessOrg(%q) = %v, want %v", tt.name, tt.org, got, tt.want)
		}
	}
	for _, s := range []string{"*", "", "A", "a b", "a.*", "-a", string(make([]byte, 64))} {
		if crm.ValidOrgID(s) {
			t.Errorf("ValidOrgID(%q) = true", s)
		}
	}
}

// TestPrivacyOfficerRole: privacy:officer is a role keys may carry, held
// through admin or its alias, and by no other role.
func TestPrivacyOfficerRole(t *testing.T) {
	if !crm.IsKnownRole(crm.RolePrivacyOfficer) {
		t.Error("privacy:officer is not a known role")
	}
	for _, tt := range []struct {
		roles []crm.Role
		want  bool
	}{
		{[]crm.Role{crm.RolePrivacyOfficer}, true},
		{[]crm.Role{crm.RoleAdmin}, true},
		{[]crm.Role{crm.RoleAPIKey}, true},
		{[]crm.Role{crm.RoleCustomersRead, crm.RoleDocumentsRead, crm.RoleEventsRead}, false},
	} {
		if got := (crm.Principal{Roles: tt.roles}).HasRole(crm.RolePrivacyOfficer); got != tt.want {
			t.Errorf("%v: HasRole(privacy:officer) = %v, want %v", tt.roles, got, tt.want)
		}
	}
}
