package dev.nimbo.server.api.vm;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.History;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmState;
import dev.nimbo.core.xml.XmlWriter;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.PoolQuery;
import dev.nimbo.server.api.render.RenderCache;
import dev.nimbo.server.api.shared.SharedMethods;
import dev.nimbo.server.vm.VmLifecycle;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * one.vmpool.*: listings (short, extended, by ID set), monitoring, accounting (history records with the VM)
 * and showback (monthly cost per VM from CPU_COST, MEMORY_COST and DISK_COST per hour, over each placement's
 * STIME..ETIME, as oned computes it; RHOURS counts the running part). Showback is computed from the history
 * records when asked, so {@code one.vmpool.calculateshowback} has nothing to store. Reads only the published
 * state; thread-safe.
 */
final class VmPoolMethods {
    private VmPoolMethods() {
    }

    static void register(ApiRegistry r) {
        r.register("one.vmpool.info", c -> poolInfo(c, false));
        r.register("one.vmpool.infoextended", c -> poolInfo(c, true));
        r.register("one.vmpool.infoset", VmPoolMethods::infoSet);
        r.register("one.vmpool.monitoring", VmPoolMethods::monitoring);
        r.register("one.vmpool.accounting", VmPoolMethods::accounting);
        r.register("one.vmpool.showback", VmPoolMethods::showback);
        r.register("one.vmpool.calculateshowback", VmPoolMethods::calculateShowback);
    }

    /** Whether a VM passes the pool's state filter: -2 any, -1 any but DONE, else that STATE. */
    static boolean stateMatches(VirtualMachine vm, int state) {
        return switch (state) {
            case -2 -> true;
            case -1 -> vm.state() != VmState.DONE;
            default -> vm.state().code() == state;
        };
    }

    static Object poolInfo(Call call, boolean extended) {
        call.params().arity(3, 5);
        int state = call.params().integer(3, -1);
        if (state < -2 || state == 7 || state > VmState.CLONING_FAILURE.code()) {
            throw ApiException.api("[" + call.method() + "] Incorrect filter_flag, state " + state + ".");
        }
        String kv = call.params().string(4, "");
        List<PoolObject> selected = SharedMethods.poolSelect(call, ObjectType.VM);
        List<PoolObject> shown = new ArrayList<>(selected.size());
        for (PoolObject o : selected) {
            VirtualMachine vm = (VirtualMachine) o;
            if (stateMatches(vm, state) && kvMatches(vm, kv)) {
                shown.add(vm);
            }
        }
        // each VM's rendering is kept until it changes: a listing of 20,000 VMs joins cached bytes
        return call.ctx().renders().pool("VM_POOL", shown, extended ? RenderCache.OBJECT : SHORT_FORM);
    }

    /** The short body of one.vmpool.info (vm_pool.xsd), a pure function of the VM's version. */
    static final RenderCache.Form SHORT_FORM = RenderCache.Form.of("vm-short",
            (o, w) -> ((VirtualMachine) o).writeShortXml(w));

    /** oned's KEY=VALUE filter on the VM's templates (VM/…, USER_TEMPLATE/… or a bare name); empty passes. */
    static boolean kvMatches(VirtualMachine vm, String kv) {
        if (kv == null || kv.isBlank()) {
            return true;
        }
        int eq = kv.indexOf('=');
        if (eq < 0) {
            return true;
        }
        String key = kv.substring(0, eq).strip().toUpperCase(Locale.ROOT);
        String value = kv.substring(eq + 1).strip();
        int slash = key.lastIndexOf('/');
        String name = slash >= 0 ? key.substring(slash + 1) : key;
        String v = vm.userTemplate().get(name);
        if (v == null) {
            v = vm.vmTemplate().get(name);
        }
        if (v == null && name.equals("NAME")) {
            v = vm.name();
        }
        return value.equals(v);
    }

