package dev.nimbo.core.vnet;

import java.util.Map;
import java.util.TreeMap;

/**
 * One address of a range as it is handed out: the range, its index in it, the MAC and the IP addresses that
 * go with it (null when the range has none of that kind), and who holds it. The attributes are those
 * OpenNebula sets in a NIC and lists per lease in the network's XML. Immutable.
 */
public record Lease(int arId, long index, String mac, String ip, String ip6, String ip6Global, String ip6Ula,
                    String ip6Link, String externalPortRange, String internalPortRange, LeaseOwner owner) {

    /** The address attributes in name order (as OpenNebula renders a LEASE), without the owner. */
    public Map<String, String> addressAttributes() {
        TreeMap<String, String> m = new TreeMap<>();
        put(m, "EXTERNAL_PORT_RANGE", externalPortRange);
        put(m, "INTERNAL_PORT_RANGE", internalPortRange);
        put(m, "IP", ip);
        put(m, "IP6", ip6);
        put(m, "IP6_GLOBAL", ip6Global);
        put(m, "IP6_LINK", ip6Link);
        put(m, "IP6_ULA", ip6Ula);
        put(m, "MAC", mac);
        return m;
    }

    private static void put(Map<String, String> m, String k, String v) {
        if (v != null) {
            m.put(k, v);
        }
    }
}
