-- SQLite's 0029 makes its search keys a WITHOUT ROWID table; PostgreSQL's
-- tables are heaps with their indexes beside them, so nothing changes here.
SELECT 1;
