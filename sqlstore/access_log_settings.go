package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/telcoops/crm"
)

// reasonSetting names the org setting of the roles that must give a reason.
const reasonSetting = "access_reason_required_roles"

// reasonTTL is how long an instance trusts the setting it read.
const reasonTTL = 5 * time.Second

// reasonRoles is the cached setting of one org.
type reasonRoles struct {
	roles []crm.Role
	until time.Time
}

// AccessReasonRequiredRoles returns the setting, read at most every
// reasonTTL per org.
func (l *AccessLog) AccessReasonRequiredRoles(ctx context.Context, org string) ([]crm.Role, error) {
	now := l.db.now()
	if v, ok := l.reasons.Load(org); ok && now.Before(v.(reasonRoles).until) {
		return v.(reasonRoles).roles, nil
	}
	var raw string
	err := l.db.queryRow(ctx, "SELECT value FROM org_settings WHERE org_id = ? AND name = '"+reasonSetting+"'", org).Scan(&raw)
	if err != nil && err != sql.ErrNoRows {
		return nil, translate(err)
	}
	var roles []crm.Role
	for _, r := range strings.Split(raw, ",") {
		if r != "" {
			roles = append(roles, crm.Role(r))
		}
	}
	l.reasons.Store(org, reasonRoles{roles: roles, until: now.Add(reasonTTL)})
	return roles, nil
}

// SetAccessReasonRequiredRoles replaces the setting; other instances see
// it within reasonTTL.
func (l *AccessLog) SetAccessReasonRequiredRoles(ctx context.Context, org string, roles []crm.Role) error {
	names := make([]string, len(roles))
	for i, r := range roles {
		if !crm.IsKnownRole(r) {
			return crm.Invalid("roles["+strconv.Itoa(i)+"]", "unknown role %q", string(r))
		}
		names[i] = string(r)
	}
	_, err := l.db.wr.ExecContext(ctx, l.db.dialect.q(`INSERT INTO org_settings (org_id, name, value) VALUES (?, '`+reasonSetting+`', ?)
		ON CONFLICT (org_id, name) DO UPDATE SET value = excluded.value`), org, strings.Join(names, ","))
	if err == nil {
		l.reasons.Delete(org)
	}
	return translate(err)
}
