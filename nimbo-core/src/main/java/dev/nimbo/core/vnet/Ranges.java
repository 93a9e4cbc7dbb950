package dev.nimbo.core.vnet;

import dev.nimbo.core.template.VectorAttribute;
import java.util.random.RandomGenerator;

/**
 * Adding, removing and updating a network's address ranges (one.vn.add_ar, rm_ar, update_ar and the ARs
 * of allocate), with OpenNebula's checks plus one of Nimbo's: the ranges of a network never overlap in
 * MAC, IPv4 or static IPv6 addresses, so an address identifies one lease. Pure functions.
 */
public final class Ranges {

    /** Random MACs (ranges without IPv4) are redrawn this often when they land on another range. */
    private static final int RANDOM_MAC_TRIES = 16;

    private Ranges() {
    }

    /** The network with the range added under the next AR_ID; {@link VnetException} when it is wrong. */
    public static VirtualNetwork add(VirtualNetwork vn, VectorAttribute ar, int macPrefix, RandomGenerator random) {
        int arId = vn.nextRangeId();
        boolean randomMac = (ar.get("MAC") == null || ar.get("MAC").isBlank())
                && !(ArType.parse(ar.get("TYPE")) != null && ArType.parse(ar.get("TYPE")).hasIp4());
        AddressRange range = AddressRange.create(ar, arId, macPrefix, random);
        String overlap = overlap(vn, range);
        for (int i = 1; overlap != null && randomMac && i < RANDOM_MAC_TRIES; i++) {
            range = AddressRange.create(ar, arId, macPrefix, random);
            overlap = overlap(vn, range);
        }
        if (overlap != null) {
            throw new VnetException("Address range overlaps with the network's ranges: " + overlap + ".");
        }
        return vn.withRange(range);
    }

    /** Why the range cannot join the network, or null. */
    static String overlap(VirtualNetwork vn, AddressRange range) {
        for (AddressRange r : vn.ranges()) {
            if (r.id() == range.id()) {
                continue;
            }
            String why = range.overlapWith(r);
            if (why != null) {
                return why;
            }
        }
        return null;
    }

    /** The network without the range; refused while it has leases unless {@code force}. */
    public static VirtualNetwork remove(VirtualNetwork vn, int arId, boolean force) {
        AddressRange r = vn.range(arId);
        if (r == null) {
            throw new VnetException("Address Range does not exist");
        }
        if (!force && r.used() > 0) {
            throw new VnetException("Address Range has leases in use");
        }
        return vn.withoutRange(arId);
    }

    /** The network after one.vn.update_ar: the first AR vector names the range (AR_ID) and its new attributes. */
    public static VirtualNetwork update(VirtualNetwork vn, VectorAttribute changes) {
        String idText = changes.get("AR_ID");
        int arId = AddressRange.intOr(idText, -1);
        if (idText == null || arId < 0) {
            throw new VnetException("AR/AR_ID attribute is missing.");
        }
        AddressRange r = vn.range(arId);
        if (r == null) {
            throw new VnetException("Address Range with ID " + arId + " was not found.");
        }
        AddressRange updated = r.update(changes);
        String overlap = overlap(vn, updated);
        if (overlap != null) {
            throw new VnetException("Address range overlaps with the network's ranges: " + overlap + ".");
        }
        return vn.withRange(updated);
    }
}
