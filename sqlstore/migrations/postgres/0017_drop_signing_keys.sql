-- The products access tokens are stored (0016) instead of signed, so the
-- generated key that signed them goes, sealed or not, with its table: it
-- held nothing else. Tokens it signed were refused from 0016 on anyway.
DROP TABLE signing_keys;
