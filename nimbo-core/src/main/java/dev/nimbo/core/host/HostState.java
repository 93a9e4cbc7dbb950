package dev.nimbo.core.host;

/**
 * A host's STATE, with OpenNebula's numbers (host.xsd, Host.h) and the short names its CLI shows. The
 * MONITORING_* states exist in the wire format only: Nimbo monitors asynchronously and never stores them.
 * Monitoring runs in INIT, MONITORED, ERROR and DISABLED; an OFFLINE host is neither monitored nor used.
 */
public enum HostState {
    INIT(0, "init"),
    MONITORING_MONITORED(1, "update"),
    MONITORED(2, "on"),
    ERROR(3, "err"),
    DISABLED(4, "dsbl"),
    MONITORING_ERROR(5, "retry"),
    MONITORING_INIT(6, "init"),
    MONITORING_DISABLED(7, "dsbl"),
    OFFLINE(8, "off");

    private final int code;
    private final String shortName;

    HostState(int code, String shortName) {
        this.code = code;
        this.shortName = shortName;
    }

    public int code() {
        return code;
    }

    /** The STAT column of {@code onehost list}: on, off, dsbl, err, init, update, retry. */
    public String shortName() {
        return shortName;
    }

    public static HostState of(int code) {
        for (HostState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown host state " + code);
    }

    /** Whether the monitor polls a host in this state (all but OFFLINE). */
    public boolean monitored() {
        return this != OFFLINE;
    }
}
