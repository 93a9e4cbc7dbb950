package dev.nimbo.core.vm;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A VM's scheduled actions, kept as TEMPLATE/SCHED_ACTION vectors in shared.xsd's order (ID, PARENT_ID, TYPE,
 * ACTION, ARGS, TIME, REPEAT, DAYS, END_TYPE, END_VALUE, DONE, MESSAGE, WARNING) with their IDs in the VM's
 * SCHED_ACTIONS. TIME is seconds since the epoch, or {@code +N} seconds after the VM's start; REPEAT -1 runs once,
 * 0 weekly on DAYS (0 Sunday .. 6), 1 monthly on DAYS (1..31), 2 yearly on DAYS (1..366), 3 every DAYS hours;
 * END_TYPE 0 never ends, 1 after END_VALUE runs, 2 at END_VALUE (epoch seconds). DONE is the time of the last run
 * (-1 before the first); MESSAGE the error of the last run. Pure functions; time zone as the daemon's.
 */
public final class VmSchedActions {

    /** The actions a schedule may run: the one.vm.action words, snapshot-create and backup (ARGS "ds-id,reset"). */
    public static final Set<String> ACTIONS = Set.of("terminate", "terminate-hard", "undeploy", "undeploy-hard", "hold",
            "release", "stop", "suspend", "resume", "reboot", "reboot-hard", "poweroff", "poweroff-hard", "resched",
            "unresched", "snapshot-create", "backup");

    private VmSchedActions() {
    }

    private static ApiException bad(String why) {
        return ApiException.action(why);
    }

    /**
     * A checked, complete SCHED_ACTION vector with ID {@code id} for VM {@code vmId} (started at {@code stime})
     * from the user's one. ACTION errors for an unknown ACTION, a TIME that is not a number or is in the past,
     * and bad REPEAT/DAYS/END values.
     */
    public static VectorAttribute build(int id, int vmId, VectorAttribute in, long stime, long now) {
        String action = in.get("ACTION") == null ? "" : in.get("ACTION").strip().toLowerCase(java.util.Locale.ROOT);
        if (!ACTIONS.contains(action)) {
            throw bad("Invalid ACTION \"" + in.get("ACTION") + "\" in SCHED_ACTION; one of " + new TreeSet<>(ACTIONS));
        }
        long time = time(in.get("TIME"), stime);
        if (time < now) {
            throw bad("The scheduled action's TIME " + time + " is in the past (now " + now + ")");
        }
        int repeat = integer(in.get("REPEAT"), -1, "REPEAT");
        if (repeat < -1 || repeat > 3) {
            throw bad("REPEAT must be -1 (none), 0 (weekly), 1 (monthly), 2 (yearly) or 3 (hourly)");
        }
        String days = in.get("DAYS") == null ? "" : in.get("DAYS").strip();
        if (repeat >= 0) {
            days(repeat, days);
        }
        int endType = integer(in.get("END_TYPE"), repeat < 0 ? -1 : 0, "END_TYPE");
        long endValue;
        try {
            endValue = in.get("END_VALUE") == null || in.get("END_VALUE").isBlank() ? -1
                    : Long.parseLong(in.get("END_VALUE").strip());
        } catch (NumberFormatException e) {
            throw bad("END_VALUE must be an integer, got \"" + in.get("END_VALUE") + "\"");
        }
        if (repeat >= 0 && (endType < 0 || endType > 2 || (endType > 0 && endValue < 0))) {
            throw bad("END_TYPE must be 0 (never), 1 (after END_VALUE times) or 2 (at END_VALUE), with an END_VALUE");
        }
        List<SingleAttribute> v = new ArrayList<>();
        v.add(new SingleAttribute("ID", Integer.toString(id)));
        v.add(new SingleAttribute("PARENT_ID", Integer.toString(vmId)));
        v.add(new SingleAttribute("TYPE", "VM"));
        v.add(new SingleAttribute("ACTION", action));
        v.add(new SingleAttribute("ARGS", in.get("ARGS") == null ? "" : in.get("ARGS")));
        v.add(new SingleAttribute("TIME", Long.toString(time)));
        v.add(new SingleAttribute("REPEAT", Integer.toString(repeat)));
        v.add(new SingleAttribute("DAYS", days));
        v.add(new SingleAttribute("END_TYPE", Integer.toString(endType)));
        v.add(new SingleAttribute("END_VALUE", Long.toString(endValue)));
        v.add(new SingleAttribute("DONE", "-1"));
        v.add(new SingleAttribute("MESSAGE", ""));
        v.add(new SingleAttribute("WARNING", "0"));
        return new VectorAttribute("SCHED_ACTION", v);
    }

    /** The next free ID among the VM's scheduled actions. */
    public static int nextId(Template t) {
        int next = 0;
        for (VectorAttribute sa : t.vectors("SCHED_ACTION")) {
            next = Math.max(next, VmResources.intOr(sa.get("ID"), -1) + 1);
        }
        return next;
    }

    /** The IDs of the template's scheduled actions (for the VM's SCHED_ACTIONS). */
    public static Set<Integer> ids(Template t) {
        Set<Integer> out = new TreeSet<>();
        for (VectorAttribute sa : t.vectors("SCHED_ACTION")) {
            out.add(VmResources.intOr(sa.get("ID"), -1));
        }
        return out;
    }

    /**
     * A new VM's template with the SCHED_ACTIONs it came with checked and completed (IDs from 0; relative times
     * after {@code stime}).
     */
    public static Template normalize(Template t, int vmId, long stime, long now) {
        if (t.vectors("SCHED_ACTION").isEmpty()) {
            return t;
        }
        List<Attribute> out = new ArrayList<>();
        int id = 0;
        for (Attribute a : t.attributes()) {
            if (a instanceof VectorAttribute v && v.name().equals("SCHED_ACTION")) {
                out.add(build(id++, vmId, v, stime, now));
            } else {
                out.add(a);
            }
        }
        return Template.of(out);
    }

