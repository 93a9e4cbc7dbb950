package dev.nimbo.core.vnet;

import dev.nimbo.core.vnet.VnDrivers.Space;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * VLAN IDs and VXLAN VNIs of networks: automatic assignment (AUTOMATIC_VLAN_ID / AUTOMATIC_OUTER_VLAN_ID)
 * and the check that no two networks that share a cluster use the same ID of the same space on the same
 * PHYDEV. Automatic 802.1Q IDs start from OpenNebula's hint VLAN_IDS[START] + (ID mod (4095 - START)) and
 * skip VLAN_IDS[RESERVED]; automatic VNIs are VXLAN_IDS[START] + ID, as OpenNebula assigns them, moving up
 * past IDs in use. Reservations share their parent's IDs and are left out. Pure functions.
 */
public final class VlanIds {

    /** OpenNebula's VLAN_IDS and VXLAN_IDS settings. */
    public record Config(int vlanStart, Set<Integer> vlanReserved, int vxlanStart) {
        /** oned.conf defaults: VLAN_IDS = [START = 2, RESERVED = "0, 1, 4095"], VXLAN_IDS = [START = 2]. */
        public static final Config DEFAULT = new Config(2, Set.of(0, 1, 4095), 2);

        public Config {
            vlanReserved = Set.copyOf(vlanReserved);
        }

        /** RESERVED as OpenNebula writes it: comma-separated IDs and "from:to" ranges. */
        public static Set<Integer> parseReserved(String text) {
            Set<Integer> out = new TreeSet<>();
            for (String part : text.split(",")) {
                String p = part.strip();
                if (p.isEmpty()) {
                    continue;
                }
                int colon = p.indexOf(':');
                if (colon < 0) {
                    out.add(Integer.parseInt(p));
                } else {
                    int from = Integer.parseInt(p.substring(0, colon).strip());
                    int to = Integer.parseInt(p.substring(colon + 1).strip());
                    for (int i = from; i <= to; i++) {
                        out.add(i);
                    }
                }
            }
            return out;
        }
    }

    private VlanIds() {
    }

    /**
     * The network with its automatic IDs assigned (when asked for and not set) and every ID checked against
     * {@code networks} (the pool; the network itself may be among them). Throws {@link VnetException} for a
     * malformed or clashing ID or when no automatic ID is left.
     */
    public static VirtualNetwork assign(VirtualNetwork vn, Collection<VirtualNetwork> networks, Config cfg) {
        if (vn.isReservation()) {
            return vn;
        }
        VirtualNetwork.Builder b = vn.toBuilder();
        Space vlanSpace = VnDrivers.vlanSpace(vn.vnMad());
        Space outerSpace = VnDrivers.outerSpace(vn.vnMad());
        if (vlanSpace != null && vn.vlanId().isEmpty() && vn.vlanIdAutomatic()) {
            int auto = vlanSpace == Space.VLAN ? automaticVlan(vn, networks, cfg) : automaticVni(vn, networks, cfg);
            if (auto < 0) {
                throw new VnetException("Cannot automatically assign VLAN_ID to network.");
            }
            b.vlanId = Integer.toString(auto);
        }
        if (outerSpace != null && vn.outerVlanId().isEmpty() && vn.outerVlanIdAutomatic()) {
            int auto = automaticVni(vn, networks, cfg);
            if (auto < 0) {
                throw new VnetException("Cannot automatically assign OUTER_VLAN_ID to network.");
            }
            b.outerVlanId = Integer.toString(auto);
        }
        VirtualNetwork out = b.build();
        check(out, networks);
        return out;
    }

    /**
     * Refuses a network whose VLAN_ID or OUTER_VLAN_ID is malformed, out of its space, or used in the same
     * space on the same PHYDEV by another network in one of its clusters.
     */
    public static void check(VirtualNetwork vn, Collection<VirtualNetwork> networks) {
        if (vn.isReservation()) {
            return;
        }
        Space vlanSpace = VnDrivers.vlanSpace(vn.vnMad());
        if (!vn.vlanId().isEmpty()) {
            int v = parse("VLAN_ID", vn.vlanId(), vlanSpace);
            if (vlanSpace != null) {
                VirtualNetwork other = user(vlanSpace, v, vn, networks);
                if (other != null) {
                    throw clash("VLAN_ID", v, vn, other);
                }
            }
        }
        Space outerSpace = VnDrivers.outerSpace(vn.vnMad());
        if (!vn.outerVlanId().isEmpty()) {
            int v = parse("OUTER_VLAN_ID", vn.outerVlanId(), outerSpace);
            if (outerSpace != null) {
                VirtualNetwork other = user(outerSpace, v, vn, networks);
                if (other != null) {
                    throw clash("OUTER_VLAN_ID", v, vn, other);
                }
            }
        }
    }

