-- Stands for a migration of a newer Nimbo build.
CREATE TABLE future_things (x INTEGER);
