package dev.nimbo.agent.net;

import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A NIC's security groups and anti-spoofing on the host, in nftables: table {@code bridge nimbo} holds one
 * forward chain that sends a guest's frames, by tap, to its NIC's outbound chain ({@code TAP-o}) and frames toward
 * it to its inbound chain ({@code TAP-i}). Each chain lets replies of allowed connections through, then the NIC's
 * rules for that direction (protocol, port list and ranges, ICMP type, remote address range IP+SIZE), then drops
 * the rest; a NIC without security groups is not filtered beyond anti-spoofing. Anti-spoofing (on unless
 * FILTER_MAC_SPOOFING / FILTER_IP_SPOOFING = NO) drops outbound frames whose source MAC, IPv4 address (ARP
 * included) or IPv6 address is not the NIC's (its lease, its IPv6 addresses and its MAC's link-local address),
 * and neighbour advertisements for addresses not its own. Applying a NIC's chains again replaces them in one nft
 * transaction, which is how a committed group or an attached one reaches a running guest. Callers serialize calls
 * per host.
 */
final class SecurityGroupFilter {
    static final String TABLE = "nimbo";

    /**
     * The table, its tap maps and its forward chain, made or refreshed in the same transaction as a NIC's chains
     * (idempotent and atomic: several agents may share a host's table in tests).
     */
    private static final String TABLE_SCRIPT = "add table bridge " + TABLE + "\n"
            + "add map bridge " + TABLE + " sg_in { type ifname : verdict; }\n"
            + "add map bridge " + TABLE + " sg_out { type ifname : verdict; }\n"
            + "add chain bridge " + TABLE + " forward { type filter hook forward priority 0; policy accept; }\n"
            + "flush chain bridge " + TABLE + " forward\n"
            + "add rule bridge " + TABLE + " forward iifname vmap @sg_out\n"
            + "add rule bridge " + TABLE + " forward oifname vmap @sg_in\n";

    private final HostShell sh;

    SecurityGroupFilter(HostShell sh) {
        this.sh = sh;
    }

    /** Installs (or replaces) the NIC's chains; {@code rules} are the VM's SECURITY_GROUP_RULE vectors. */
    void apply(NetNic nic, List<VectorAttribute> rules) {
        String in = nic.tap() + "-i";
        String out = nic.tap() + "-o";
        StringBuilder s = new StringBuilder(TABLE_SCRIPT);
        for (String chain : List.of(in, out)) {
            s.append("add chain bridge ").append(TABLE).append(' ').append(chain).append('\n');
            s.append("flush chain bridge ").append(TABLE).append(' ').append(chain).append('\n');
        }
        if (nic.filterMac() && !nic.mac().isEmpty()) {
            rule(s, out, "ether saddr != " + nic.mac() + " drop");
        }
        if (nic.filterIp() && !nic.ip().isEmpty()) {
            rule(s, out, "ip saddr 0.0.0.0 udp dport 67 return"); // DHCP discovery
            rule(s, out, "ip saddr != " + nic.ip() + " drop");
            rule(s, out, "arp saddr ip != " + nic.ip() + " drop");
        }
        if (nic.filterIp() && !nic.ip6().isEmpty()) {
            // duplicate address detection speaks from :: before the guest may use its address
            rule(s, out, "ip6 saddr :: icmpv6 type { nd-neighbor-solicit, mld2-listener-report } return");
            // neighbour advertisements only for its own addresses (IPv6's ARP spoofing). nft 1.0.6 has no icmpv6
            // taddr: the target is the 128 bits after the first 8 bytes of the ICMPv6 header
            rule(s, out, "icmpv6 type nd-neighbor-advert @th,64,128 != { " + nic.ip6().stream()
                    .map(AddressRanges::hex).collect(Collectors.joining(", ")) + " } drop");
            rule(s, out, "ip6 saddr != { " + String.join(", ", nic.ip6()) + " } drop");
        }
        List<SecurityGroupRule> mine = SecurityGroupRule.ofNic(nic, rules);
        if (!nic.securityGroups().isEmpty()) {
            boolean stateful = conntrack();
            for (String chain : List.of(in, out)) {
                if (stateful) {
                    rule(s, chain, "ct state established,related return");
                }
                rule(s, chain, "ether type arp return"); // address resolution is not a connection
                rule(s, chain, "icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit,"
                        + " nd-neighbor-advert } return"); // nor is IPv6's
            }
            for (SecurityGroupRule r : mine) {
                for (String m : match(r, false)) {
                    rule(s, r.outbound() ? out : in, m + " return");
                }
                if (!stateful) {
                    // without connection tracking the answers to what a rule allows come back by its mirror
                    for (String m : match(r, true)) {
                        rule(s, r.outbound() ? in : out, m + " return");
                    }
                }
            }
            rule(s, in, "drop");
            rule(s, out, "drop");
        }
        // the map entries point the tap at its chains (replacing any earlier ones)
        sh.ok("nft", "delete", "element", "bridge", TABLE, "sg_in", "{ \"" + nic.tap() + "\" }");
        sh.ok("nft", "delete", "element", "bridge", TABLE, "sg_out", "{ \"" + nic.tap() + "\" }");
        s.append("add element bridge ").append(TABLE).append(" sg_in { \"").append(nic.tap()).append("\" : jump ")
                .append(in).append(" }\n");
        s.append("add element bridge ").append(TABLE).append(" sg_out { \"").append(nic.tap()).append("\" : jump ")
                .append(out).append(" }\n");
        try {
            sh.runWithInput(s.toString(), "nft", "-f", "-");
        } catch (NetworkException e) {
            throw new NetworkException(nic.label() + ": security group rules rejected by nftables: "
                    + e.getMessage());
        }
    }

