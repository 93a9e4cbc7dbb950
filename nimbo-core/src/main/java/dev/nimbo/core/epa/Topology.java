package dev.nimbo.core.epa;

import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a VM asks of a host's NUMA layout, read from its TOPOLOGY and NUMA_NODE attributes (OpenNebula's names):
 * a pin policy (CORE: a whole core per vCPU, its sibling threads left unused; THREAD: a hardware thread per vCPU,
 * siblings first; SHARED: vCPUs share host threads with other SHARED VMs; NONE), THREADS per core, HUGEPAGE_SIZE
 * (MB in the template, kept here in KB as hosts report it), NODE_AFFINITY, and the virtual NUMA nodes: the
 * NUMA_NODE vectors when given (asymmetric: each with its own TOTAL_CPUS and MEMORY in MB), else SOCKETS nodes
 * sharing VCPU and MEMORY evenly. Immutable.
 */
public record Topology(PinPolicy policy, int threads, long hugepageKb, int nodeAffinity, List<VNode> nodes) {

    public enum PinPolicy {
        NONE, CORE, THREAD, SHARED;

        /** Pinned policies take host CPUs for the VM (and need hosts with PIN_POLICY = PINNED). */
        public boolean pinned() {
            return this != NONE;
        }
    }

    /** One virtual NUMA node: its vCPUs and memory (MB). */
    public record VNode(int cpus, long memMb) {
    }

    public Topology {
        nodes = List.copyOf(nodes);
    }

    public boolean pinned() {
        return policy.pinned();
    }

    public long memKb() {
        long kb = 0;
        for (VNode n : nodes) {
            kb += n.memMb() * 1024;
        }
        return kb;
    }

    /**
     * The VM's request, or null when it asks for no placement inside the host (no TOPOLOGY, or one without pin
     * policy, node affinity and hugepages). Throws {@link EpaException} for a topology no host can give: vCPUs that
     * do not add up to SOCKETS × CORES × THREADS or to the NUMA_NODE totals, memory that does not add up, an
     * unknown PIN_POLICY, PIN_POLICY together with NODE_AFFINITY.
     */
    public static Topology of(Template vm) {
        VectorAttribute t = first(vm.vectors("TOPOLOGY"));
        if (t == null) {
            return null;
        }
        String p = t.get("PIN_POLICY");
        PinPolicy policy;
        try {
            policy = p == null || p.isBlank() ? PinPolicy.NONE : PinPolicy.valueOf(p.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new EpaException("TOPOLOGY: unknown PIN_POLICY \"" + p + "\" (CORE, THREAD, SHARED or NONE)");
        }
        int affinity = (int) number(t, "NODE_AFFINITY", -1);
        long hugeMb = number(t, "HUGEPAGE_SIZE", 0);
        if (!policy.pinned() && affinity < 0 && hugeMb <= 0) {
            return null;
        }
        if (policy.pinned() && affinity >= 0) {
            throw new EpaException("TOPOLOGY: NODE_AFFINITY cannot be used together with PIN_POLICY");
        }
        int vcpu = (int) Math.max(1, number(vm, "VCPU", 1));
        long mem = Math.max(0, number(vm, "MEMORY", 0));
        int sockets = (int) number(t, "SOCKETS", 0);
        int cores = (int) number(t, "CORES", 0);
        int threads = (int) number(t, "THREADS", 0);
        if (sockets > 0 && cores > 0 && threads > 0 && sockets * cores * threads != vcpu) {
            throw new EpaException("TOPOLOGY: SOCKETS x CORES x THREADS = " + sockets + " x " + cores + " x " + threads
                    + " = " + sockets * cores * threads + " vCPUs, but VCPU = " + vcpu);
        }
        if (policy == PinPolicy.CORE && threads > 1) {
            throw new EpaException("TOPOLOGY: PIN_POLICY = CORE gives each vCPU a whole core, THREADS must be 1");
        }
        List<VNode> nodes = new ArrayList<>();
        List<VectorAttribute> given = vm.vectors("NUMA_NODE");
        if (!given.isEmpty()) {
            int cpus = 0;
            long memSum = 0;
            for (VectorAttribute n : given) {
                int c = (int) number(n, "TOTAL_CPUS", 0);
                long m = number(n, "MEMORY", 0);
                if (c <= 0 || m <= 0) {
                    throw new EpaException("NUMA_NODE needs positive TOTAL_CPUS and MEMORY, got " + n);
                }
                nodes.add(new VNode(c, m));
                cpus += c;
                memSum += m;
            }
            if (cpus != vcpu) {
                throw new EpaException("NUMA_NODE TOTAL_CPUS add up to " + cpus + ", but VCPU = " + vcpu);
            }
            if (memSum != mem) {
                throw new EpaException("NUMA_NODE MEMORY adds up to " + memSum + " MB, but MEMORY = " + mem);
            }
        } else {
            int n = Math.max(1, sockets);
            if (n > vcpu) {
                throw new EpaException("TOPOLOGY: " + n + " SOCKETS for " + vcpu + " vCPUs");
            }
            for (int i = 0; i < n; i++) {
                nodes.add(new VNode(vcpu / n + (i < vcpu % n ? 1 : 0), mem / n + (i < mem % n ? 1 : 0)));
            }
        }
        return new Topology(policy, threads, hugeMb * 1024, affinity, nodes);
    }

    private static VectorAttribute first(List<VectorAttribute> l) {
        return l.isEmpty() ? null : l.get(0);
    }

    private static long number(VectorAttribute v, String key, long dflt) {
        return parse(v.get(key), key, dflt);
    }

    private static long number(Template t, String key, long dflt) {
        return parse(t.get(key), key, dflt);
    }

    private static long parse(String s, String key, long dflt) {
        if (s == null || s.isBlank()) {
            return dflt;
        }
        try {
            return (long) Double.parseDouble(s.strip());
        } catch (NumberFormatException e) {
            throw new EpaException(key + " must be a number, got \"" + s + "\"");
        }
    }
}
