package dev.nimbo.core.vm;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A VM's system snapshots (disks and memory, taken by the hypervisor) as TEMPLATE/SNAPSHOT vectors: SNAPSHOT_ID,
 * NAME, TIME, HYPERVISOR_ID, SYSTEM_DISK_SIZE, and while an operation on it runs ACTIVE = YES with ACTION =
 * CREATE, REVERT or DELETE. The operation's outcome settles the vector: a created snapshot gets its hypervisor
 * name, a failed creation disappears, a deleted one goes. Pure functions on templates; the sub-attributes stay in
 * name order, as vm.xsd lists them.
 */
public final class VmSnapshots {
    private VmSnapshots() {
    }

    /** The snapshot being worked on, or null. */
    public static VectorAttribute active(Template t) {
        for (VectorAttribute s : t.vectors("SNAPSHOT")) {
            if ("YES".equalsIgnoreCase(s.get("ACTIVE"))) {
                return s;
            }
        }
        return null;
    }

    /** The driver operation the active snapshot waits for (CREATE when none is marked). */
    public static DriverOp pendingOp(Template t) {
        VectorAttribute a = active(t);
        String action = a == null ? "CREATE" : String.valueOf(a.get("ACTION"));
        return switch (action) {
            case "REVERT" -> DriverOp.SNAPSHOT_REVERT;
            case "DELETE" -> DriverOp.SNAPSHOT_DELETE;
            default -> DriverOp.SNAPSHOT_CREATE;
        };
    }

    /** The next SNAPSHOT_ID: one more than the highest in use. */
    public static int nextId(Template t) {
        int next = 0;
        for (VectorAttribute s : t.vectors("SNAPSHOT")) {
            next = Math.max(next, VmResources.intOr(s.get("SNAPSHOT_ID"), -1) + 1);
        }
        return next;
    }

    /** A new snapshot being created ({@code name} blank: "snapshot-<id>"); ACTIVE until the driver answers. */
    public static Template create(Template t, int id, String name, long now) {
        String n = name == null || name.isBlank() ? "snapshot-" + id : name.strip();
        VectorAttribute v = sorted(new VectorAttribute("SNAPSHOT", List.of(new SingleAttribute("ACTION", "CREATE"),
                new SingleAttribute("ACTIVE", "YES"), new SingleAttribute("HYPERVISOR_ID", ""),
                new SingleAttribute("NAME", n), new SingleAttribute("SNAPSHOT_ID", Integer.toString(id)),
                new SingleAttribute("SYSTEM_DISK_SIZE", "0"), new SingleAttribute("TIME", Long.toString(now)))));
        return VmDefinition.sorted(t.add(v));
    }

    /**
     * The template with snapshot {@code id} marked for {@code action} (REVERT or DELETE); ACTION "Could not
     * <what> VM N ... it does not exist." when there is none.
     */
    public static Template mark(Template t, int vmId, int id, String action) {
        boolean found = false;
        List<Attribute> out = new ArrayList<>();
        for (Attribute a : t.attributes()) {
            if (a instanceof VectorAttribute v && v.name().equals("SNAPSHOT")
                    && VmResources.intOr(v.get("SNAPSHOT_ID"), -1) == id) {
                out.add(sorted(v.with("ACTIVE", "YES").with("ACTION", action)));
                found = true;
            } else {
                out.add(a);
            }
        }
        if (!found) {
            throw ApiException.action(action.equals("REVERT")
                    ? "Could not revert VM " + vmId + " to snapshot " + id + ", it does not exist."
                    : "Could not delete snapshot " + id + " for VM " + vmId + ", it does not exist.", vmId);
        }
        return Template.of(out);
    }

    /** The active snapshot after its operation succeeded. */
    public static Template succeeded(Template t) {
        return settle(t, true);
    }

    /** The active snapshot after its operation failed. */
    public static Template failed(Template t) {
        return settle(t, false);
    }

    private static Template settle(Template t, boolean ok) {
        List<Attribute> out = new ArrayList<>();
        for (Attribute a : t.attributes()) {
            if (a instanceof VectorAttribute v && v.name().equals("SNAPSHOT") && "YES".equalsIgnoreCase(v.get("ACTIVE"))) {
                String action = String.valueOf(v.get("ACTION"));
                boolean drop = (ok && action.equals("DELETE")) || (!ok && action.equals("CREATE"));
                if (drop) {
                    continue;
                }
                VectorAttribute settled = v.without("ACTIVE").without("ACTION");
                if (ok && action.equals("CREATE")) {
                    settled = sorted(settled.with("HYPERVISOR_ID", "snap-" + v.get("SNAPSHOT_ID")));
                }
                out.add(settled);
            } else {
                out.add(a);
            }
        }
        return Template.of(out);
    }

    private static VectorAttribute sorted(VectorAttribute v) {
        List<SingleAttribute> l = new ArrayList<>(v.values());
        l.sort(Comparator.comparing(SingleAttribute::name));
        return new VectorAttribute(v.name(), l);
    }
}
