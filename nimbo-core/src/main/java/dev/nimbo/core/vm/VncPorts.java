package dev.nimbo.core.vm;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.BitSet;

/**
 * VNC ports of VMs with GRAPHICS, unique per cluster as in oned (its VNC_PORTS pool: START 5900, ports 32768 and
 * up reserved). A VM placed in a cluster gets START + its ID when free, else the first free port from START; a
 * PORT the user set must be free in the cluster. The port is kept while the VM is STOPPED and given back when it
 * is undeployed, resubmitted or ends (PORT removed). Which ports a cluster has in use is read from the VMs
 * themselves (VMs that are not DONE, placed in the cluster, with GRAPHICS/PORT), so nothing else has to be kept
 * in step; the scan only happens for VMs that have GRAPHICS. Controller thread only; static functions.
 */
public final class VncPorts {
    /** The first port of the pool (oned.conf VNC_PORTS/START). */
    public static final int START = 5900;
    /** Ports from here up are reserved (oned.conf VNC_PORTS/RESERVED "32768:65536"). */
    public static final int RESERVED_FROM = 32768;

    private VncPorts() {
    }

    /**
     * {@code t} with a port for VM {@code vmId} placed in cluster {@code clusterId}: the GRAPHICS PORT it asks for
     * (ACTION when another VM of the cluster has it) or a free one (ACTION when none is left). Unchanged without
     * GRAPHICS.
     */
    public static Template assign(ObjectsView view, int vmId, int clusterId, Template t) {
        VectorAttribute g = graphics(t);
        if (g == null) {
            return t;
        }
        BitSet used = used(view, vmId, clusterId);
        int asked = port(g);
        if (asked >= 0) {
            if (used.get(asked)) {
                throw ApiException.action("Requested VNC port already assigned to a VM", vmId);
            }
            return t;
        }
        int hint = START + vmId;
        int port = hint < RESERVED_FROM && !used.get(hint) ? hint : used.nextClearBit(START);
        if (port >= RESERVED_FROM) {
            throw ApiException.action("No free VNC ports available in the cluster", vmId);
        }
        return t.with(g.with("PORT", Integer.toString(port)));
    }

    /** {@code t} without its GRAPHICS PORT: the port goes back to the cluster's pool. */
    public static Template release(Template t) {
        VectorAttribute g = graphics(t);
        return g == null || g.get("PORT") == null ? t : t.with(g.without("PORT"));
    }

    /** Whether {@code t} has GRAPHICS without a PORT yet. */
    public static boolean needsPort(Template t) {
        VectorAttribute g = graphics(t);
        return g != null && port(g) < 0;
    }

    private static BitSet used(ObjectsView view, int vmId, int clusterId) {
        BitSet used = new BitSet();
        for (PoolObject o : view.list(ObjectType.VM)) {
            if (o instanceof VirtualMachine vm && vm.id() != vmId && !vm.phase().is(VmState.DONE)
                    && vm.lastHistory() != null && vm.lastHistory().cid() == clusterId) {
                VectorAttribute g = graphics(vm.vmTemplate());
                int p = g == null ? -1 : port(g);
                if (p >= 0) {
                    used.set(p);
                }
            }
        }
        return used;
    }

    private static VectorAttribute graphics(Template t) {
        var gs = t.vectors("GRAPHICS");
        return gs.isEmpty() ? null : gs.get(0);
    }

    private static int port(VectorAttribute g) {
        String p = g.get("PORT");
        if (p == null || p.isBlank()) {
            return -1;
        }
        try {
            return Integer.parseInt(p.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
