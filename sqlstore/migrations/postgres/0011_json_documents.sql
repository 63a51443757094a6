-- Documents the service writes and reads whole, never queries into: JSON
-- keeps the text as written, where JSONB parses every insert into its
-- binary form and prints every read back out. On creates that was a fifth
-- of the database's work. The rewrite takes a lock on each table while it
-- runs, once.
ALTER TABLE events ALTER COLUMN data TYPE JSON USING data::json,
    ALTER COLUMN changes TYPE JSON USING changes::json;
ALTER TABLE customers ALTER COLUMN body TYPE JSON USING body::json;
ALTER TABLE accounts ALTER COLUMN body TYPE JSON USING body::json;
