package dev.nimbo.core.vnet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Bookkeeping invariants of address ranges and leases: whatever sequence of allocations, releases, holds and
 * reservations runs, every address has at most one holder, the network's leases equal an independent model,
 * an automatic allocation fails only when every address is taken, and the stored XML round-trips.
 */
class LeasePropertiesTest {

    /** One operation: kind, a VM or reservation ID, an address offset and a size. */
    record Op(int kind, int owner, int offset, int size) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 6), Arbitraries.integers().between(0, 5),
                Arbitraries.integers().between(-2, 30), Arbitraries.integers().between(1, 5)).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(80);
    }

    static String ip(int offset) {
        // two ranges: 10.0.0.1 + 0..11 and 10.0.1.1 + 0..15 (offsets 12..27); others are outside
        return offset < 12 ? "10.0.0." + (1 + offset) : "10.0.1." + (1 + offset - 12);
    }

    @Property(tries = 300)
    void leasesMatchTheModelAndAreNeverHandedOutTwice(@ForAll("ops") List<Op> ops) {
        VirtualNetwork.Builder b = NetworkDefinition.parse(Template.parse("NAME = p\nVN_MAD = bridge")).builder(1);
        b.clusters = Set.of(0);
        VirtualNetwork vn = b.build();
        Random rnd = new Random(1);
        vn = Ranges.add(vn, Template.parse("AR = [ TYPE = IP4, IP = 10.0.0.1, SIZE = 12 ]").vectors("AR").get(0), 0x0200, rnd);
        vn = Ranges.add(vn, Template.parse("AR = [ TYPE = IP4, IP = 10.0.1.1, SIZE = 16 ]").vectors("AR").get(0), 0x0200, rnd);
        long total = vn.size();
        Map<String, LeaseOwner> model = new HashMap<>();
        for (Op op : ops) {
            LeaseOwner vm = LeaseOwner.vm(op.owner());
            String addr = op.offset() < 0 ? "10.9.9.9" : ip(op.offset());
            switch (op.kind()) {
                case 0 -> {
                    try {
                        Leases.Allocation a = Leases.allocate(vn, Leases.Request.ANY, op.owner());
                        assertThat(model).doesNotContainKey(a.lease().ip());
                        model.put(a.lease().ip(), vm);
                        vn = a.network();
                    } catch (ApiException e) {
                        assertThat(model).hasSize((int) total);
                    }
                }
                case 1 -> {
                    boolean free = op.offset() >= 0 && op.offset() < total && !model.containsKey(addr);
                    try {
                        Leases.Allocation a = Leases.allocate(vn, Leases.Request.ip(addr), op.owner());
                        assertThat(free).isTrue();
                        assertThat(a.lease().ip()).isEqualTo(addr);
                        model.put(addr, vm);
                        vn = a.network();
                    } catch (ApiException e) {
                        assertThat(free).isFalse();
                    }
                }
                case 2 -> {
                    boolean held = vm.equals(model.get(addr));
                    try {
                        vn = Leases.release(vn, op.owner(), addr);
                        assertThat(held).isTrue();
                        model.remove(addr);
                    } catch (ApiException e) {
                        assertThat(held).isFalse();
                    }
                }
                case 3 -> {
                    boolean free = op.offset() >= 0 && op.offset() < total && !model.containsKey(addr);
                    try {
                        vn = Leases.hold(vn, new Leases.Request(-1, addr, null, null));
                        assertThat(free).isTrue();
                        model.put(addr, LeaseOwner.HOLD);
                    } catch (VnetException e) {
                        assertThat(free).isFalse();
                    }
                }
                case 4 -> {
                    boolean held = LeaseOwner.HOLD.equals(model.get(addr));
                    try {
                        vn = Leases.releaseHold(vn, new Leases.Request(-1, addr, null, null));
                        assertThat(held).isTrue();
                        model.remove(addr);
                    } catch (VnetException e) {
                        assertThat(held).isFalse();
                    }
                }
                case 5 -> {
                    int rid = 100 + op.owner();
                    try {
                        Leases.Reservation r = Leases.reserve(vn, rid, op.size(), Leases.Request.ANY, 0);
                        AddressRange part = r.part();
                        long first = Addresses.parseIp4(part.attribute("IP"));
                        for (int i = 0; i < op.size(); i++) {
                            String a = Addresses.formatIp4(first + i);
                            assertThat(model).doesNotContainKey(a);
                            model.put(a, LeaseOwner.network(rid));
                        }
                        vn = r.parent();
                    } catch (VnetException e) {
                        // no range has that many consecutive free addresses
                        for (AddressRange ar : vn.ranges()) {
                            assertThat(ar.findBlock(op.size())).isEqualTo(-1);
                        }
                    }
                }
                default -> {
                    vn = Leases.releaseAll(vn, op.owner());
                    model.values().removeIf(vm::equals);
                }
            }
            assertThat(leases(vn)).isEqualTo(model);
            assertThat(vn.usedLeases()).isEqualTo(model.size());
        }
        assertThat(VirtualNetwork.fromXml(XmlNode.parse(vn.toXml()))).isEqualTo(vn);
    }

    static Map<String, LeaseOwner> leases(VirtualNetwork vn) {
        Map<String, LeaseOwner> out = new HashMap<>();
        for (AddressRange r : vn.ranges()) {
            r.leases().forEach((i, o) -> assertThat(out.put(r.leaseAt(i, o).ip(), o)).isNull());
        }
        return out;
    }

    @Property(tries = 500)
    void rangeArithmeticIsConsistent(@ForAll @LongRange(min = 0, max = 0xFFFF_0000L) long base,
                                     @ForAll @IntRange(min = 1, max = 60000) int size,
                                     @ForAll @IntRange(min = 0, max = 59999) int index) {
        AddressRange r = AddressRange.create(Template.parse("AR = [ TYPE = IP4_6_STATIC, IP = " + Addresses.formatIp4(base)
                + ", SIZE = " + size + ", IP6 = \"fd00::" + Long.toHexString(base >>> 16) + ":" + Long.toHexString(base & 0xFFFF)
                + "\", PREFIX_LENGTH = 64 ]")
                .vectors("AR").get(0), 0, 0x0200, new Random(0));
        long i = index % size;
        Lease l = r.leaseAt(i, null);
        assertThat(Addresses.parseIp4(l.ip())).isEqualTo(base + i);
        assertThat(r.indexOfIp(base + i)).isEqualTo(i);
        assertThat(r.indexOfMac(Addresses.parseMac(l.mac()))).isEqualTo(i);
        assertThat(r.indexOfIp6(Addresses.parseIp6(l.ip6()))).isEqualTo(i);
        assertThat(r.indexOfIp(base + size)).isEqualTo(-1);
        assertThat(r.indexOfIp(base - 1)).isEqualTo(-1);
    }

    @Property(tries = 500)
    void overlapMatchesIntervalIntersection(@ForAll @IntRange(min = 0, max = 200) int a, @ForAll @IntRange(min = 1, max = 50) int as,
                                            @ForAll @IntRange(min = 0, max = 200) int b, @ForAll @IntRange(min = 1, max = 50) int bs) {
        AddressRange x = AddressRange.create(Template.parse("AR = [ TYPE = IP4, IP = 10.0.0." + a + ", SIZE = " + as
                + " ]").vectors("AR").get(0), 0, 0x0200, new Random(0));
        AddressRange y = AddressRange.create(Template.parse("AR = [ TYPE = IP4, IP = 10.0.0." + b + ", SIZE = " + bs
                + ", MAC = \"02:01:00:00:00:00\" ]").vectors("AR").get(0), 1, 0x0200, new Random(0));
        boolean expected = a < b + bs && b < a + as;
        assertThat(x.overlapWith(y) != null).isEqualTo(expected);
        assertThat(y.overlapWith(x) != null).isEqualTo(expected);
    }
}
