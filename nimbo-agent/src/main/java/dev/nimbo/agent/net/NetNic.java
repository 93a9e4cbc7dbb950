package dev.nimbo.agent.net;

import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the network drivers read from one NIC of a VM template (the network's attributes the front-end copied
 * into it, as oned does): driver, bridge, uplink settings, addresses, the host-side device (tap) and filters.
 *
 * @param ip6 the IPv6 addresses the guest may send from: IP6, IP6_GLOBAL, IP6_ULA, IP6_LINK, and the link-local
 *            address of its MAC (EUI-64), in canonical form
 * @param tap the guest's device on the host: TARGET, else one-VM-NIC as OpenNebula names it
 */
public record NetNic(int vmId, int nicId, String vnMad, String bridge, String bridgeType, String phydev,
                     Integer vlanId, Integer outerVlanId, List<Integer> taggedVlans, List<Integer> cvlans, Integer mtu, String vxlanMode,
                     String vxlanMc, String vxlanTep, String mac, String ip, List<String> ip6, String tap,
                     String networkId,
                     Set<Integer> securityGroups, boolean filterMac, boolean filterIp) {

    public static NetNic of(int vmId, VectorAttribute n) {
        int nicId = (int) number(n, "NIC_ID", 0);
        String tap = text(n, "TARGET");
        return new NetNic(vmId, nicId, text(n, "VN_MAD").toLowerCase(Locale.ROOT), text(n, "BRIDGE"),
                text(n, "BRIDGE_TYPE").toLowerCase(Locale.ROOT), text(n, "PHYDEV"), integer(n, "VLAN_ID"),
                integer(n, "OUTER_VLAN_ID"),
                ranges(n.get("VLAN_TAGGED_ID")), ranges(n.get("CVLANS")), integer(n, "MTU"),
                text(n, "VXLAN_MODE").toLowerCase(Locale.ROOT), text(n, "VXLAN_MC"), text(n, "VXLAN_TEP"),
                text(n, "MAC").toLowerCase(Locale.ROOT), text(n, "IP"), ip6(n),
                tap.isEmpty() ? tapName(vmId, nicId) : tap, text(n, "NETWORK_ID"),
                new TreeSet<>(ranges(n.get("SECURITY_GROUPS"))),
                !"NO".equalsIgnoreCase(text(n, "FILTER_MAC_SPOOFING")),
                !"NO".equalsIgnoreCase(text(n, "FILTER_IP_SPOOFING")));
    }

    /** The host device name of a VM's NIC when the template sets none, as OpenNebula's KVM driver names it. */
    public static String tapName(int vmId, int nicId) {
        return "one-" + vmId + "-" + nicId;
    }

    /** Where a vhost-user NIC's socket is (QEMU serves it, the OVS-DPDK port connects to it). */
    public static String vhostSocket(String tap) {
        return VHOST_DIR + "/" + tap;
    }

    static final String VHOST_DIR = "/var/run/nimbo/vhost";

    /** Whether the NIC is a vhost-user port of an OVS-DPDK bridge (BRIDGE_TYPE openvswitch_dpdk). */
    public static boolean isVhostUser(VectorAttribute n) {
        return isOvs(n) && "openvswitch_dpdk".equalsIgnoreCase(text(n, "BRIDGE_TYPE"));
    }

    /** Whether the NIC is on an Open vSwitch bridge. */
    public static boolean isOvs(VectorAttribute n) {
        String mad = text(n, "VN_MAD").toLowerCase(Locale.ROOT);
        return mad.equals("ovswitch") || mad.equals("ovswitch_vxlan");
    }

    /** A short label for error messages. */
    public String label() {
        return "NIC " + nicId + " (network " + (networkId.isEmpty() ? "?" : networkId) + ", VN_MAD "
                + (vnMad.isEmpty() ? "none" : vnMad) + ")";
    }

    private static List<String> ip6(VectorAttribute n) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String attr : List.of("IP6", "IP6_GLOBAL", "IP6_ULA", "IP6_LINK")) {
            if (!text(n, attr).isEmpty()) {
                out.add(canonical(text(n, attr), attr));
            }
        }
        if (!text(n, "MAC").isEmpty()) {
            long mac = dev.nimbo.core.vnet.Addresses.parseMac(text(n, "MAC"));
            out.add(canonical(dev.nimbo.core.vnet.Addresses.slaac(0xfe80_0000_0000_0000L, mac).toString(), "MAC"));
        }
        return List.copyOf(out);
    }

    private static String canonical(String ip6, String attr) {
        try {
            return java.net.InetAddress.getByName(ip6).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new NetworkException(attr + " '" + ip6 + "' is not an IPv6 address");
        }
    }

    /** "1,3,10:12" (or "10-12") as the list of numbers it names. */
    static List<Integer> ranges(String text) {
        List<Integer> out = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String part : text.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            String[] ends = p.split("[:-]", 2);
            try {
                int a = Integer.parseInt(ends[0].strip());
                int b = ends.length == 2 ? Integer.parseInt(ends[1].strip()) : a;
                if (b < a || b - a > 4096) {
                    throw new NetworkException("bad range '" + p + "'");
                }
                for (int i = a; i <= b; i++) {
                    out.add(i);
                }
            } catch (NumberFormatException e) {
                throw new NetworkException("bad number list '" + text + "'");
            }
        }
        return out;
    }

    private static String text(VectorAttribute n, String name) {
        String v = n.get(name);
        return v == null ? "" : v.strip();
    }

    private static Integer integer(VectorAttribute n, String name) {
        String v = text(n, name);
        if (v.isEmpty()) {
            return null;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new NetworkException("NIC " + text(n, "NIC_ID") + ": " + name + " '" + v + "' is not a number");
        }
    }

    private static long number(VectorAttribute n, String name, long dflt) {
        Integer v = integer(n, name);
        return v == null ? dflt : v;
    }
}
