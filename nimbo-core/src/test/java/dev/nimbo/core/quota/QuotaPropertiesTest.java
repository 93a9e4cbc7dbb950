package dev.nimbo.core.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.quota.Quotas.Account;
import dev.nimbo.core.quota.Quotas.Charged;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Bookkeeping invariant: whatever sequence of charges and releases runs, each used counter equals the
 * successful charges minus the releases (stopping at 0), and never exceeds a finite limit.
 */
class QuotaPropertiesTest {

    private static final int IDS = 3;
    private static final List<String> VM_METRICS = List.of("VMS", "RUNNING_VMS", "CPU", "RUNNING_CPU",
            "MEMORY", "RUNNING_MEMORY", "SYSTEM_DISK_SIZE");

    /** One piece of usage, kept as plain numbers so the model can add it up independently. */
    record Piece(QuotaKind kind, int id, Map<String, Double> amounts) {
        Usage usage() {
            return switch (kind) {
                case VM -> {
                    boolean running = amounts.containsKey("RUNNING_VMS");
                    yield Usage.vm(amounts.get("VMS").intValue(), amounts.get("CPU").floatValue(),
                            amounts.get("MEMORY").longValue(), amounts.get("SYSTEM_DISK_SIZE").longValue(), running);
                }
                case DATASTORE -> Usage.datastore(id, amounts.get("IMAGES").intValue(), amounts.get("SIZE").longValue());
                case NETWORK -> Usage.network(id, amounts.get("LEASES").intValue());
                case IMAGE -> Usage.image(id, amounts.get("RVMS").intValue());
            };
        }
    }

    /** Charge pieces; or release a live charge (index modulo the live ones); or release pieces never charged. */
    record Op(int type, List<Piece> pieces, int pick) {
    }

    record Scenario(String userTmpl, String groupTmpl, String userDefaults, String groupDefaults,
                    boolean userExempt, boolean groupExempt, List<Op> ops) {
    }

    @Property(tries = 300)
    void countersMatchTheLedgerAndStayWithinLimits(@ForAll("scenarios") Scenario sc) {
        DefaultQuotas du = DefaultQuotas.initialUser().update(Template.parse(sc.userDefaults()));
        DefaultQuotas dg = DefaultQuotas.initialGroup().update(Template.parse(sc.groupDefaults()));
        QuotaSet user = QuotaSet.EMPTY.update(Template.parse(sc.userTmpl()));
        QuotaSet group = QuotaSet.EMPTY.update(Template.parse(sc.groupTmpl()));
        Map<String, Double> expectUser = new HashMap<>();
        Map<String, Double> expectGroup = new HashMap<>();
        List<List<Piece>> live = new ArrayList<>();

        for (Op op : sc.ops()) {
            Usage u = op.pieces().stream().map(Piece::usage).reduce(Usage.NONE, Usage::plus);
            if (op.type() == 0) {
                try {
                    Charged c = Quotas.charge(new Account(9, user, du, sc.userExempt()),
                            new Account(4, group, dg, sc.groupExempt()), u);
                    user = c.user();
                    group = c.group();
                    add(expectUser, op.pieces(), 1);
                    add(expectGroup, op.pieces(), 1);
                    live.add(op.pieces());
                } catch (ApiException e) {
                    assertThat(e.code()).isEqualTo(ErrorCode.AUTHORIZATION);
                    assertThat(sc.userExempt() && sc.groupExempt()).as("exempt accounts are never refused").isFalse();
                }
            } else {
                List<Piece> pieces = op.pieces();
                if (op.type() == 1 && !live.isEmpty()) {
                    pieces = live.remove(op.pick() % live.size());
                    u = pieces.stream().map(Piece::usage).reduce(Usage.NONE, Usage::plus);
                }
                Charged c = Quotas.release(user, group, u);
                user = c.user();
                group = c.group();
                add(expectUser, pieces, -1);
                add(expectGroup, pieces, -1);
            }
            verify(user, du, sc.userExempt(), expectUser);
            verify(group, dg, sc.groupExempt(), expectGroup);
        }
    }

    private static void add(Map<String, Double> ledger, List<Piece> pieces, int sign) {
        // Releases apply per piece merged by entry, exactly as Usage.plus merges them before subtracting.
        Map<String, Double> delta = new HashMap<>();
        for (Piece p : pieces) {
            p.amounts().forEach((m, v) -> delta.merge(key(p.kind(), p.id(), m), v, Double::sum));
        }
        delta.forEach((k, v) -> ledger.put(k, Math.max(0, ledger.getOrDefault(k, 0.0) + sign * v)));
    }

    private static String key(QuotaKind kind, int id, String metric) {
        return kind + "/" + (kind.hasId() ? id : -1) + "/" + metric;
    }

