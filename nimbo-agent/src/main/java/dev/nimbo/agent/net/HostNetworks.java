package dev.nimbo.agent.net;

import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.VmResources;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The network drivers of one host, as OpenNebula's VN_MAD actions: {@link #pre} before a guest (or a hot-plugged
 * NIC) starts makes the NIC's bridge and uplink; {@link #post} once its tap exists applies port settings (C-VLANs,
 * OVS tags and anti-spoofing flows) and the security groups; {@link #clean} after the guest (or the NIC) left
 * removes its filters, and the bridge with its uplink when no guest is left on it. Which driver runs is the NIC's
 * VN_MAD: bridge, 802.1Q, vxlan (Linux bridges), ovswitch, ovswitch_vxlan (Open vSwitch); fw only filters; dummy
 * (or none) does nothing but check that its bridge exists. Security groups are nftables rules on Linux bridge ports
 * (OVS ports get OpenFlow anti-spoofing only). Errors are {@link NetworkException}s naming the NIC, which the front-end shows
 * as the VM's error. Thread-safe: one host-wide lock, as two guests may share a bridge.
 */
public final class HostNetworks {
    private final HostShell sh;
    private final LinuxBridgeDriver bridges;
    private final OvsDriver switches;
    private final SecurityGroupFilter filters;
    private final SriovVfs vfs;

    public HostNetworks(HostShell sh, boolean keepEmptyBridges) {
        this(sh, keepEmptyBridges, OvsSettings.defaults());
    }

    public HostNetworks(HostShell sh, boolean keepEmptyBridges, OvsSettings ovs) {
        this(sh, keepEmptyBridges, ovs, java.nio.file.Path.of("/sys"));
    }

    /** {@code sysfs}: where the host's /sys is (SR-IOV VFs are found there). */
    HostNetworks(HostShell sh, boolean keepEmptyBridges, OvsSettings ovs, java.nio.file.Path sysfs) {
        this.sh = sh;
        this.bridges = new LinuxBridgeDriver(sh, keepEmptyBridges);
        this.switches = new OvsDriver(sh, ovs, keepEmptyBridges);
        this.filters = new SecurityGroupFilter(sh);
        this.vfs = new SriovVfs(sh, sysfs);
    }

    /** The NICs a request is about: every NIC, or the one being hot-plugged (ATTACH/DETACH = YES). */
    public static Predicate<VectorAttribute> all() {
        return n -> true;
    }

    public static Predicate<VectorAttribute> marked(String flag) {
        return n -> "YES".equalsIgnoreCase(n.get(flag));
    }

    /**
     * The template with every NIC's host device named (TARGET one-VM-NIC unless set), so that filters find the
     * tap libvirt makes.
     */
    public static Template withTargets(int vmId, Template t) {
        Template out = t.without("NIC");
        for (VectorAttribute n : t.vectors("NIC")) {
            boolean named = n.get("TARGET") != null && !n.get("TARGET").isBlank();
            out = out.add(named ? n : n.with("TARGET", NetNic.of(vmId, n).tap()));
        }
        return out;
    }

    public synchronized void pre(int vmId, Template t, Predicate<VectorAttribute> which) {
        // SR-IOV NICs: the VF's MAC, VLAN, spoof check and trust set on its PF before the guest gets it
        vfs.configure(t.vectors("PCI").stream().filter(p -> VmResources.isPciNic(p) && which.test(p))
                .toList());
        for (NetNic nic : nics(vmId, t, which)) {
            switch (nic.vnMad()) {
                case "bridge", "802.1q", "vxlan" -> bridges.pre(nic);
                case "ovswitch", "ovswitch_vxlan" -> switches.pre(nic);
                case "", "dummy", "fw" -> {
                    if (!nic.bridge().isEmpty() && !sh.linkExists(nic.bridge())) {
                        throw new NetworkException(nic.label() + ": bridge " + nic.bridge()
                                + " does not exist on this host (its driver does not create it)");
                    }
                }
                default -> throw new NetworkException(nic.label() + ": this host's agent has no " + nic.vnMad()
                        + " network driver");
            }
        }
    }

    public synchronized void post(int vmId, Template t, Predicate<VectorAttribute> which) {
        List<VectorAttribute> rules = t.vectors("SECURITY_GROUP_RULE");
        for (NetNic nic : nics(vmId, t, which)) {
            boolean vhostUser = isSwitched(nic) && nic.bridgeType().equals("openvswitch_dpdk");
            if (!vhostUser && !sh.linkExists(nic.tap())) {
                continue; // not running here (a powered-off VM's NIC)
            }
            if (isBridged(nic)) {
                bridges.post(nic);
            }
            if (isSwitched(nic)) {
                switches.post(nic, rules); // OpenFlow rules filter: nftables does not see OVS ports
            } else if (isFiltered(nic)) {
                filters.apply(nic, rules);
            }
        }
    }

    public void clean(int vmId, Template t, Predicate<VectorAttribute> which) {
        List<NetNic> nics = nics(vmId, t, which);
        // libvirt removes a detached NIC's tap a moment after it answered: the bridge would still count it
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (NetNic nic : nics) {
            while (sh.linkExists(nic.tap()) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        cleanNow(nics);
    }

    private synchronized void cleanNow(List<NetNic> nics) {
        for (NetNic nic : nics) {
            if (isFiltered(nic)) {
                filters.remove(nic);
            }
            if (isBridged(nic)) {
                bridges.clean(nic);
            }
            if (isSwitched(nic)) {
                switches.clean(nic);
            }
        }
    }

    private static boolean isBridged(NetNic nic) {
        return List.of("bridge", "802.1q", "vxlan").contains(nic.vnMad());
    }

    /** Linux bridge NICs get security groups and anti-spoofing; dummy ones nothing at all, as in OpenNebula. */
    private static boolean isFiltered(NetNic nic) {
        return isBridged(nic) || nic.vnMad().equals("fw");
    }

    private static boolean isSwitched(NetNic nic) {
        return List.of("ovswitch", "ovswitch_vxlan").contains(nic.vnMad());
    }

    private static List<NetNic> nics(int vmId, Template t, Predicate<VectorAttribute> which) {
        List<NetNic> out = new ArrayList<>();
        for (VectorAttribute n : t.vectors("NIC")) {
            if (which.test(n)) {
                NetNic nic = NetNic.of(vmId, n);
                if (nic.bridge().isEmpty() && !nic.vnMad().isEmpty()) {
                    throw new NetworkException(nic.label() + ": the NIC has no BRIDGE");
                }
                out.add(nic);
            }
        }
        return out;
    }
}
