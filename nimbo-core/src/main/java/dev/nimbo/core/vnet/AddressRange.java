package dev.nimbo.core.vnet;

import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vnet.Addresses.Ip6;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * One address range of a virtual network (OpenNebula's AR): SIZE consecutive addresses starting at MAC
 * (and IP, IP6), the leases taken in it keyed by index, and NEXT_INDEX, where the next automatic lease
 * search starts (OpenNebula's next-fit). Its free-form attributes are kept as OpenNebula keeps them, a map
 * rendered in name order. Immutable: every change returns a new range.
 */
public final class AddressRange {

    /** Indexes are 32-bit in OpenNebula, so a range has at most 2^32 addresses. */
    public static final long MAX_SIZE = 1L << 32;

    /** Attributes a range computes for its XML and never stores. */
    private static final Set<String> GENERATED = Set.of("ALLOCATED", "USED_LEASES", "LEASES", "PARENT_NETWORK",
            "PARENT_NETWORK_AR_ID", "MAC_END", "IP_END", "IP6_END", "IP6_ULA", "IP6_ULA_END", "IP6_GLOBAL",
            "IP6_GLOBAL_END", "NEXT_INDEX");

    private final SortedMap<String, String> attrs;
    private final long next;
    private final NavigableMap<Long, LeaseOwner> allocated;

    // parsed from attrs
    private final int id;
    private final ArType type;
    private final long size;
    private final long mac;
    private final long ip;
    private final Ip6 ip6;
    private final long globalPrefix;
    private final long ulaPrefix;
    private final int parentArId;
    private final long portStart;
    private final long portSize;

    private AddressRange(SortedMap<String, String> attrs, long next, NavigableMap<Long, LeaseOwner> allocated) {
        this.attrs = Collections.unmodifiableSortedMap(attrs);
        this.allocated = Collections.unmodifiableNavigableMap(allocated);
        this.id = Integer.parseInt(attrs.get("AR_ID").strip());
        this.type = ArType.parse(attrs.get("TYPE"));
        if (type == null) {
            throw new IllegalArgumentException("stored AR " + id + " has no valid TYPE");
        }
        this.size = Long.parseLong(attrs.get("SIZE").strip());
        this.mac = Addresses.parseMac(attrs.get("MAC"));
        this.ip = type.hasIp4() ? Addresses.parseIp4(attrs.get("IP")) : -1;
        this.ip6 = type.hasIp6Static() ? Addresses.parseIp6(attrs.get("IP6")) : null;
        Long g = type.hasIp6Slaac() ? Addresses.parsePrefix64(attrs.getOrDefault("GLOBAL_PREFIX", "")) : null;
        Long u = type.hasIp6Slaac() ? Addresses.parsePrefix64(attrs.getOrDefault("ULA_PREFIX", "")) : null;
        this.globalPrefix = g == null ? 0 : g;
        this.ulaPrefix = u == null ? 0 : u;
        this.parentArId = intOr(attrs.get("PARENT_NETWORK_AR_ID"), -1);
        this.portStart = longOr(attrs.get("PORT_START"), 0);
        this.portSize = longOr(attrs.get("PORT_SIZE"), 0);
        this.next = next >= 0 && next < size ? next : 0;
    }

    // ------------------------------------------------------------------ creation

    /**
     * A new range from a user's AR vector, validated and normalised as OpenNebula's from_attr does (MAC
     * derived from the IPv4 address under {@code macPrefix}, or random for ranges without IPv4), with ID
     * {@code arId}. Throws {@link VnetException} with OpenNebula's message when the definition is wrong.
     */
    public static AddressRange create(VectorAttribute ar, int arId, int macPrefix, RandomGenerator random) {
        TreeMap<String, String> a = new TreeMap<>();
        for (SingleAttribute v : ar.values()) {
            a.putIfAbsent(v.name(), v.value());
        }
        ArType type = ArType.parse(a.get("TYPE"));
        if (type == null) {
            throw new VnetException("Unknown or missing address range TYPE.");
        }
        a.put("TYPE", type.name());
        if (yes(a.get("SHARED"))) {
            throw new VnetException("Shared address ranges (SHARED=YES) are not supported.");
        }
        a.put("SHARED", "NO");
        String ipam = a.getOrDefault("IPAM_MAD", "");
        if (!ipam.isEmpty() && !ipam.equals("internal")) {
            throw new VnetException("External IPAM drivers are not supported (IPAM_MAD=" + ipam + ").");
        }
        long ip = -1;
        if (type.hasIp4()) {
            ip = Addresses.parseIp4(a.getOrDefault("IP", ""));
            if (ip < 0) {
                throw new VnetException("Wrong or empty IP attribute");
            }
            a.put("IP", Addresses.formatIp4(ip));
        } else {
            a.remove("IP");
        }
        if (type.hasIp6Slaac()) {
            checkPrefix(a, "GLOBAL_PREFIX", "Wrong format for IP6 global address prefix");
            checkPrefix(a, "ULA_PREFIX", "Wrong format for IP6 unique local address prefix");
        } else {
            a.remove("GLOBAL_PREFIX");
            a.remove("ULA_PREFIX");
        }
        Ip6 ip6 = null;
        if (type.hasIp6Static()) {
            ip6 = Addresses.parseIp6(a.getOrDefault("IP6", ""));
            if (ip6 == null) {
                throw new VnetException("Wrong or empty IP6 attribute");
            }
            a.put("IP6", ip6.toString());
            int pl = intOr(a.get("PREFIX_LENGTH"), -1);
            if (pl < 0 || pl > 128) {
                throw new VnetException("Wrong or empty PREFIX_LENGTH");
            }
            if (a.getOrDefault("SIZE", "").isBlank()) {
                // the rest of the prefix from IP6 on, capped at what indexes can count
                long hostBits = 128 - pl;
                long span = hostBits >= 32 ? MAX_SIZE : 1L << hostBits;
                long offset = ip6.low() & (span - 1);
                a.put("SIZE", Long.toString(span - offset));
            }
        } else {
            a.remove("IP6");
        }
        long mac;
        String macText = a.getOrDefault("MAC", "");
        if (macText.isBlank()) {
            long low = ip >= 0 ? ip : random.nextLong() & 0xFFFF_FFFFL;
            mac = ((long) (macPrefix & 0xFFFF) << 32) | low;
        } else {
            mac = Addresses.parseMac(macText);
            if (mac < 0) {
                throw new VnetException("Wrong format for MAC attribute: " + macText);
            }
            if (Addresses.isMulticastMac(mac)) {
                throw new VnetException("Wrong format for MAC attribute: " + macText + " is a multicast address");
            }
        }
        a.put("MAC", Addresses.formatMac(mac));
        long size = parseSize(a.get("SIZE"));
        a.put("SIZE", Long.toString(size));
        checkSpace(size, mac, ip, ip6);
        for (String g : GENERATED) {
            a.remove(g);
        }
        a.put("AR_ID", Integer.toString(arId));
        return new AddressRange(a, 0, new TreeMap<>());
    }

    private static void checkPrefix(Map<String, String> a, String key, String message) {
        String v = a.getOrDefault(key, "");
        if (!v.isEmpty() && Addresses.parsePrefix64(v) == null) {
            throw new VnetException(message);
        }
    }

    private static long parseSize(String text) {
        long size;
        try {
            size = Long.parseLong(text == null ? "" : text.strip());
        } catch (NumberFormatException e) {
            throw new VnetException("Wrong SIZE for address range");
        }
        if (size <= 0) {
            throw new VnetException("Wrong SIZE for address range: it must be greater than 0");
        }
        if (size > MAX_SIZE) {
            throw new VnetException("Wrong SIZE for address range: it must be at most " + MAX_SIZE);
        }
        return size;
    }

    /** Refuses ranges that would run past the end of the MAC, IPv4 or IPv6 space. */
    private static void checkSpace(long size, long mac, long ip, Ip6 ip6) {
        if (ip >= 0 && ip + size > MAX_SIZE) {
            throw new VnetException("SIZE exceeds the IPv4 address space: " + Addresses.formatIp4(ip) + " + " + size);
        }
        if ((mac & 0xFFFF_FFFFL) + size > MAX_SIZE) {
            throw new VnetException("SIZE exceeds the MAC address space: " + Addresses.formatMac(mac) + " + " + size);
        }
        if (ip6 != null && Long.compareUnsigned(ip6.low() + size - 1, ip6.low()) < 0) {
            throw new VnetException("SIZE exceeds the IPv6 address space: " + ip6 + " + " + size);
        }
    }

    /** A range as stored: its AR vector from the network's stored XML, with ALLOCATED and NEXT_INDEX. */
    public static AddressRange fromXml(XmlNode ar) {
        TreeMap<String, String> a = new TreeMap<>();
        long next = 0;
        TreeMap<Long, LeaseOwner> alloc = new TreeMap<>();
        for (XmlNode c : ar.children()) {
            switch (c.name()) {
                case "NEXT_INDEX" -> next = longOr(c.text(), 0);
                case "ALLOCATED" -> alloc = parseAllocated(c.text());
                default -> {
                    if (!GENERATED.contains(c.name()) || c.name().equals("PARENT_NETWORK_AR_ID")) {
                        a.put(c.name(), c.text());
                    }
                }
            }
        }
        return new AddressRange(a, next, alloc);
    }

    private static TreeMap<Long, LeaseOwner> parseAllocated(String text) {
        TreeMap<Long, LeaseOwner> m = new TreeMap<>();
        String s = text.strip();
        if (s.isEmpty()) {
            return m;
        }
        String[] parts = s.split("\\s+");
        for (int i = 0; i + 1 < parts.length; i += 2) {
            LeaseOwner o = LeaseOwner.unpack(Long.parseLong(parts[i + 1]));
            if (o != null) {
                m.put(Long.parseLong(parts[i]), o);
            }
        }
        return m;
    }

    // ------------------------------------------------------------------ reading

    public int id() {
        return id;
    }

    public ArType type() {
        return type;
    }

    public long size() {
        return size;
    }

    public long nextIndex() {
        return next;
    }

    /** The first MAC as a 48-bit number. */
    public long mac() {
        return mac;
    }

    /** The first IPv4 address, or -1. */
    public long ip() {
        return ip;
    }

    /** The first static IPv6 address, or null. */
    public Ip6 ip6() {
        return ip6;
    }

    /** The range's attribute (AR_ID, TYPE, GATEWAY, VLAN_ID, …) or null. */
    public String attribute(String name) {
        return attrs.get(name);
    }

    public SortedMap<String, String> attributes() {
        return attrs;
    }

    /** For ranges of a reservation: the parent network's range they were taken from, else -1. */
    public int parentArId() {
        return parentArId;
    }

    public boolean isReservation() {
        return parentArId >= 0;
    }

    public NavigableMap<Long, LeaseOwner> leases() {
        return allocated;
    }

    public long used() {
        return allocated.size();
    }

    public long free() {
        return size - allocated.size();
    }

    /** The lease at an index (which need not be taken): its MAC, IPs and port ranges. */
    public Lease leaseAt(long index, LeaseOwner owner) {
        long m = mac + index;
        String ip4 = ip >= 0 ? Addresses.formatIp4(ip + index) : null;
        String link = null;
        String ula = null;
        String global = null;
        if (type.hasIp6Slaac()) {
            link = Addresses.slaac(Addresses.LINK_LOCAL_PREFIX, m).toString();
            ula = ulaPrefix != 0 ? Addresses.slaac(ulaPrefix, m).toString() : null;
            global = globalPrefix != 0 ? Addresses.slaac(globalPrefix, m).toString() : null;
        }
        String st = ip6 != null ? ip6.plus(index).toString() : null;
        String ext = null;
        String in = null;
        if (portStart != 0 && portSize != 0) {
            long first = portStart + index * portSize + 1;
            ext = first + ":" + (first + portSize - 1);
            in = "1-" + portSize + "/" + first;
        }
        return new Lease(id, index, Addresses.formatMac(m), ip4, st, global, ula, link, ext, in, owner);
    }

    /** Index of this MAC in the range, or -1. */
    public long indexOfMac(long m) {
        long i = m - mac;
        return m >= 0 && (m >>> 32) == (mac >>> 32) && i >= 0 && i < size ? i : -1;
    }

    /** Index of this IPv4 address in the range, or -1 (also for ranges without IPv4). */
    public long indexOfIp(long address) {
        if (ip < 0 || address < 0) {
            return -1;
        }
        long i = address - ip;
        return i >= 0 && i < size ? i : -1;
    }

    /** Index of this static IPv6 address in the range, or -1. */
    public long indexOfIp6(Ip6 address) {
        if (ip6 == null || address == null || address.high() != ip6.high()) {
            return -1;
        }
        long i = address.low() - ip6.low();
        return Long.compareUnsigned(address.low(), ip6.low()) >= 0 && i >= 0 && i < size ? i : -1;
    }

    /** The first free index from NEXT_INDEX on, wrapping around (OpenNebula's next-fit), or -1 when full. */
    public long firstFree() {
        long i = next;
        for (long k : allocated.tailMap(next, true).keySet()) {
            if (k != i) {
                break;
            }
            i++;
        }
        if (i < size) {
            return i;
        }
        i = 0;
        for (long k : allocated.headMap(next, false).keySet()) {
            if (k != i) {
                break;
            }
            i++;
        }
        return i < next ? i : -1;
    }

    /**
     * The first start, in next-fit order, of {@code count} consecutive free addresses, or -1. A block never
     * wraps past the end of the range.
     */
    public long findBlock(long count) {
        if (count <= 0 || count > free()) {
            return -1;
        }
        long wrapped = -1;
        long gapStart = 0;
        // free gaps are [gapStart, taken) between taken indexes, then [last + 1, size); ascending order
        for (long taken : allocated.keySet()) {
            long s = Math.max(gapStart, next);
            if (taken - s >= count) {
                return s;
            }
            if (wrapped < 0 && gapStart < next && taken - gapStart >= count) {
                wrapped = gapStart;
            }
            gapStart = taken + 1;
        }
        long s = Math.max(gapStart, next);
        if (size - s >= count) {
            return s;
        }
        if (wrapped < 0 && gapStart < next && size - gapStart >= count) {
            wrapped = gapStart;
        }
        return wrapped;
    }

    public boolean isFree(long index) {
        return index >= 0 && index < size && !allocated.containsKey(index);
    }

    // ------------------------------------------------------------------ changing

    /** The range with {@code index} taken by {@code owner}; with {@code advance} NEXT_INDEX moves past it. */
    public AddressRange take(long index, LeaseOwner owner, boolean advance) {
        if (!isFree(index)) {
            throw new IllegalStateException("address " + index + " of AR " + id + " is not free");
        }
        TreeMap<Long, LeaseOwner> m = new TreeMap<>(allocated);
        m.put(index, owner);
        return new AddressRange(new TreeMap<>(attrs), advance ? (index + 1) % size : next, m);
    }

    /** The range with [start, start + count) taken by {@code owner}; NEXT_INDEX moves past the block. */
    public AddressRange takeBlock(long start, long count, LeaseOwner owner) {
        TreeMap<Long, LeaseOwner> m = new TreeMap<>(allocated);
        for (long i = start; i < start + count; i++) {
            if (!isFree(i)) {
                throw new IllegalStateException("address " + i + " of AR " + id + " is not free");
            }
            m.put(i, owner);
        }
        return new AddressRange(new TreeMap<>(attrs), (start + count) % size, m);
    }

    /** The range without the lease at {@code index} when {@code owner} holds it, else null. */
    public AddressRange release(long index, LeaseOwner owner) {
        if (!owner.equals(allocated.get(index))) {
            return null;
        }
        TreeMap<Long, LeaseOwner> m = new TreeMap<>(allocated);
        m.remove(index);
        return new AddressRange(new TreeMap<>(attrs), next, m);
    }

    /** The range without any lease matching {@code which} (this instance when none does). */
    public AddressRange releaseAll(Predicate<LeaseOwner> which) {
        TreeMap<Long, LeaseOwner> m = new TreeMap<>(allocated);
        if (!m.values().removeIf(which)) {
            return this;
        }
        return new AddressRange(new TreeMap<>(attrs), next, m);
    }

    /** Leases in [start, start + count) held by {@code owner}. */
    public long countOwned(long start, long count, LeaseOwner owner) {
        long n = 0;
        for (LeaseOwner o : allocated.subMap(start, true, start + count, false).values()) {
            if (o.equals(owner)) {
                n++;
            }
        }
        return n;
    }

    /** The same range with ID {@code newId}. */
    public AddressRange withId(int newId) {
        TreeMap<String, String> a = new TreeMap<>(attrs);
        a.put("AR_ID", Integer.toString(newId));
        return new AddressRange(a, next, new TreeMap<>(allocated));
    }

    /**
     * The range a reservation gets for [start, start + count) of this one: the same attributes with MAC, IP
     * and IP6 moved to the first address, SIZE {@code count}, ID {@code newId}, and PARENT_NETWORK_AR_ID.
     */
    public AddressRange reservationPart(long start, long count, int newId) {
        TreeMap<String, String> a = new TreeMap<>(attrs);
        Lease first = leaseAt(start, null);
        a.put("MAC", first.mac());
        if (first.ip() != null) {
            a.put("IP", first.ip());
        }
        if (first.ip6() != null) {
            a.put("IP6", first.ip6());
        }
        if (portStart != 0 && portSize != 0) {
            a.put("PORT_START", Long.toString(portStart + start * portSize));
        }
        a.put("SIZE", Long.toString(count));
        a.remove("IPAM_MAD");
        a.put("AR_ID", Integer.toString(newId));
        a.put("PARENT_NETWORK_AR_ID", Integer.toString(id));
        return new AddressRange(a, 0, new TreeMap<>());
    }

    /**
     * The range after one.vn.update_ar: the given attributes merged in, except those that define the
     * addresses (TYPE, MAC, IP, IP6, AR_ID, SHARED), which stay; SIZE may change as long as no lease falls
     * outside (never for reservations); prefixes are re-validated.
     */
    public AddressRange update(VectorAttribute changes) {
        TreeMap<String, String> up = new TreeMap<>();
        for (SingleAttribute v : changes.values()) {
            up.putIfAbsent(v.name(), v.value());
        }
        for (String fixed : new String[] {"TYPE", "SHARED", "MAC", "IP", "IP6", "AR_ID", "IPAM_MAD"}) {
            up.remove(fixed);
        }
        for (String g : GENERATED) {
            up.remove(g);
        }
        if (type.hasIp6Static()) {
            if (up.containsKey("PREFIX_LENGTH") && intOr(up.get("PREFIX_LENGTH"), -1) < 0) {
                up.remove("PREFIX_LENGTH");
            }
        } else {
            up.remove("PREFIX_LENGTH");
        }
        if (type.hasIp6Slaac()) {
            checkPrefix(up, "GLOBAL_PREFIX", "Wrong format for IP6 global address prefix");
            checkPrefix(up, "ULA_PREFIX", "Wrong format for IP6 unique local address prefix");
        } else {
            up.remove("GLOBAL_PREFIX");
            up.remove("ULA_PREFIX");
        }
        long newSize = size;
        String sizeText = up.get("SIZE");
        if (sizeText != null && !sizeText.isBlank()) {
            try {
                newSize = Long.parseLong(sizeText.strip());
            } catch (NumberFormatException e) {
                throw new VnetException("Unable to read the SIZE attribute, it must be number >= 0");
            }
            if (newSize <= 0 || newSize > MAX_SIZE) {
                throw new VnetException("Wrong SIZE for address range: it must be between 1 and " + MAX_SIZE);
            }
            if (isReservation() && newSize != size) {
                throw new VnetException("The SIZE of a reservation cannot be changed.");
            }
            if (!allocated.isEmpty() && allocated.lastKey() >= newSize) {
                throw new VnetException("New SIZE cannot be applied. There are used leases that would fall outside the range.");
            }
            checkSpace(newSize, mac, ip, ip6);
        }
        up.remove("SIZE");
        TreeMap<String, String> a = new TreeMap<>(attrs);
        a.putAll(up);
        a.put("SIZE", Long.toString(newSize));
        return new AddressRange(a, next >= newSize ? 0 : next, new TreeMap<>(allocated));
    }

    // ------------------------------------------------------------------ overlap

    /**
     * Why this range and {@code other} cannot be in one network (their MAC, IPv4 or static IPv6 addresses
     * overlap), or null when they are disjoint.
     */
    public String overlapWith(AddressRange other) {
        if (overlaps(mac, size, other.mac, other.size)) {
            return "its MAC addresses overlap those of address range " + other.id;
        }
        if (ip >= 0 && other.ip >= 0 && overlaps(ip, size, other.ip, other.size)) {
            return "its IP addresses overlap those of address range " + other.id + " ("
                    + Addresses.formatIp4(other.ip) + " - " + Addresses.formatIp4(other.ip + other.size - 1) + ")";
        }
        if (ip6 != null && other.ip6 != null && ip6.high() == other.ip6.high()
                && overlaps(ip6.low(), size, other.ip6.low(), other.size)) {
            return "its IP6 addresses overlap those of address range " + other.id;
        }
        return null;
    }

    private static boolean overlaps(long a, long aSize, long b, long bSize) {
        return a < b + bSize && b < a + aSize;
    }

    // ------------------------------------------------------------------ XML

    /** The stored form, as OpenNebula keeps an AR: attributes in name order, ALLOCATED and NEXT_INDEX included. */
    public void writeXml(XmlWriter w) {
        TreeMap<String, String> all = new TreeMap<>(attrs);
        all.put("NEXT_INDEX", Long.toString(next));
        all.put("ALLOCATED", allocatedString());
        w.open("AR");
        for (Map.Entry<String, String> e : all.entrySet()) {
            w.cdata(e.getKey(), e.getValue());
        }
        w.close("AR");
    }

    /**
     * The form one.vn.info shows: attributes (no ALLOCATED), the computed ends, USED_LEASES and the leases
     * whose owner {@code visible} accepts.
     */
    public void writeExtendedXml(XmlWriter w, Predicate<LeaseOwner> visible) {
        TreeMap<String, String> all = new TreeMap<>(attrs);
        all.put("NEXT_INDEX", Long.toString(next));
        w.open("AR");
        for (Map.Entry<String, String> e : all.entrySet()) {
            w.element(e.getKey(), e.getValue());
        }
        long lastMac = mac + size - 1;
        w.element("MAC_END", Addresses.formatMac(lastMac));
        if (ip >= 0) {
            w.element("IP_END", Addresses.formatIp4(ip + size - 1));
        }
        if (type.hasIp6Slaac()) {
            if (ulaPrefix != 0) {
                w.element("IP6_ULA", Addresses.slaac(ulaPrefix, mac).toString());
                w.element("IP6_ULA_END", Addresses.slaac(ulaPrefix, lastMac).toString());
            }
            if (globalPrefix != 0) {
                w.element("IP6_GLOBAL", Addresses.slaac(globalPrefix, mac).toString());
                w.element("IP6_GLOBAL_END", Addresses.slaac(globalPrefix, lastMac).toString());
            }
        }
        if (ip6 != null) {
            w.element("IP6_END", ip6.plus(size - 1).toString());
        }
        w.element("USED_LEASES", allocated.size());
        if (allocated.isEmpty()) {
            w.empty("LEASES");
        } else {
            w.open("LEASES");
            for (Map.Entry<Long, LeaseOwner> e : allocated.entrySet()) {
                LeaseOwner o = e.getValue();
                if (!visible.test(o)) {
                    continue;
                }
                TreeMap<String, String> lease = new TreeMap<>(leaseAt(e.getKey(), o).addressAttributes());
                lease.put(o.element(), Integer.toString(o.id()));
                w.open("LEASE");
                for (Map.Entry<String, String> l : lease.entrySet()) {
                    w.cdata(l.getKey(), l.getValue());
                }
                w.close("LEASE");
            }
            w.close("LEASES");
        }
        w.close("AR");
    }

    /** OpenNebula's ALLOCATED list: " index packed-owner" per lease. */
    String allocatedString() {
        StringBuilder b = new StringBuilder(allocated.size() * 16);
        for (Map.Entry<Long, LeaseOwner> e : allocated.entrySet()) {
            b.append(' ').append(e.getKey()).append(' ').append(e.getValue().pack());
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ helpers

    static boolean yes(String v) {
        return v != null && v.strip().equalsIgnoreCase("YES");
    }

    static int intOr(String v, int dflt) {
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    static long longOr(String v, long dflt) {
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AddressRange r && r.attrs.equals(attrs) && r.next == next && r.allocated.equals(allocated);
    }

    @Override
    public int hashCode() {
        return attrs.hashCode() * 31 + allocated.hashCode();
    }

    @Override
    public String toString() {
        return "AR[" + id + " " + type + " " + attrs.get("MAC") + (ip >= 0 ? " " + attrs.get("IP") : "") + " size "
                + size + " used " + allocated.size() + "]";
    }
}
