package dev.nimbo.server.monitor;

import dev.nimbo.core.host.InformationDriver;
import dev.nimbo.drivers.im.DummyInformationDriver;
import dev.nimbo.drivers.kvm.AgentLink;
import dev.nimbo.drivers.kvm.KvmInformationDriver;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The host drivers this build has, registered in code: information (IM_MAD) drivers by name, and the
 * virtualization (VM_MAD) driver names hosts may name. Hosts naming anything else are refused.
 */
public final class HostDrivers {
    /** VM_MAD names a host may use: simulated, or a real KVM host through its agent. */
    public static final Set<String> VM_MADS = Set.of("dummy", "kvm");

    private HostDrivers() {
    }

    /** A fresh set of information drivers, by IM_MAD name; {@code kvm} hosts are reached through link. */
    public static Map<String, InformationDriver> informationDrivers(AgentLink link) {
        Map<String, InformationDriver> m = new TreeMap<>();
        InformationDriver dummy = new DummyInformationDriver();
        m.put(dummy.name(), dummy);
        InformationDriver kvm = new KvmInformationDriver(link);
        m.put(kvm.name(), kvm);
        return m;
    }

    /** The drivers with no agent channel (every kvm host unreachable): for their names. */
    public static Map<String, InformationDriver> informationDrivers() {
        return informationDrivers(NO_AGENTS);
    }

    private static final AgentLink NO_AGENTS = new AgentLink() {
        @Override
        public java.util.concurrent.CompletableFuture<dev.nimbo.drivers.agent.Frame> request(int hostId, String op,
                Map<String, String> attrs, byte[] body) {
            return java.util.concurrent.CompletableFuture.failedFuture(
                    new AgentUnavailableException("this nimbod has no agent listener"));
        }

        @Override
        public boolean connected(int hostId) {
            return false;
        }
    };

    private static final Set<String> IM_MADS =
            java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(informationDrivers().keySet()));

    /** The IM_MAD names, for checks and error messages. */
    public static Set<String> imMads() {
        return IM_MADS;
    }
}