    /** A VLAN_ID value as an integer of its space (any integer for drivers without VLANs). */
    static int parse(String attr, String text, Space space) {
        int v;
        try {
            v = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new VnetException(attr + " must be an integer, got \"" + text + "\"");
        }
        int max = space == null ? Integer.MAX_VALUE : space.max();
        if (v < 0 || v > max) {
            throw new VnetException(attr + " must be between 0 and " + max + ", got " + v);
        }
        return v;
    }

    private static VnetException clash(String attr, int v, VirtualNetwork vn, VirtualNetwork other) {
        Set<Integer> shared = new TreeSet<>(vn.clusters());
        shared.retainAll(other.clusters());
        return new VnetException(attr + " " + v + " is already used by virtual network " + other.id() + " ("
                + other.name() + ") on PHYDEV \"" + vn.phydev() + "\" in cluster " + shared.iterator().next());
    }

    private static int automaticVlan(VirtualNetwork vn, Collection<VirtualNetwork> networks, Config cfg) {
        Set<Integer> used = usedIds(Space.VLAN, vn, networks);
        int start = cfg.vlanStart();
        int hint = start + Math.floorMod(vn.id(), Space.VLAN.max() - start);
        if (hint != 0 && free(hint, used, cfg)) {
            return hint;
        }
        for (int v = start; v <= Space.VLAN.max(); v++) {
            if (free(v, used, cfg)) {
                return v;
            }
        }
        return -1;
    }

    private static boolean free(int v, Set<Integer> used, Config cfg) {
        return !used.contains(v) && !cfg.vlanReserved().contains(v);
    }

    private static int automaticVni(VirtualNetwork vn, Collection<VirtualNetwork> networks, Config cfg) {
        Set<Integer> used = usedIds(Space.VXLAN, vn, networks);
        long v = (long) cfg.vxlanStart() + Math.max(vn.id(), 0);
        for (; v <= Space.VXLAN.max(); v++) {
            if (!used.contains((int) v)) {
                return (int) v;
            }
        }
        for (v = cfg.vxlanStart(); v <= Space.VXLAN.max(); v++) {
            if (!used.contains((int) v)) {
                return (int) v;
            }
        }
        return -1;
    }

    /** IDs of the space that networks conflicting with {@code vn} use. */
    private static Set<Integer> usedIds(Space space, VirtualNetwork vn, Collection<VirtualNetwork> networks) {
        Set<Integer> used = new HashSet<>();
        for (VirtualNetwork o : networks) {
            if (!conflicts(vn, o)) {
                continue;
            }
            Integer a = idIn(space, VnDrivers.vlanSpace(o.vnMad()), o.vlanId());
            Integer b = idIn(space, VnDrivers.outerSpace(o.vnMad()), o.outerVlanId());
            if (a != null) {
                used.add(a);
            }
            if (b != null) {
                used.add(b);
            }
        }
        return used;
    }

    /** The network other than {@code vn} that uses {@code v} of the space where it would clash, or null. */
    private static VirtualNetwork user(Space space, int v, VirtualNetwork vn, Collection<VirtualNetwork> networks) {
        for (VirtualNetwork o : networks) {
            if (!conflicts(vn, o)) {
                continue;
            }
            Integer a = idIn(space, VnDrivers.vlanSpace(o.vnMad()), o.vlanId());
            Integer b = idIn(space, VnDrivers.outerSpace(o.vnMad()), o.outerVlanId());
            if ((a != null && a == v) || (b != null && b == v)) {
                return o;
            }
        }
        return null;
    }

    private static Integer idIn(Space wanted, Space actual, String text) {
        if (actual != wanted || text.isEmpty()) {
            return null;
        }
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Two distinct non-reservation networks on the same PHYDEV that share a cluster. */
    static boolean conflicts(VirtualNetwork a, VirtualNetwork b) {
        if (a.id() == b.id() || b.isReservation() || !a.phydev().equals(b.phydev())) {
            return false;
        }
        for (int c : a.clusters()) {
            if (b.clusters().contains(c)) {
                return true;
            }
        }
        return false;
    }
}
