package dev.nimbo.core.vnet;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.vnet.Addresses.Ip6;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Taking and giving back addresses of a network: leases for VM NICs (first free by next-fit, or a requested
 * IP, IP6 or MAC), administrator holds, and reservations of consecutive blocks for a reservation network.
 * Every function takes a network version and returns the next one; the caller stores it in the same
 * action as the rest of its change. Because the controller runs actions one at a time, an address can
 * never be handed out twice. Pure functions.
 */
public final class Leases {

    /** Network attributes a NIC inherits when it does not set them (oned.conf INHERIT_VNET_ATTR). */
    public static final Set<String> INHERITED = Set.of("VLAN_TAGGED_ID", "FILTER", "FILTER_IP_SPOOFING",
            "FILTER_MAC_SPOOFING", "MTU", "METRIC", "IP6_METRIC", "METHOD", "IP6_METHOD", "INBOUND_AVG_BW",
            "INBOUND_PEAK_BW", "INBOUND_PEAK_KB", "OUTBOUND_AVG_BW", "OUTBOUND_PEAK_BW", "OUTBOUND_PEAK_KB", "CONF",
            "BRIDGE_CONF", "OVS_BRIDGE_CONF", "IP_LINK_CONF", "EXTERNAL_IP", "GATEWAY", "DNS", "VXLAN_MODE",
            "VXLAN_TEP", "VXLAN_MC", "CVLANS", "QINQ_TYPE", "TRUST", "SPOOFCHK", "NETWORK_ADDRESS", "NETWORK_MASK",
            "SEARCH_DOMAIN", "GATEWAY6");

    /**
     * Which address a caller asks for: at most one of IP, IP6 and MAC (null or blank: not asked), and
     * optionally the range to look in (-1: any).
     */
    public record Request(int arId, String ip, String ip6, String mac) {
        public static final Request ANY = new Request(-1, null, null, null);

        public static Request ip(String ip) {
            return new Request(-1, ip, null, null);
        }

        public static Request mac(String mac) {
            return new Request(-1, null, null, mac);
        }

        int given() {
            return (blank(ip) ? 0 : 1) + (blank(ip6) ? 0 : 1) + (blank(mac) ? 0 : 1);
        }
    }

    /** A lease handed out and the network version that records it. */
    public record Allocation(VirtualNetwork network, Lease lease) {
    }

    /** A reservation taken from a parent: the parent's next version and the range the reservation gets. */
    public record Reservation(VirtualNetwork parent, AddressRange part) {
    }

    private Leases() {
    }

    // ------------------------------------------------------------------ VM leases

    /**
     * A lease for VM {@code vmId}: the requested address if it is free, else (nothing requested) the first
     * free one of the first range that has one. ACTION "Cannot get IP/MAC lease from virtual network N."
     * with the reason when there is none.
     */
    public static Allocation allocate(VirtualNetwork vn, Request req, int vmId) {
        return allocate(vn, req, LeaseOwner.vm(vmId));
    }

    /** As {@link #allocate(VirtualNetwork, Request, int)} for any owner (VMs, virtual routers). */
    public static Allocation allocate(VirtualNetwork vn, Request req, LeaseOwner owner) {
        if (req.given() > 1) {
            throw cannot(vn, "only one of IP, IP6 and MAC can be requested");
        }
        if (req.given() == 0) {
            for (AddressRange r : vn.ranges()) {
                if (req.arId() >= 0 && r.id() != req.arId()) {
                    continue;
                }
                long index = r.firstFree();
                if (index >= 0) {
                    AddressRange taken = r.take(index, owner, true);
                    return new Allocation(vn.withRange(taken), taken.leaseAt(index, owner));
                }
            }
            throw cannot(vn, "no free addresses left");
        }
        for (AddressRange r : vn.ranges()) {
            if (req.arId() >= 0 && r.id() != req.arId()) {
                continue;
            }
            long index = indexOf(r, req);
            if (index >= 0 && r.isFree(index)) {
                AddressRange taken = r.take(index, owner, false);
                return new Allocation(vn.withRange(taken), taken.leaseAt(index, owner));
            }
            if (index >= 0) {
                throw cannot(vn, "address " + requested(req) + " is already in use");
            }
        }
        throw cannot(vn, "address " + requested(req) + " is not part of any of its address ranges");
    }

    private static ApiException cannot(VirtualNetwork vn, String why) {
        return ApiException.action("Cannot get IP/MAC lease from virtual network " + vn.id() + ": " + why + ".", vn.id());
    }

    /**
     * The network without VM {@code vmId}'s lease of {@code address} (an IP, IP6 or MAC). ACTION when the VM
     * holds no such lease.
     */
    public static VirtualNetwork release(VirtualNetwork vn, int vmId, String address) {
        VirtualNetwork out = releaseAddress(vn, LeaseOwner.vm(vmId), requestFor(address));
        if (out == null) {
            throw ApiException.action("VM " + vmId + " holds no lease " + address + " in virtual network " + vn.id() + ".",
                    vn.id());
        }
        return out;
    }