    static Object infoSet(Call call) {
        call.params().arity(1, 2);
        String ids = call.params().string(0);
        boolean extended = call.params().bool(1, false);
        XmlWriter w = new XmlWriter();
        w.open("VM_POOL");
        for (String part : ids.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int id;
            try {
                id = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw ApiException.api("[" + call.method() + "] Wrong VM ID '" + p + "' in the set.");
            }
            PoolObject o = call.ctx().view().get(ObjectType.VM, id);
            if (o == null || !visible(call, o)) {
                continue;
            }
            if (extended) {
                ((VirtualMachine) o).writeXml(w);
            } else {
                ((VirtualMachine) o).writeShortXml(w);
            }
        }
        w.close("VM_POOL");
        return w.toString();
    }

    private static boolean visible(Call call, PoolObject o) {
        return call.subject().isOneadmin() || call.ctx().authorizer().allowed(call.subject(),
                dev.nimbo.core.auth.Right.USE, dev.nimbo.core.auth.ObjectAuth.of(o));
    }

    /** one.vmpool.monitoring(filter, seconds): 0 the newest record of each VM, -1 all, N those of the last N s. */
    static Object monitoring(Call call) {
        call.params().arity(1, 2);
        int filter = call.params().integer(0);
        int seconds = call.params().integer(1, -1);
        java.util.Set<Integer> visible = new java.util.HashSet<>();
        for (PoolObject o : PoolQuery.select(call, ObjectType.VM, filter, -1, -1)) {
            visible.add(o.id());
        }
        return VmLifecycle.of(call.ctx()).monitor().document(seconds, visible::contains);
    }

    // ------------------------------------------------------------------ accounting

    static Object accounting(Call call) {
        call.params().arity(3, 3);
        int filter = call.params().integer(0);
        long start = call.params().longInteger(1);
        long end = call.params().longInteger(2);
        XmlWriter w = new XmlWriter();
        w.open("HISTORY_RECORDS");
        for (PoolObject o : PoolQuery.select(call, ObjectType.VM, filter, -1, -1)) {
            VirtualMachine vm = (VirtualMachine) o;
            if (vm.history().isEmpty()) {
                continue;
            }
            String vmXml = null;
            for (History h : vm.history()) {
                boolean endsAfterStart = start < 0 || h.etime() == 0 || h.etime() >= start;
                boolean startsBeforeEnd = end < 0 || h.stime() <= end;
                if (!endsAfterStart || !startsBeforeEnd) {
                    continue;
                }
                if (vmXml == null) {
                    vmXml = vm.toBuilder().history(List.of()).build().toXml();
                }
                StringBuilder b = new StringBuilder();
                XmlWriter hw = new XmlWriter(b);
                h.writeXml(hw);
                // the record carries the VM it belongs to, as oned's accounting does
                w.raw(b.substring(0, b.length() - "</HISTORY>".length())).raw(vmXml).close("HISTORY");
            }
        }
        w.close("HISTORY_RECORDS");
        return w.toString();
    }

    // ------------------------------------------------------------------ showback

    /** One VM's costs in one month. */
    private static final class Month {
        double cpu;
        double mem;
        double disk;
        double hours;
        double rhours;
    }

