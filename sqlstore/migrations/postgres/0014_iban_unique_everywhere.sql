-- Issued account numbers are random, not drawn from a sequence, so an
-- org's IBANs say nothing of the others' volume. An IBAN names one account
-- everywhere: it is unique across orgs, and this index both enforces it
-- and serves the lookup that draws an unused number.
CREATE UNIQUE INDEX customer_products_iban_any_org_uq ON customer_products (iban) WHERE iban IS NOT NULL;
DROP INDEX customer_products_iban_uq;
