package dev.nimbo.agent.net;

import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One of a VM's SECURITY_GROUP_RULE vectors, read once for both host filters (nftables {@link SecurityGroupFilter}
 * and Open vSwitch {@link OvsSecurityGroups}): its group, direction, protocol, remote address range (IP and SIZE, or
 * only a NETWORK_ID the host cannot resolve), port ranges (RANGE "22,80:90") and ICMP/ICMPv6 type. A value the
 * host cannot apply is a {@link NetworkException} that names it.
 *
 * @param ip the first remote address (IPv4 or IPv6), or "" for any
 * @param networkOnly the rule names a NETWORK_ID and no IP: its addresses are unknown here, so it must match
 *                    nothing rather than widen to any address
 * @param ports the port ranges of a TCP/UDP rule, empty for every port
 * @param icmpType ICMP_TYPE (or ICMPV6_TYPE) without its code, "" for every type
 */
record SecurityGroupRule(int group, boolean outbound, String protocol, String ip, long size, boolean networkOnly,
                         List<PortRange> ports, String icmpType) {

    /** Ports lo..hi (equal for a single port). */
    record PortRange(int lo, int hi) {
    }

    static SecurityGroupRule of(VectorAttribute r) {
        String protocol = text(r, "PROTOCOL").toUpperCase(Locale.ROOT);
        if (!List.of("TCP", "UDP", "ICMP", "ICMPV6", "IPSEC", "ALL", "").contains(protocol)) {
            throw new NetworkException("security group rule with unknown PROTOCOL " + protocol);
        }
        String ip = text(r, "IP");
        long size = 1;
        if (!text(r, "SIZE").isEmpty()) {
            try {
                size = Math.max(1, Long.parseLong(text(r, "SIZE")));
            } catch (NumberFormatException e) {
                throw new NetworkException("security group rule SIZE '" + text(r, "SIZE") + "' is not a number");
            }
        }
        List<PortRange> ports = new ArrayList<>();
        if (protocol.equals("TCP") || protocol.equals("UDP")) {
            for (String part : text(r, "RANGE").split(",")) {
                if (!part.isBlank()) {
                    ports.add(portRange(part.strip()));
                }
            }
        }
        String icmp = text(r, protocol.equals("ICMPV6") ? "ICMPV6_TYPE" : "ICMP_TYPE").replaceFirst("/.*", "");
        return new SecurityGroupRule(groupOf(r), "outbound".equalsIgnoreCase(text(r, "RULE_TYPE")), protocol, ip,
                size, ip.isEmpty() && !text(r, "NETWORK_ID").isEmpty(), List.copyOf(ports), icmp);
    }

    /** The rules of {@code rules} that belong to one of the NIC's groups; an error names the NIC. */
    static List<SecurityGroupRule> ofNic(NetNic nic, List<VectorAttribute> rules) {
        List<SecurityGroupRule> out = new ArrayList<>();
        for (VectorAttribute r : rules) {
            if (nic.securityGroups().contains(groupOf(r))) {
                try {
                    out.add(of(r));
                } catch (NetworkException e) {
                    throw new NetworkException(nic.label() + ": " + e.getMessage());
                }
            }
        }
        return out;
    }

    /** Whether the remote range is IPv6 (only meaningful with an IP). */
    boolean ip6() {
        return ip.contains(":");
    }

    private static PortRange portRange(String part) {
        String[] b = part.split(":");
        try {
            int lo = Integer.parseInt(b[0].strip());
            int hi = b.length > 1 ? Integer.parseInt(b[1].strip()) : lo;
            if (b.length > 2 || lo < 0 || hi > 65535 || lo > hi) {
                throw new NumberFormatException();
            }
            return new PortRange(lo, hi);
        } catch (NumberFormatException e) {
            throw new NetworkException("security group rule port range " + part + " is not valid");
        }
    }

    static int groupOf(VectorAttribute r) {
        try {
            return Integer.parseInt(text(r, "SECURITY_GROUP_ID"));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String text(VectorAttribute r, String name) {
        String v = r.get(name);
        return v == null ? "" : v.strip();
    }
}