    private static void verify(QuotaSet s, DefaultQuotas d, boolean exempt, Map<String, Double> ledger) {
        for (QuotaKind kind : QuotaKind.values()) {
            for (int id = 0; id < (kind.hasId() ? IDS : 1); id++) {
                QuotaEntry e = s.entry(kind, id);
                for (String m : kind.metrics()) {
                    double used = e == null ? 0 : e.used(m);
                    assertThat(used).as(key(kind, id, m)).isEqualTo(ledger.getOrDefault(key(kind, id, m), 0.0));
                    assertThat(used).isGreaterThanOrEqualTo(0);
                    double limit = e == null ? -1 : e.limit(m);
                    if (limit == -1) {
                        QuotaEntry de = d.limits().entry(kind, id);
                        limit = de == null ? -2 : de.limit(m);
                    }
                    if (!exempt && limit >= 0) {
                        assertThat(used).as("within limit " + key(kind, id, m)).isLessThanOrEqualTo(limit);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ generators

    @Provide
    Arbitrary<Scenario> scenarios() {
        Arbitrary<String> userTmpl = quotaTemplate(false);
        Arbitrary<String> groupTmpl = quotaTemplate(false);
        Arbitrary<String> userDef = quotaTemplate(true);
        Arbitrary<String> groupDef = quotaTemplate(true);
        Arbitrary<Boolean> exempt = Arbitraries.integers().between(0, 5).map(i -> i == 0);
        Arbitrary<List<Op>> ops = op().list().ofMinSize(1).ofMaxSize(40);
        return Combinators.combine(userTmpl, groupTmpl, userDef, groupDef, exempt, exempt, ops).as(Scenario::new);
    }

    private Arbitrary<String> quotaTemplate(boolean isDefault) {
        Arbitrary<String> limit = isDefault
                ? Arbitraries.frequencyOf(Tuple.of(2, Arbitraries.just("-2")), Tuple.of(5, smallLimit()))
                : Arbitraries.frequencyOf(Tuple.of(2, Arbitraries.just("-2")), Tuple.of(3, Arbitraries.just("-1")),
                        Tuple.of(5, smallLimit()));
        Arbitrary<String> vm = Combinators.combine(limit, limit, limit, limit, limit)
                .as((vms, cpu, mem, rvms, disk) -> "VM=[VMS=" + vms + ", CPU=" + cpu + ", MEMORY=" + mem
                        + ", RUNNING_VMS=" + rvms + ", SYSTEM_DISK_SIZE=" + disk + "]");
        Arbitrary<String> ds = Combinators.combine(Arbitraries.integers().between(0, IDS - 1), limit, limit)
                .as((id, img, size) -> "DATASTORE=[ID=" + id + ", IMAGES=" + img + ", SIZE=" + size + "]");
        Arbitrary<String> net = Combinators.combine(Arbitraries.integers().between(0, IDS - 1), limit)
                .as((id, l) -> "NETWORK=[ID=" + id + ", LEASES=" + l + "]");
        Arbitrary<String> img = Combinators.combine(Arbitraries.integers().between(0, IDS - 1), limit)
                .as((id, l) -> "IMAGE=[ID=" + id + ", RVMS=" + l + "]");
        Arbitrary<String> line = Arbitraries.oneOf(vm, ds, net, img);
        return line.list().ofMaxSize(isDefault ? 1 : 5).map(l -> String.join("\n", l));
    }

    private static Arbitrary<String> smallLimit() {
        return Arbitraries.integers().between(0, 12).map(i -> i % 3 == 0 ? i + ".5" : String.valueOf(i));
    }

    private Arbitrary<Op> op() {
        Arbitrary<Integer> type = Arbitraries.frequency(Tuple.of(6, 0), Tuple.of(3, 1), Tuple.of(1, 2));
        return Combinators.combine(type, piece().list().ofMinSize(1).ofMaxSize(4), Arbitraries.integers().between(0, 99))
                .as(Op::new);
    }

    private Arbitrary<Piece> piece() {
        Arbitrary<Integer> id = Arbitraries.integers().between(0, IDS - 1);
        Arbitrary<Integer> small = Arbitraries.integers().between(0, 3);
        Arbitrary<Piece> vm = Combinators.combine(small, Arbitraries.integers().between(0, 4), small, small,
                Arbitraries.of(true, false)).as((vms, halfCpus, memK, disk, running) -> {
                    Map<String, Double> a = new HashMap<>();
                    a.put("VMS", (double) vms);
                    a.put("CPU", halfCpus / 2.0);
                    a.put("MEMORY", memK * 1.0);
                    a.put("SYSTEM_DISK_SIZE", (double) disk);
                    if (running) {
                        a.put("RUNNING_VMS", (double) vms);
                        a.put("RUNNING_CPU", halfCpus / 2.0);
                        a.put("RUNNING_MEMORY", memK * 1.0);
                    }
                    return new Piece(QuotaKind.VM, -1, Map.copyOf(a));
                });
        Arbitrary<Piece> ds = Combinators.combine(id, small, small)
                .as((i, images, size) -> new Piece(QuotaKind.DATASTORE, i, Map.of("IMAGES", (double) images, "SIZE", (double) size)));
        Arbitrary<Piece> net = Combinators.combine(id, small)
                .as((i, l) -> new Piece(QuotaKind.NETWORK, i, Map.of("LEASES", (double) l)));
        Arbitrary<Piece> img = Combinators.combine(id, small)
                .as((i, r) -> new Piece(QuotaKind.IMAGE, i, Map.of("RVMS", (double) r)));
        return Arbitraries.oneOf(vm, ds, net, img);
    }

    @Property(tries = 200)
    void xmlRoundTripOfAnyReachableSet(@ForAll("scenarios") Scenario sc) {
        QuotaSet s = QuotaSet.EMPTY.update(Template.parse(sc.userTmpl()));
        for (Op op : sc.ops()) {
            Usage u = op.pieces().stream().map(Piece::usage).reduce(Usage.NONE, Usage::plus);
            s = Quotas.charge(new Account(9, s, null, true), new Account(4, QuotaSet.EMPTY, null, true), u).user();
        }
        XmlWriter w = new XmlWriter().open("USER");
        s.writeXml(w);
        QuotaSet back = QuotaSet.fromXml(XmlNode.parse(w.close("USER").toString()));
        assertThat(back).isEqualTo(s);
    }
}
