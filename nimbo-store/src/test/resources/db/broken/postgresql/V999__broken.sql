-- Changes that must all vanish when the last statement fails.
CREATE TABLE extra (x INTEGER);
ALTER TABLE objects ADD COLUMN foo INTEGER;
DELETE FROM objects;
INSERT INTO sequences (type, last_oid) VALUES ('BROKEN', 1);
SELECT no_such_column FROM no_such_table;
