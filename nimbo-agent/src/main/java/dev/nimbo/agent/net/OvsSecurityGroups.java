package dev.nimbo.agent.net;

import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.List;

/**
 * Security groups on Open vSwitch ports, as OpenFlow rules with connection tracking (nftables never sees frames an
 * OVS bridge switches). Every IP frame of a bridge goes through conntrack (zone {@link #ZONE}) and two tables:
 * table 1 checks what a filtered guest sends (matched by its port), table 2 what is about to reach one (matched by
 * its MAC); frames of established or related connections pass, a new connection passes when a rule of that
 * direction allows it and is committed once both ends' checks let it through, the rest of a filtered guest's IP
 * traffic is dropped. Unfiltered ports pass both tables untouched. The same VM rules as the nftables filter
 * (PROTOCOL, RULE_TYPE, RANGE, IP+SIZE for IPv4 or IPv6, ICMP_TYPE, ICMPV6_TYPE); a rule that names only a
 * NETWORK_ID matches nothing here, as there. Flows carry the NIC's cookie and go with it.
 */
final class OvsSecurityGroups {
    /** The conntrack zone of every bridge's connections. */
    static final int ZONE = 1;
    /** The cookie of the bridge-wide pipeline flows (never a NIC's: NIC cookies carry a VM ID above 16 bits). */
    static final String PIPELINE_COOKIE = "0x4e4d";

    private OvsSecurityGroups() {
    }

    /** The flows every bridge with guests has: IP through conntrack to table 1, then 2, then the normal switching. */
    static List<String> pipeline() {
        String c = "cookie=" + PIPELINE_COOKIE + ",";
        String track = "actions=ct(table=1,zone=" + ZONE + ")";
        String commit = "actions=ct(commit,zone=" + ZONE + "),normal";
        return List.of(c + "table=0,priority=100,ip," + track, c + "table=0,priority=100,ipv6," + track,
                c + "table=1,priority=0,actions=resubmit(,2)",
                c + "table=2,priority=1,ct_state=+trk+new,ip," + commit,
                c + "table=2,priority=1,ct_state=+trk+new,ipv6," + commit,
                c + "table=2,priority=0,actions=normal");
    }

    /** The flows of one filtered NIC (port {@code ofport}) for its VM's rules; empty when it has no groups. */
    static List<String> flows(NetNic nic, String cookie, String ofport, List<VectorAttribute> rules) {
        List<String> out = new ArrayList<>();
        if (nic.securityGroups().isEmpty() || nic.mac().isEmpty()) {
            return out;
        }
        String c = "cookie=" + cookie + ",";
        String egress = c + "table=1,in_port=" + ofport + ",";
        String ingress = c + "table=2,dl_dst=" + nic.mac() + ",";
        for (String state : List.of("+trk+est", "+trk+rel")) {
            out.add(egress + "priority=60000,ct_state=" + state + ",actions=resubmit(,2)");
            out.add(ingress + "priority=60000,ct_state=" + state + ",actions=normal");
        }
        // IPv6 neighbour and router discovery is how IPv6 finds its way, not a connection: always let through
        for (int type : new int[] {133, 134, 135, 136}) {
            out.add(egress + "priority=55000,ipv6,nw_proto=58,icmp_type=" + type + ",actions=resubmit(,2)");
            out.add(ingress + "priority=55000,ipv6,nw_proto=58,icmp_type=" + type + ",actions=normal");
        }
        for (SecurityGroupRule r : SecurityGroupRule.ofNic(nic, rules)) {
            for (String m : matches(r)) {
                out.add(r.outbound() ? egress + "priority=50000,ct_state=+trk+new," + m + ",actions=resubmit(,2)"
                        : ingress + "priority=50000,ct_state=+trk+new," + m + ",actions=ct(commit,zone=" + ZONE
                        + "),normal");
            }
        }
        for (String family : List.of("ip", "ipv6")) {
            out.add(egress + "priority=40000," + family + ",actions=drop");
            out.add(ingress + "priority=40000," + family + ",actions=drop");
        }
        return out;
    }

    /**
     * One rule as OpenFlow matches (several when its ports or addresses need more than one masked value): the
     * remote end is the destination of outbound traffic and the source of inbound.
     */
    static List<String> matches(SecurityGroupRule r) {
        List<String> families = new ArrayList<>(List.of("ip", "ipv6"));
        List<String> addresses = new ArrayList<>();
        addresses.add("");
        if (!r.ip().isEmpty()) {
            families.retainAll(List.of(r.ip6() ? "ipv6" : "ip"));
            String field = r.ip6() ? (r.outbound() ? "ipv6_dst=" : "ipv6_src=")
                    : (r.outbound() ? "nw_dst=" : "nw_src=");
            addresses.clear();
            for (String cidr : AddressRanges.cidrs(r.ip(), r.size())) {
                addresses.add("," + field + cidr);
            }
        } else if (r.networkOnly()) {
            return List.of();
        }
        // after the family: nw_proto and what it allows (nw_proto applies to IPv6's next header too)
        List<String> l4 = new ArrayList<>();
        switch (r.protocol()) {
            case "TCP", "UDP" -> {
                String p = ",nw_proto=" + (r.protocol().equals("TCP") ? 6 : 17);
                if (r.ports().isEmpty()) {
                    l4.add(p);
                }
                for (SecurityGroupRule.PortRange range : r.ports()) {
                    for (String masked : portMasks(range.lo(), range.hi())) {
                        l4.add(p + ",tp_dst=" + masked);
                    }
                }
            }
            case "ICMP" -> {
                families.retainAll(List.of("ip"));
                l4.add(",nw_proto=1" + (r.icmpType().isEmpty() ? "" : ",icmp_type=" + r.icmpType()));
            }
            case "ICMPV6" -> {
                families.retainAll(List.of("ipv6"));
                l4.add(",nw_proto=58" + (r.icmpType().isEmpty() ? "" : ",icmp_type=" + r.icmpType()));
            }
            case "IPSEC" -> l4.add(",nw_proto=50");
            case "ALL", "" -> l4.add("");
            default -> throw new IllegalStateException("PROTOCOL " + r.protocol()); // SecurityGroupRule.of refuses it
        }
        List<String> out = new ArrayList<>();
        for (String family : families) {
            for (String a : addresses) {
                for (String m : l4) {
                    out.add(family + a + m);
                }
            }
        }
        return out;
    }

    /** A port range as value/mask pairs OpenFlow matches (the largest aligned blocks that fill it). */
    static List<String> portMasks(int lo, int hi) {
        if (lo < 0 || hi > 65535 || lo > hi) {
            throw new NetworkException("security group rule port range " + lo + ":" + hi + " is not valid");
        }
        List<String> out = new ArrayList<>();
        int p = lo;
        while (p <= hi) {
            int size = p == 0 ? 65536 : Integer.lowestOneBit(p);
            while (p + size - 1 > hi) {
                size >>= 1;
            }
            out.add(size == 1 ? Integer.toString(p) : "0x" + Integer.toHexString(p) + "/0x"
                    + Integer.toHexString(0xffff & ~(size - 1)));
            p += size;
        }
        return out;
    }
}
