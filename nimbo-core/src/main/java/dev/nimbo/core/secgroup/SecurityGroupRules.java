package dev.nimbo.core.secgroup;

import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Checks and normalises the RULE vectors of a security group template with OpenNebula's rules and messages:
 * PROTOCOL (TCP, UDP, ICMP, ICMPV6, IPSEC, ALL), RULE_TYPE (INBOUND, OUTBOUND), RANGE ("22,80:90", at most 15
 * ports, TCP/UDP only), ICMP_TYPE / ICMPV6_TYPE, and the target: IP with SIZE, or NETWORK_ID, or anything.
 * Stateless and thread-safe.
 */
public final class SecurityGroupRules {
    public static final int MAX_PORTS = 15;
    public static final int MAX_PORT = 65535;

    private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "ICMP", "ICMPV6", "IPSEC", "ALL");
    private static final Pattern PORT_LIST = Pattern.compile("((\\d+|\\d+:\\d+),)*(\\d+|\\d+:\\d+)");
    private static final Pattern UNSIGNED = Pattern.compile("\\+?\\d+");
    private static final Pattern SIGNED = Pattern.compile("[+-]?\\d+");

    private SecurityGroupRules() {
    }

    /** The first problem among the template's RULE vectors, or null when they are all valid. */
    public static String problem(Template template) {
        for (Attribute a : template.all("RULE")) {
            if (!(a instanceof VectorAttribute rule)) {
                return "RULE must be a vector attribute, e.g. RULE = [ PROTOCOL = TCP, RULE_TYPE = INBOUND ].";
            }
            String p = problem(rule);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    /** What is wrong with one rule (OpenNebula's message), or null when it is valid. */
    public static String problem(VectorAttribute rule) {
        String proto = upper(rule.get("PROTOCOL"));
        if (!PROTOCOLS.contains(proto)) {
            return "Wrong PROTOCOL in rule. Valid options: TCP, UDP, ICMP, ICMPV6, IPSEC, ALL.";
        }
        String range = value(rule, "RANGE");
        if (!range.isEmpty()) {
            if (!proto.equals("TCP") && !proto.equals("UDP")) {
                return "RANGE is supported only for TCP and UDP protocols.";
            }
            String p = rangeProblem(range);
            if (p != null) {
                return p;
            }
        }
        String icmp = value(rule, "ICMP_TYPE");
        if (!icmp.isEmpty()) {
            if (!proto.equals("ICMP")) {
                return "ICMP_TYPE is supported only for ICMP protocol.";
            }
            if (!isUnsigned(icmp)) {
                return "Wrong ICMP_TYPE, it must be integer";
            }
        }
        String icmp6 = value(rule, "ICMPV6_TYPE");
        if (!icmp6.isEmpty()) {
            if (!proto.equals("ICMPV6")) {
                return "ICMPV6_TYPE is supported only for ICMPV6 protocol.";
            }
            if (!isUnsigned(icmp6)) {
                return "Wrong ICMPV6_TYPE, it must be integer";
            }
        }
        String type = upper(rule.get("RULE_TYPE"));
        if (!type.equals("INBOUND") && !type.equals("OUTBOUND")) {
            return "Wrong RULE_TYPE in rule. Valid options: INBOUND, OUTBOUND.";
        }
        String ip = value(rule, "IP");
        if (!ip.isEmpty()) {
            if (!isUnsigned(value(rule, "SIZE"))) {
                return "Wrong or empty SIZE.";
            }
            if (!IpAddresses.isIpv4(ip) && !IpAddresses.isIpv6(ip)) {
                return "Wrong format for IP value.";
            }
        } else {
            String net = rule.get("NETWORK_ID");
            if (net != null && !SIGNED.matcher(net.strip()).matches()) {
                return "Wrong NETWORK_ID.";
            }
        }
        return null;
    }

    private static String rangeProblem(String range) {
        if (!PORT_LIST.matcher(range).matches()) {
            return "Invalid RANGE specification.";
        }
        int ports = 0;
        for (String part : range.split(",")) {
            int colon = part.indexOf(':');
            if (colon >= 0) {
                long begin = port(part.substring(0, colon));
                long end = port(part.substring(colon + 1));
                if (end > MAX_PORT) {
                    return "RANGE out of bounds 0-65536.";
                }
                if (end < begin) {
                    return "RANGE BEGIN value is greater than RANGE END value";
                }
                ports += 2;
            } else {
                if (port(part) > MAX_PORT) {
                    return "RANGE out of bounds 0-65536.";
                }
                ports++;
            }
            if (ports > MAX_PORTS) {
                return "Not more than 15 ports can be specified in a RULE";
            }
        }
        return null;
    }

    /** Digits to a number, saturating so that absurdly long ports are simply out of bounds. */
    private static long port(String digits) {
        return digits.length() > 9 ? Long.MAX_VALUE : Long.parseLong(digits);
    }

    /**
     * The template with exact duplicate RULEs removed (same keys and values, in any order), keeping the first of
     * each, as OpenNebula does on allocate and update. Assumes the rules are valid vectors.
     */
    public static Template withoutDuplicates(Template template) {
        List<Attribute> out = new ArrayList<>(template.attributes().size());
        Set<Map<String, String>> seen = new HashSet<>();
        boolean dropped = false;
        for (Attribute a : template.attributes()) {
            if (a instanceof VectorAttribute v && v.name().equals("RULE")) {
                Map<String, String> key = new TreeMap<>();
                for (SingleAttribute s : v.values()) {
                    key.put(s.name(), s.value());
                }
                if (!seen.add(key)) {
                    dropped = true;
                    continue;
                }
            }
            out.add(a);
        }
        return dropped ? Template.of(out) : template;
    }

    private static String value(VectorAttribute v, String key) {
        String s = v.get(key);
        return s == null ? "" : s;
    }

    private static String upper(String s) {
        return s == null ? "" : s.toUpperCase(Locale.ROOT);
    }

    private static boolean isUnsigned(String s) {
        String t = s.strip();
        if (!UNSIGNED.matcher(t).matches()) {
            return false;
        }
        String digits = t.startsWith("+") ? t.substring(1) : t;
        return digits.length() <= 10 && Long.parseLong(digits) <= 0xFFFFFFFFL;
    }
}
