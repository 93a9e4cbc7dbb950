-- Every pool object as its XML document; the columns beside it serve lookups without parsing XML.
CREATE TABLE objects (
    type VARCHAR NOT NULL,
    oid  INTEGER NOT NULL,
    name VARCHAR,
    uid  INTEGER NOT NULL,
    gid  INTEGER NOT NULL,
    body TEXT    NOT NULL,
    PRIMARY KEY (type, oid)
);

CREATE INDEX objects_type_uid ON objects (type, uid);

-- The last ID handed out per type: IDs are never reused, even after the newest object is deleted.
CREATE TABLE sequences (
    type     VARCHAR PRIMARY KEY,
    last_oid INTEGER NOT NULL
);