    /** The scheduled action with this ID, or null. */
    public static VectorAttribute find(Template t, int id) {
        for (VectorAttribute sa : t.vectors("SCHED_ACTION")) {
            if (VmResources.intOr(sa.get("ID"), -1) == id) {
                return sa;
            }
        }
        return null;
    }

    /** The template with the scheduled action {@code id} replaced by {@code sa} (removed when null). */
    public static Template replace(Template t, int id, VectorAttribute sa) {
        List<Attribute> out = new ArrayList<>();
        for (Attribute a : t.attributes()) {
            if (a instanceof VectorAttribute v && v.name().equals("SCHED_ACTION") && VmResources.intOr(v.get("ID"), -1) == id) {
                if (sa != null) {
                    out.add(sa);
                }
            } else {
                out.add(a);
            }
        }
        return Template.of(out);
    }

    /** The actions due at {@code now}: not finished, TIME reached; earliest first, as oned runs them. */
    public static List<VectorAttribute> due(Template t, long now) {
        List<VectorAttribute> out = new ArrayList<>();
        for (VectorAttribute sa : t.vectors("SCHED_ACTION")) {
            long time = longOr(sa.get("TIME"), Long.MAX_VALUE);
            boolean finished = longOr(sa.get("DONE"), -1) >= 0
                    && VmResources.intOr(sa.get("REPEAT"), -1) < 0;
            if (!finished && time <= now) {
                out.add(sa);
            }
        }
        out.sort(java.util.Comparator.comparingLong(sa -> longOr(sa.get("TIME"), Long.MAX_VALUE)));
        return out;
    }

    /**
     * The action after a run at {@code now} ({@code error} null when it worked). A failed run only records MESSAGE
     * and stays due, so it is tried again next round (as oned: an action refused in one state, e.g. a snapshot
     * before the VM is RUNNING, runs once the state allows it). A run that worked sets DONE and clears MESSAGE; a
     * repeating one moves TIME to its next occurrence, unless its END says it is over (then REPEAT becomes -1).
     */
    public static VectorAttribute afterRun(VectorAttribute sa, long now, String error, ZoneId zone) {
        if (error != null) {
            return sa.with("MESSAGE", java.time.Instant.ofEpochSecond(now).atZone(zone).toLocalDateTime() + " : " + error);
        }
        VectorAttribute out = sa.with("DONE", Long.toString(now)).with("MESSAGE", "");
        int repeat = VmResources.intOr(sa.get("REPEAT"), -1);
        if (repeat < 0) {
            return out;
        }
        long time = longOr(sa.get("TIME"), 0);
        long next = next(repeat, sa.get("DAYS"), time, now, zone);
        int endType = VmResources.intOr(sa.get("END_TYPE"), 0);
        long endValue = longOr(sa.get("END_VALUE"), -1);
        boolean over = (endType == 1 && endValue <= 1) || (endType == 2 && next > endValue);
        if (over) {
            return out.with("REPEAT", "-1");
        }
        out = out.with("TIME", Long.toString(next));
        if (endType == 1) {
            out = out.with("END_VALUE", Long.toString(endValue - 1));
        }
        return out;
    }

    /** The first occurrence after {@code now} of a repetition that started at {@code time}. */
    static long next(int repeat, String days, long time, long now, ZoneId zone) {
        if (repeat == 3) {
            long step = Math.max(1, VmResources.intOr(days, 1)) * 3600L;
            long t = time;
            while (t <= now) {
                t += step;
            }
            return t;
        }
        Set<Integer> allowed = days(repeat, days == null ? "" : days);
        ZonedDateTime t = Instant.ofEpochSecond(time).atZone(zone);
        for (int i = 0; i < 3 * 366; i++) {
            t = t.plusDays(1);
            int key = switch (repeat) {
                case 0 -> t.getDayOfWeek().getValue() % 7;
                case 1 -> t.getDayOfMonth();
                default -> t.getDayOfYear();
            };
            if (t.toEpochSecond() > now && allowed.contains(key)) {
                return t.toEpochSecond();
            }
        }
        return Long.MAX_VALUE / 2;
    }

    private static Set<Integer> days(int repeat, String days) {
        Set<Integer> out = new TreeSet<>();
        int min = switch (repeat) {
            case 0 -> 0;
            default -> 1;
        };
        int max = switch (repeat) {
            case 0 -> 6;
            case 1 -> 31;
            case 2 -> 366;
            default -> Integer.MAX_VALUE;
        };
        if (days.isBlank()) {
            throw bad("DAYS is needed when REPEAT is " + repeat);
        }
        for (String p : days.split(",")) {
            int d;
            try {
                d = Integer.parseInt(p.strip());
            } catch (NumberFormatException e) {
                throw bad("DAYS must be a comma-separated list of numbers, got \"" + days + "\"");
            }
            if (d < min || d > max) {
                throw bad("DAYS values must be between " + min + " and " + max + " for REPEAT " + repeat);
            }
            out.add(d);
        }
        return out;
    }

    private static long time(String v, long stime) {
        if (v == null || v.isBlank()) {
            throw bad("SCHED_ACTION needs a TIME");
        }
        String s = v.strip();
        try {
            if (s.startsWith("+")) {
                return stime + Long.parseLong(s.substring(1));
            }
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw bad("TIME must be seconds since the epoch or +seconds after the VM's start, got \"" + v + "\"");
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

    private static int integer(String v, int dflt, String name) {
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw bad(name + " must be an integer, got \"" + v + "\"");
        }
    }
}
