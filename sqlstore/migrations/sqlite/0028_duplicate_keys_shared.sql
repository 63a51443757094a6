-- The duplicate rules by document and by phone read indexes the store
-- keeps anyway: a document by its number (the document indexes, the
-- canonical number and its NIE spelling), a phone among the search keys
-- (customer_search_keys, migration 0025). The digest columns' indexes cost
-- every create two more index entries at random places, a sixth of its
-- time. dup_name stays: no other index holds a name with its birth date.
-- The columns dup_document and dup_phone stay for now, unwritten by this
-- release (erasure still clears them): instances of the release before,
-- still up during a rolling upgrade, write them on every create. A later
-- release drops them.
DROP INDEX customers_dup_document_idx;
DROP INDEX customers_dup_phone_idx;
