package dev.nimbo.core.vm;

/**
 * Where a VM is in its life: STATE plus LCM_STATE. Outside ACTIVE the LCM state is always LCM_INIT.
 * Its text is OpenNebula's state_str (the LCM state's name while ACTIVE), the word error messages name.
 */
public record Phase(VmState state, LcmState lcm) {

    public Phase {
        if (state != VmState.ACTIVE && lcm != LcmState.LCM_INIT) {
            throw new IllegalArgumentException("LCM state " + lcm + " outside ACTIVE (" + state + ")");
        }
    }

    public static Phase of(VmState s) {
        return new Phase(s, LcmState.LCM_INIT);
    }

    public static Phase active(LcmState l) {
        return new Phase(VmState.ACTIVE, l);
    }

    public boolean is(VmState s) {
        return state == s;
    }

    public boolean isActive(LcmState l) {
        return state == VmState.ACTIVE && lcm == l;
    }

    public String text() {
        return state == VmState.ACTIVE ? lcm.name() : state.name();
    }

    @Override
    public String toString() {
        return text();
    }
}
