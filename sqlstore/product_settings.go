package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/telcoops/crm"
)

// loadProductSettings returns how org issues accounts: its own settings,
// else the deployment's (org "*"), else the defaults.
func loadProductSettings(q rowReader, org string) (crm.ProductSettings, error) {
	s := crm.DefaultProductSettings()
	var raw string
	err := q(`SELECT value FROM org_settings WHERE org_id IN (?, '*') AND name = 'products'
		ORDER BY CASE WHEN org_id = '*' THEN 1 ELSE 0 END LIMIT 1`, org).Scan(&raw)
	if err == sql.ErrNoRows {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return s, crm.Internal(fmt.Errorf("org %s product settings: %w", org, err))
	}
	return s, nil
}

// DeploymentProducts names the settings row every org without its own uses.
const DeploymentProducts = "*"

// SetProductSettings replaces how org issues the accounts of cash products;
// org DeploymentProducts sets the default of every org without its own.
func (s *Products) SetProductSettings(ctx context.Context, org string, settings crm.ProductSettings) error {
	if err := settings.Validate(); err != nil {
		return err
	}
	raw, err := json.Marshal(settings)
	if err != nil {
		return err
	}
	_, err = s.wr.ExecContext(ctx, s.dialect.q(`INSERT INTO org_settings (org_id, name, value) VALUES (?, 'products', ?)
		ON CONFLICT (org_id, name) DO UPDATE SET value = excluded.value`), org, string(raw))
	return translate(err)
}

// ProductSettings returns how org issues the accounts of cash products.
func (s *Products) ProductSettings(ctx context.Context, org string) (crm.ProductSettings, error) {
	settings, err := loadProductSettings(s.reader(ctx), org)
	return settings, translate(err)
}
