package dev.nimbo.core.vm;

/**
 * A VM's STATE (the dispatch level), with OpenNebula's numbers and names (vm.xsd, VirtualMachine.h). While
 * ACTIVE, the {@link LcmState} says what the VM is doing on its host; in every other state it is LCM_INIT.
 */
public enum VmState {
    INIT(0),
    PENDING(1),
    HOLD(2),
    ACTIVE(3),
    STOPPED(4),
    SUSPENDED(5),
    DONE(6),
    POWEROFF(8),
    UNDEPLOYED(9),
    CLONING(10),
    CLONING_FAILURE(11);

    private static final VmState[] BY_CODE = new VmState[12];

    static {
        for (VmState s : values()) {
            BY_CODE[s.code] = s;
        }
    }

    private final int code;

    VmState(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static VmState of(int code) {
        VmState s = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        if (s == null) {
            throw new IllegalArgumentException("unknown VM state " + code);
        }
        return s;
    }

    /** OpenNebula's name for the state as clients parse it (vm_state_from_str). */
    public static VmState named(String name) {
        return valueOf(name.strip().toUpperCase(java.util.Locale.ROOT));
    }
}
