-- VM monitoring history: one row per VM and poll time, the MONITORING document as body.
-- Appended by the VM monitor, read by one.vm.monitoring / one.vmpool.monitoring, expired by age and
-- dropped when the VM is done.
CREATE TABLE vm_monitoring (
    vmid      INTEGER NOT NULL,
    last_poll BIGINT  NOT NULL,
    body      TEXT    NOT NULL,
    PRIMARY KEY (vmid, last_poll)
);

CREATE INDEX vm_monitoring_time ON vm_monitoring (last_poll);
