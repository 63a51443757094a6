-- A card token id is unique within its org only: another org's gateway may
-- hold the same token, and must not learn that this org has it.
ALTER TABLE credit_cards DROP CONSTRAINT credit_cards_pkey;
ALTER TABLE credit_cards ADD PRIMARY KEY (org_id, id);
