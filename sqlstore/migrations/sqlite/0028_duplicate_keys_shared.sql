-- The duplicate rules by document and by phone read indexes the store
-- keeps anyway: a document by its number (customers_document_idx, the
-- canonical number and its NIE spelling), a phone among the search keys
-- (customer_search_keys, migration 0025). Their own digest columns and
-- indexes cost every create two more index entries at random places,
-- a sixth of its time on both engines. dup_name stays: no other index
-- holds a name with its birth date.
DROP INDEX customers_dup_document_idx;
DROP INDEX customers_dup_phone_idx;
ALTER TABLE customers DROP COLUMN dup_document;
ALTER TABLE customers DROP COLUMN dup_phone;