    /** The network without any lease of VM {@code vmId} (the same version when it has none). */
    public static VirtualNetwork releaseAll(VirtualNetwork vn, int vmId) {
        return releaseWhere(vn, LeaseOwner.vm(vmId)::equals);
    }

    /** The network without the leases {@code which} accepts (the same version when none does). */
    public static VirtualNetwork releaseWhere(VirtualNetwork vn, Predicate<LeaseOwner> which) {
        VirtualNetwork out = vn;
        for (AddressRange r : vn.ranges()) {
            AddressRange freed = r.releaseAll(which);
            if (freed != r) {
                out = out.withRange(freed);
            }
        }
        return out;
    }

    /** How many leases {@code owner} has in the network. */
    public static long count(VirtualNetwork vn, LeaseOwner owner) {
        long n = 0;
        for (AddressRange r : vn.ranges()) {
            for (LeaseOwner o : r.leases().values()) {
                if (o.equals(owner)) {
                    n++;
                }
            }
        }
        return n;
    }

    // ------------------------------------------------------------------ holds

    /** one.vn.hold: the address put on hold (owner VM -1) in the range(s) that contain it and have it free. */
    public static VirtualNetwork hold(VirtualNetwork vn, Request req) {
        checkOneAddress(req);
        VirtualNetwork out = vn;
        boolean held = false;
        for (AddressRange r : vn.ranges()) {
            if (req.arId() >= 0 && r.id() != req.arId()) {
                continue;
            }
            long index = indexOf(r, req);
            if (index >= 0 && r.isFree(index)) {
                out = out.withRange(r.take(index, LeaseOwner.HOLD, false));
                held = true;
            }
        }
        if (!held) {
            throw new VnetException("Address is not part of the address range or in use.");
        }
        return out;
    }

    /** one.vn.release: the hold on the address taken off. Only holds are released, never a VM's lease. */
    public static VirtualNetwork releaseHold(VirtualNetwork vn, Request req) {
        checkOneAddress(req);
        VirtualNetwork out = releaseAddress(vn, LeaseOwner.HOLD, req);
        if (out == null) {
            throw new VnetException("Address is not on hold in the address range.");
        }
        return out;
    }

    private static void checkOneAddress(Request req) {
        if (req.given() == 0) {
            throw new VnetException("Missing MAC, IP or IP6.");
        }
        if (req.given() > 1) {
            throw new VnetException("Only one attribute MAC, IP or IP6 can be set.");
        }
    }

    /** The network with the owner's lease of the requested address freed, or null when it holds none. */
    private static VirtualNetwork releaseAddress(VirtualNetwork vn, LeaseOwner owner, Request req) {
        VirtualNetwork out = vn;
        boolean freed = false;
        for (AddressRange r : vn.ranges()) {
            if (req.arId() >= 0 && r.id() != req.arId()) {
                continue;
            }
            long index = indexOf(r, req);
            AddressRange after = index >= 0 ? r.release(index, owner) : null;
            if (after != null) {
                out = out.withRange(after);
                freed = true;
            }
        }
        return freed ? out : null;
    }

    // ------------------------------------------------------------------ reservations

    /**
     * Takes {@code size} consecutive free addresses for reservation network {@code reservationId}: from range
     * {@code arId} (-1: the first range with room), starting at the requested address if one is given (then
     * {@code arId} is required). The part's range gets ID {@code partArId} and records its parent range.
     */
    public static Reservation reserve(VirtualNetwork parent, int reservationId, long size, Request start, int partArId) {
        if (size <= 0) {
            throw new VnetException("Reservation SIZE must be a greater than 0");
        }
        LeaseOwner owner = LeaseOwner.network(reservationId);
        if (start.arId() < 0) {
            for (AddressRange r : parent.ranges()) {
                long s = r.free() >= size ? r.findBlock(size) : -1;
                if (s >= 0) {
                    return new Reservation(parent.withRange(r.takeBlock(s, size, owner)), r.reservationPart(s, size, partArId));
                }
            }
            throw new VnetException("Not enough free addresses in an address range");
        }
        AddressRange r = parent.range(start.arId());
        String notEnough = "Not enough free addresses in address range " + start.arId() + ", or it does not exist";
        if (r == null) {
            throw new VnetException(notEnough);
        }
        long s;
        if (start.given() == 0) {
            s = r.free() >= size ? r.findBlock(size) : -1;
        } else {
            s = indexOf(r, start);
            if (s >= 0 && (s + size > r.size() || r.leases().subMap(s, true, s + size, false).size() > 0)) {
                s = -1;
            }
        }
        if (s < 0) {
            throw new VnetException(notEnough);
        }
        return new Reservation(parent.withRange(r.takeBlock(s, size, owner)), r.reservationPart(s, size, partArId));
    }