    /** Removes the NIC's chains; nothing to do when they are gone already. */
    void remove(NetNic nic) {
        if (!sh.ok("nft", "list", "table", "bridge", TABLE)) {
            return;
        }
        sh.ok("nft", "delete", "element", "bridge", TABLE, "sg_in", "{ \"" + nic.tap() + "\" }");
        sh.ok("nft", "delete", "element", "bridge", TABLE, "sg_out", "{ \"" + nic.tap() + "\" }");
        for (String chain : List.of(nic.tap() + "-i", nic.tap() + "-o")) {
            if (sh.ok("nft", "list", "chain", "bridge", TABLE, chain)) {
                sh.run("nft", "flush", "chain", "bridge", TABLE, chain);
                sh.run("nft", "delete", "chain", "bridge", TABLE, chain);
            }
        }
        if (sh.run("nft", "list", "table", "bridge", TABLE).lines().noneMatch(l -> l.contains("-i {"))) {
            sh.run("nft", "delete", "table", "bridge", TABLE); // the last filtered NIC left
        }
    }

    /** Whether this kernel tracks connections of bridged frames (nf_conntrack_bridge); probed once. */
    private Boolean conntrack;

    private boolean conntrack() {
        if (conntrack == null) {
            conntrack = check(TABLE_SCRIPT + "add rule bridge " + TABLE + " forward ct state established accept\n");
        }
        return conntrack;
    }

    private boolean check(String script) {
        try {
            sh.runWithInput(script, "nft", "-c", "-f", "-");
            return true;
        } catch (NetworkException e) {
            return false;
        }
    }

    /**
     * One rule as nft matches: what it allows ({@code reply} false), or the answers to that traffic coming back
     * ({@code reply} true, for kernels without connection tracking of bridged frames). Empty when it cannot match
     * anything here (a rule naming only a NETWORK_ID, whose addresses the host does not know, must not widen to
     * "any"; ICMP types other than echo have no answers).
     */
    static List<String> match(SecurityGroupRule r, boolean reply) {
        String address = "";
        if (!r.ip().isEmpty()) {
            boolean remoteIsDestination = r.outbound() != reply;
            address = (r.ip6() ? "ip6 " : "ip ") + (remoteIsDestination ? "daddr " : "saddr ") + r.ip() + "-"
                    + AddressRanges.lastAddress(r.ip(), r.size()) + " ";
        } else if (r.networkOnly()) {
            return List.of();
        }
        String proto = r.protocol();
        String answered = "tcp flags & ack == ack"; // TCP answers, never a new connection
        List<String> out = new ArrayList<>();
        switch (proto) {
            case "TCP", "UDP" -> {
                String l4 = proto.toLowerCase(Locale.ROOT);
                String ports = r.ports().stream().map(p -> p.lo() == p.hi() ? Integer.toString(p.lo())
                        : p.lo() + "-" + p.hi()).collect(Collectors.joining(", "));
                String m = r.ports().isEmpty() ? "meta l4proto " + l4 : l4 + (reply ? " sport { " : " dport { ") + ports
                        + " }";
                out.add(m + (reply && l4.equals("tcp") ? " " + answered : ""));
            }
            case "ICMP" -> {
                String type = r.icmpType();
                if (!reply) {
                    out.add(type.isEmpty() ? "meta l4proto icmp" : "icmp type " + type);
                } else if (type.isEmpty() || type.equals("8")) {
                    out.add("icmp type echo-reply");
                }
            }
            case "ICMPV6" -> {
                String type = r.icmpType();
                if (!reply) {
                    out.add(type.isEmpty() ? "meta l4proto ipv6-icmp" : "icmpv6 type " + type);
                } else if (type.isEmpty() || type.equals("128")) {
                    out.add("icmpv6 type echo-reply");
                }
            }
            case "IPSEC" -> out.add("meta l4proto esp");
            case "ALL", "" -> {
                if (reply) {
                    out.add("meta l4proto tcp " + answered);
                    out.add("meta l4proto { udp, esp }");
                    out.add("icmp type { echo-reply, destination-unreachable, time-exceeded }");
                    out.add("icmpv6 type { echo-reply, destination-unreachable, time-exceeded }");
                } else {
                    out.add("meta l4proto != 255"); // everything (an nft rule needs an expression)
                }
            }
            default -> throw new IllegalStateException("PROTOCOL " + proto); // SecurityGroupRule.of refuses it
        }
        String prefix = address;
        return out.stream().map(m -> prefix + m).toList();
    }

    private static void rule(StringBuilder s, String chain, String rule) {
        s.append("add rule bridge ").append(TABLE).append(' ').append(chain).append(' ').append(rule).append('\n');
    }
}
