-- Duplicate detection and customer merge. dup_document, dup_phone and
-- dup_name hold digests (crm.DuplicateKeysOf) of the canonical number of a
-- NIF, NIE or CIF, of the default phone, and of a private customer's
-- normalised full name with birth date; the email rule uses the email
-- column and its index. dup_keys is 0 on rows written before this
-- migration until the store computes their keys (backfillDuplicateKeys,
-- run by Open after Migrate). merged_into names the customer a merged (and
-- so deactivated) customer was merged into.
ALTER TABLE customers ADD COLUMN dup_document TEXT;
ALTER TABLE customers ADD COLUMN dup_phone TEXT;
ALTER TABLE customers ADD COLUMN dup_name TEXT;
ALTER TABLE customers ADD COLUMN dup_keys INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN merged_into TEXT;
-- Only live customers are candidates, so only they are indexed.
CREATE INDEX customers_dup_document_idx ON customers (org_id, dup_document)
    WHERE ended_at IS NULL AND dup_document IS NOT NULL;
CREATE INDEX customers_dup_phone_idx ON customers (org_id, dup_phone)
    WHERE ended_at IS NULL AND dup_phone IS NOT NULL;
CREATE INDEX customers_dup_name_idx ON customers (org_id, dup_name)
    WHERE ended_at IS NULL AND dup_name IS NOT NULL;
CREATE INDEX customers_dup_keys_todo_idx ON customers (id) WHERE dup_keys = 0;