    /**
     * The parent without the leases reservation {@code reservationId} holds for one of its ranges ({@code part},
     * whose PARENT_NETWORK_AR_ID, MAC and SIZE say where they are), and how many were freed.
     */
    public static Map.Entry<VirtualNetwork, Long> freeReservedPart(VirtualNetwork parent, int reservationId,
                                                                   AddressRange part) {
        AddressRange r = parent.range(part.parentArId());
        if (r == null) {
            return Map.entry(parent, 0L);
        }
        long start = r.indexOfMac(part.mac());
        if (start < 0) {
            return Map.entry(parent, 0L);
        }
        LeaseOwner owner = LeaseOwner.network(reservationId);
        long freed = r.countOwned(start, part.size(), owner);
        AddressRange after = r;
        for (long i = start; i < start + part.size(); i++) {
            AddressRange next = after.release(i, owner);
            if (next != null) {
                after = next;
            }
        }
        return Map.entry(parent.withRange(after), freed);
    }

    // ------------------------------------------------------------------ NIC attributes

    /**
     * The attributes a NIC gets with a lease, as OpenNebula's nic_attribute sets them: the network's
     * identity and driver settings (the range's own VN_MAD, BRIDGE, PHYDEV, VLAN_ID override them), the
     * addresses, the security groups, and inherited attributes the NIC does not set.
     */
    public static Map<String, String> nicAttributes(VirtualNetwork vn, Lease lease) {
        Map<String, String> nic = new LinkedHashMap<>();
        nic.put("NETWORK", vn.name());
        nic.put("NETWORK_ID", Integer.toString(vn.id()));
        nic.put("BRIDGE", vn.bridge());
        putIf(nic, "VN_MAD", vn.vnMad());
        putIf(nic, "PHYDEV", vn.phydev());
        putIf(nic, "VLAN_ID", vn.vlanId());
        putIf(nic, "OUTER_VLAN_ID", vn.outerVlanId());
        if (vn.isReservation()) {
            nic.put("PARENT_NETWORK_ID", Integer.toString(vn.parentId()));
        }
        StringBuilder clusters = new StringBuilder();
        for (int c : vn.clusters()) {
            clusters.append(clusters.isEmpty() ? "" : ",").append(c);
        }
        nic.put("CLUSTER_ID", clusters.toString());
        putIf(nic, "BRIDGE_TYPE", vn.bridgeType());
        nic.put("AR_ID", Integer.toString(lease.arId()));
        nic.putAll(lease.addressAttributes());
        AddressRange r = vn.range(lease.arId());
        if (r != null) {
            for (String k : new String[] {"VN_MAD", "BRIDGE", "PHYDEV", "VLAN_ID"}) {
                putIf(nic, k, r.attribute(k) == null ? "" : r.attribute(k));
            }
        }
        java.util.TreeSet<Integer> sgs = new java.util.TreeSet<>();
        addIds(sgs, vn.template().get("SECURITY_GROUPS"));
        if (r != null) {
            addIds(sgs, r.attribute("SECURITY_GROUPS"));
        }
        StringBuilder sg = new StringBuilder();
        for (int id : sgs) {
            sg.append(sg.isEmpty() ? "" : ",").append(id);
        }
        nic.put("SECURITY_GROUPS", sg.toString());
        for (String k : INHERITED) {
            String v = r != null && r.attribute(k) != null ? r.attribute(k) : vn.template().get(k);
            if (v != null && !v.isEmpty() && !nic.containsKey(k)) {
                nic.put(k, v);
            }
        }
        return nic;
    }

    private static void addIds(java.util.Set<Integer> out, String text) {
        if (text == null) {
            return;
        }
        for (String p : text.split(",")) {
            try {
                out.add(Integer.parseInt(p.strip()));
            } catch (NumberFormatException ignored) {
                // not an ID: OpenNebula skips it too
            }
        }
    }

    private static void putIf(Map<String, String> m, String k, String v) {
        if (v != null && !v.isEmpty()) {
            m.put(k, v);
        }
    }

    // ------------------------------------------------------------------ addressing

    /** A request for an address given as text: a MAC, an IPv4 or an IPv6 address. */
    public static Request requestFor(String address) {
        if (Addresses.parseMac(address) >= 0) {
            return new Request(-1, null, null, address);
        }
        if (Addresses.parseIp4(address) >= 0) {
            return new Request(-1, address, null, null);
        }
        return new Request(-1, null, address, null);
    }

    /** Index of the requested address in the range, or -1 (also when it cannot be parsed). */
    static long indexOf(AddressRange r, Request req) {
        if (!blank(req.ip())) {
            return r.indexOfIp(Addresses.parseIp4(req.ip()));
        }
        if (!blank(req.ip6())) {
            Ip6 ip6 = Addresses.parseIp6(req.ip6());
            if (ip6 == null) {
                return -1;
            }
            if (r.ip6() != null) {
                return r.indexOfIp6(ip6);
            }
            return -1;
        }
        if (!blank(req.mac())) {
            return r.indexOfMac(Addresses.parseMac(req.mac()));
        }
        return -1;
    }

    private static String requested(Request req) {
        return !blank(req.ip()) ? req.ip() : !blank(req.ip6()) ? req.ip6() : req.mac();
    }

    static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