    static Object showback(Call call) {
        call.params().arity(5, 5);
        int filter = call.params().integer(0);
        YearMonth from = month(call.params().integer(1), call.params().integer(2), false);
        YearMonth to = month(call.params().integer(3), call.params().integer(4), true);
        if (filter <= -3) {
            filter = PoolQuery.MINE;
        }
        ZoneId zone = ZoneId.systemDefault();
        long now = call.ctx().now();
        XmlWriter w = new XmlWriter();
        w.open("SHOWBACK_RECORDS");
        for (PoolObject o : PoolQuery.select(call, ObjectType.VM, filter, -1, -1)) {
            VirtualMachine vm = (VirtualMachine) o;
            Map<YearMonth, Month> months = costs(vm, zone, now);
            for (Map.Entry<YearMonth, Month> e : months.entrySet()) {
                YearMonth ym = e.getKey();
                if ((from != null && ym.isBefore(from)) || (to != null && ym.isAfter(to))) {
                    continue;
                }
                Month m = e.getValue();
                w.open("SHOWBACK").element("VMID", vm.id()).element("VMNAME", vm.name()).element("UID", vm.uid())
                        .element("GID", vm.gid()).element("UNAME", vm.uname()).element("GNAME", vm.gname())
                        .element("YEAR", ym.getYear()).element("MONTH", ym.getMonthValue())
                        .element("CPU_COST", num(m.cpu)).element("MEMORY_COST", num(m.mem))
                        .element("DISK_COST", num(m.disk)).element("TOTAL_COST", num(m.cpu + m.mem + m.disk))
                        .element("HOURS", num(m.hours)).element("RHOURS", num(m.rhours)).close("SHOWBACK");
            }
        }
        w.close("SHOWBACK_RECORDS");
        return w.toString();
    }

    static Object calculateShowback(Call call) {
        call.params().arity(4, 4);
        if (!call.subject().isOneadmin()) {
            throw ApiException.authorization("[" + call.method() + "] Only oneadmin can calculate showback.");
        }
        month(call.params().integer(0), call.params().integer(1), false);
        month(call.params().integer(2), call.params().integer(3), true);
        return "";
    }

    private static YearMonth month(int month, int year, boolean last) {
        if (month < 0 || year < 0) {
            return null;
        }
        if (month < 1 || month > 12) {
            throw ApiException.api("Wrong month " + month + ": January is 1.");
        }
        return YearMonth.of(year, month);
    }

    private static String num(double d) {
        String s = String.format(Locale.ROOT, "%.6f", d);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** The VM's costs per month: each placement costs per hour from STIME to ETIME (now when still open). */
    static Map<YearMonth, Month> costs(VirtualMachine vm, ZoneId zone, long now) {
        double cpu = vm.cpu();
        double mem = vm.memoryMb();
        double disk = 0;
        for (VectorAttribute d : vm.vmTemplate().vectors("DISK")) {
            disk += parse(d.get("SIZE"));
        }
        double cpuCost = parse(vm.vmTemplate().get("CPU_COST"));
        double memCost = parse(vm.vmTemplate().get("MEMORY_COST"));
        double diskCost = parse(vm.vmTemplate().get("DISK_COST"));
        Map<YearMonth, Month> out = new TreeMap<>();
        for (History h : vm.history()) {
            for (Slot s : slots(h.stime(), h.etime() == 0 ? now : h.etime(), zone)) {
                Month m = out.computeIfAbsent(s.month(), k -> new Month());
                m.cpu += cpuCost * cpu * s.hours();
                m.mem += memCost * mem * s.hours();
                m.disk += diskCost * disk * s.hours();
                m.hours += s.hours();
            }
            if (h.rstime() != 0) {
                for (Slot s : slots(h.rstime(), h.retime() == 0 ? (h.etime() == 0 ? now : h.etime()) : h.retime(), zone)) {
                    out.computeIfAbsent(s.month(), k -> new Month()).rhours += s.hours();
                }
            }
        }
        return out;
    }

    private record Slot(YearMonth month, double hours) {
    }

    private static List<Slot> slots(long start, long end, ZoneId zone) {
        List<Slot> out = new ArrayList<>();
        if (start <= 0 || end < start) {
            return out;
        }
        ZonedDateTime t = Instant.ofEpochSecond(start).atZone(zone);
        YearMonth ym = YearMonth.from(t);
        long cursor = start;
        do { // a placement shorter than a second still shows, with 0 hours
            long next = ym.plusMonths(1).atDay(1).atStartOfDay(zone).toEpochSecond();
            long stop = Math.min(next, end);
            out.add(new Slot(ym, (stop - cursor) / 3600.0));
            cursor = stop;
            ym = ym.plusMonths(1);
        } while (cursor < end);
        return out;
    }

    private static double parse(String v) {
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
