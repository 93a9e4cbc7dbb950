-- Host monitoring history: one row per host and monitoring time, the MONITORING document as body.
-- Appended by the host monitor, read by one.host.monitoring / one.hostpool.monitoring, expired by age.
CREATE TABLE host_monitoring (
    hid           INTEGER NOT NULL,
    last_mon_time BIGINT  NOT NULL,
    body          TEXT    NOT NULL,
    PRIMARY KEY (hid, last_mon_time)
);

CREATE INDEX host_monitoring_time ON host_monitoring (last_mon_time);
