package dev.nimbo.server.monitor;

import dev.nimbo.core.host.InformationDriver;
import dev.nimbo.drivers.im.DummyInformationDriver;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The host drivers this build has, registered in code: information (IM_MAD) drivers by name, and the
 * virtualization (VM_MAD) driver names hosts may name. Hosts naming anything else are refused.
 */
public final class HostDrivers {
    /** VM_MAD names a host may use; the VM drivers themselves arrive with the VM life cycle. */
    public static final Set<String> VM_MADS = Set.of("dummy");

    private HostDrivers() {
    }

    /** A fresh set of information drivers, by IM_MAD name. */
    public static Map<String, InformationDriver> informationDrivers() {
        Map<String, InformationDriver> m = new TreeMap<>();
        InformationDriver dummy = new DummyInformationDriver();
        m.put(dummy.name(), dummy);
        return m;
    }

    private static final Set<String> IM_MADS =
            java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(informationDrivers().keySet()));

    /** The IM_MAD names, for checks and error messages. */
    public static Set<String> imMads() {
        return IM_MADS;
    }
}
