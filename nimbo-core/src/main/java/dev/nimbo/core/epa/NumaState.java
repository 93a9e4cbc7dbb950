package dev.nimbo.core.epa;

import dev.nimbo.core.epa.Topology.PinPolicy;
import dev.nimbo.core.epa.Topology.VNode;
import dev.nimbo.core.host.NumaNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A host's NUMA nodes in a working form: per core its hardware threads and who holds each ({@code -1} free,
 * {@code -2} reserved, else a VM ID), whether a VM holds the whole core, and FREE (VM CPUs that still fit:
 * threads × VMS_THREAD minus pinned threads and SHARED vCPUs); per node its hugepages and memory with their usage.
 * Built from and turned back into the published {@link NumaNode}s. {@link #fit} finds where a {@link Topology} goes
 * (without changing anything), {@link #apply} takes it, {@link #release} gives a VM's share back. Not thread-safe:
 * one owner at a time (the scheduler's cycle, or one controller action).
 */
public final class NumaState {

    static final class Core {
        final int id;
        final int[] threads;
        final int[] owners;
        boolean dedicated;
        int free;

        Core(int id, int[] threads, int[] owners, boolean dedicated, int free) {
            this.id = id;
            this.threads = threads;
            this.owners = owners;
            this.dedicated = dedicated;
            this.free = free;
        }

        Core copy() {
            return new Core(id, threads.clone(), owners.clone(), dedicated, free);
        }

        boolean wholeFree(int vmsThread) {
            if (dedicated || free < threads.length * vmsThread) {
                return false;
            }
            for (int o : owners) {
                if (o != -1) {
                    return false;
                }
            }
            return true;
        }

        String cpus() {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < threads.length; i++) {
                b.append(i == 0 ? "" : ",").append(threads[i]).append(':').append(owners[i]);
            }
            return b.toString();
        }
    }

    static final class Node {
        final int id;
        final Core[] cores;
        final long[] pageSizes;
        final long[] pages;
        final long[] pageUsage;
        final String distance;
        final long memTotalKb;
        long memUsageKb;

        Node(int id, Core[] cores, long[] pageSizes, long[] pages, long[] pageUsage, String distance, long memTotalKb,
             long memUsageKb) {
            this.id = id;
            this.cores = cores;
            this.pageSizes = pageSizes;
            this.pages = pages;
            this.pageUsage = pageUsage;
            this.distance = distance;
            this.memTotalKb = memTotalKb;
            this.memUsageKb = memUsageKb;
        }

        Node copy() {
            Core[] c = new Core[cores.length];
            for (int i = 0; i < c.length; i++) {
                c[i] = cores[i].copy();
            }
            return new Node(id, c, pageSizes, pages, pageUsage.clone(), distance, memTotalKb, memUsageKb);
        }

        int pageIndex(long sizeKb) {
            for (int i = 0; i < pageSizes.length; i++) {
                if (pageSizes[i] == sizeKb) {
                    return i;
                }
            }
            return -1;
        }

        long freePages(long sizeKb) {
            int i = pageIndex(sizeKb);
            return i < 0 ? -1 : pages[i] - pageUsage[i];
        }
    }

    /** Where one virtual node went: the host node, the host threads its vCPUs got, its memory (MB). */
    public record Placed(int vnode, int hostNode, int[] cpus, int totalCpus, long memMb) {
        /** The CPUS text the VM's NUMA_NODE records: thread IDs, comma-separated. */
        public String cpuList() {
            StringBuilder b = new StringBuilder();
            for (int c : cpus) {
                b.append(b.isEmpty() ? "" : ",").append(c);
            }
            return b.toString();
        }
    }

    private final Node[] nodes;
    private final int vmsThread;

    private NumaState(Node[] nodes, int vmsThread) {
        this.nodes = nodes;
        this.vmsThread = Math.max(1, vmsThread);
    }

    public static NumaState of(List<NumaNode> published, int vmsThread) {
        Node[] out = new Node[published.size()];
        for (int n = 0; n < out.length; n++) {
            NumaNode p = published.get(n);
            Core[] cores = new Core[p.cores().size()];
            for (int c = 0; c < cores.length; c++) {
                NumaNode.Core pc = p.cores().get(c);
                String[] pairs = pc.cpus().isBlank() ? new String[0] : pc.cpus().split(",");
                int[] threads = new int[pairs.length];
                int[] owners = new int[pairs.length];
                for (int i = 0; i < pairs.length; i++) {
                    String pair = pairs[i].strip();
                    int colon = pair.indexOf(':');
                    threads[i] = Integer.parseInt(colon < 0 ? pair : pair.substring(0, colon));
                    owners[i] = colon < 0 ? -1 : Integer.parseInt(pair.substring(colon + 1).strip());
                }
                cores[c] = new Core(pc.id(), threads, owners, pc.dedicated(), pc.free());
            }
            int k = p.hugePages().size();
            long[] sizes = new long[k];
            long[] pages = new long[k];
            long[] usage = new long[k];
            for (int i = 0; i < k; i++) {
                sizes[i] = p.hugePages().get(i).sizeKb();
                pages[i] = p.hugePages().get(i).pages();
                usage[i] = p.hugePages().get(i).usage();
            }
            NumaNode.Memory m = p.memory() == null ? new NumaNode.Memory("", 0, 0) : p.memory();
            out[n] = new Node(p.nodeId(), cores, sizes, pages, usage, m.distance(), m.totalKb(), m.usageKb());
        }
        return new NumaState(out, vmsThread);
    }

    public NumaState copy() {
        Node[] c = new Node[nodes.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = nodes[i].copy();
        }
        return new NumaState(c, vmsThread);
    }

    public boolean isEmpty() {
        return nodes.length == 0;
    }

    public List<NumaNode> toNodes() {
        List<NumaNode> out = new ArrayList<>(nodes.length);
        for (Node n : nodes) {
            List<NumaNode.Core> cores = new ArrayList<>(n.cores.length);
            for (Core c : n.cores) {
                cores.add(new NumaNode.Core(c.id, c.cpus(), c.dedicated, c.free));
            }
            List<NumaNode.HugePage> pages = new ArrayList<>();
            for (int i = 0; i < n.pageSizes.length; i++) {
                pages.add(new NumaNode.HugePage(n.pageSizes[i], n.pages[i], n.pageUsage[i]));
            }
            out.add(new NumaNode(n.id, cores, pages, new NumaNode.Memory(n.distance, n.memTotalKb, n.memUsageKb)));
        }
        return out;
    }

    private Node node(int id) {
        for (Node n : nodes) {
            if (n.id == id) {
                return n;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ fit

    /**
     * Where the topology's virtual nodes go on this host, nodes in {@code preferred} first (those of the VM's PCI
     * devices: NUMA-IO affinity); nothing changes. Throws {@link EpaException} saying what the host lacks.
     */
    public List<Placed> fit(Topology t, List<Integer> preferred) {
        return copy().takeAll(t, preferred, -3);
    }

    /**
     * As {@link #fit}, and takes it for VM {@code vmId}: all of it or, when it does not fit, nothing (the
     * exception says why).
     */
    public List<Placed> assign(Topology t, List<Integer> preferred, int vmId) {
        NumaState scratch = copy();
        List<Placed> out = scratch.takeAll(t, preferred, vmId);
        System.arraycopy(scratch.nodes, 0, nodes, 0, nodes.length);
        return out;
    }

    private List<Placed> takeAll(Topology t, List<Integer> preferred, int vmId) {
        if (nodes.length == 0) {
            throw new EpaException("the host reports no NUMA nodes");
        }
        List<Placed> out = new ArrayList<>();
        List<VNode> vnodes = t.nodes();
        // the largest virtual nodes first: they are the hardest to fit
        Integer[] order = new Integer[vnodes.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(vnodes.get(b).cpus(), vnodes.get(a).cpus()));
        for (int v : order) {
            VNode vn = vnodes.get(v);
            Placed placed = null;
            String lastProblem = null;
            for (Node n : candidates(t, preferred)) {
                String problem = problem(n, t, vn);
                if (problem == null) {
                    placed = take(n, t, v, vn, vmId);
                    break;
                }
                lastProblem = "NUMA node " + n.id + ": " + problem;
            }
            if (placed == null) {
                throw new EpaException(lastProblem == null ? "no NUMA node to use" : lastProblem);
            }
            out.add(placed);
        }
        out.sort((a, b) -> Integer.compare(a.vnode(), b.vnode()));
        return out;
    }

    /** Host nodes to try, in order: the affinity node only; else preferred ones, then most free hugepages or by ID. */
    private List<Node> candidates(Topology t, List<Integer> preferred) {
        List<Node> out = new ArrayList<>();
        if (t.nodeAffinity() >= 0) {
            Node n = node(t.nodeAffinity());
            if (n == null) {
                throw new EpaException("NODE_AFFINITY = " + t.nodeAffinity() + ": the host has no such NUMA node");
            }
            out.add(n);
            return out;
        }
        for (int id : preferred) {
            Node n = node(id);
            if (n != null && !out.contains(n)) {
                out.add(n);
            }
        }
        List<Node> rest = new ArrayList<>();
        for (Node n : nodes) {
            if (!out.contains(n)) {
                rest.add(n);
            }
        }
        if (!t.pinned() && t.hugepageKb() > 0) {
            // no pinning and no affinity: the node with most free hugepages, to balance them
            rest.sort((a, b) -> Long.compare(b.freePages(t.hugepageKb()), a.freePages(t.hugepageKb())));
        }
        out.addAll(rest);
        return out;
    }

    /** Null when the virtual node fits in host node {@code n} as it is now, else what is missing. */
    private String problem(Node n, Topology t, VNode vn) {
        if (t.hugepageKb() > 0) {
            long free = n.freePages(t.hugepageKb());
            if (free < 0) {
                return "no hugepages of " + sizeText(t.hugepageKb());
            }
            long need = pagesFor(vn.memMb(), t.hugepageKb());
            if (free < need) {
                return "needs " + need + " free hugepages of " + sizeText(t.hugepageKb()) + ", has " + free;
            }
        } else if (t.pinned() && n.memTotalKb > 0 && n.memTotalKb - n.memUsageKb < vn.memMb() * 1024) {
            return "needs " + vn.memMb() + " MB of memory, has " + (n.memTotalKb - n.memUsageKb) / 1024 + " MB free";
        }
        switch (t.policy()) {
            case CORE -> {
                int whole = 0;
                for (Core c : n.cores) {
                    if (c.wholeFree(vmsThread)) {
                        whole++;
                    }
                }
                if (whole < vn.cpus()) {
                    return "PIN_POLICY = CORE needs " + vn.cpus() + " free cores, has " + whole;
                }
            }
            case THREAD -> {
                int per = 0;
                int free = 0;
                for (Core c : n.cores) {
                    per = Math.max(per, c.threads.length);
                    if (!c.dedicated) {
                        for (int o : c.owners) {
                            free += o == -1 && c.free >= vmsThread ? 1 : 0;
                        }
                    }
                }
                if (t.threads() > per) {
                    return "THREADS = " + t.threads() + " but the host's cores have " + per;
                }
                if (free < vn.cpus()) {
                    return "PIN_POLICY = THREAD needs " + vn.cpus() + " free threads, has " + free;
                }
            }
            case SHARED -> {
                int units = 0;
                for (Core c : n.cores) {
                    if (!c.dedicated) {
                        int usable = 0;
                        for (int o : c.owners) {
                            usable += o == -1 ? 1 : 0;
                        }
                        units += Math.min(usable, c.free);
                    }
                }
                if (units < vn.cpus()) {
                    return "PIN_POLICY = SHARED needs " + vn.cpus() + " shareable threads, has " + units;
                }
            }
            case NONE -> {
                // affinity or hugepages only: the host threads are not taken
            }
        }
        return null;
    }

    /** Takes the virtual node's share of host node {@code n} for VM {@code vmId}. */
    private Placed take(Node n, Topology t, int v, VNode vn, int vmId) {
        if (t.hugepageKb() > 0) {
            int i = n.pageIndex(t.hugepageKb());
            n.pageUsage[i] += pagesFor(vn.memMb(), t.hugepageKb());
        } else if (t.pinned() || t.nodeAffinity() >= 0) {
            n.memUsageKb += vn.memMb() * 1024;
        }
        int[] cpus = new int[vn.cpus()];
        int k = 0;
        switch (t.policy()) {
            case CORE -> {
                for (Core c : n.cores) {
                    if (k < cpus.length && c.wholeFree(vmsThread)) {
                        cpus[k++] = c.threads[0];
                        c.owners[0] = vmId;
                        for (int i = 1; i < c.owners.length; i++) {
                            c.owners[i] = -2; // the siblings stay unused: isolation
                        }
                        c.dedicated = true;
                        c.free = 0;
                    }
                }
            }
            case THREAD -> {
                for (Core c : n.cores) {
                    for (int i = 0; i < c.threads.length && k < cpus.length; i++) {
                        if (!c.dedicated && c.owners[i] == -1 && c.free >= vmsThread) {
                            cpus[k++] = c.threads[i];
                            c.owners[i] = vmId;
                            c.free -= vmsThread;
                        }
                    }
                }
            }
            case SHARED -> {
                for (Core c : n.cores) {
                    for (int i = 0; i < c.threads.length && k < cpus.length; i++) {
                        if (!c.dedicated && c.owners[i] == -1 && c.free > 0) {
                            cpus[k++] = c.threads[i];
                            c.free -= 1;
                        }
                    }
                }
            }
            case NONE -> {
                // affinity without pinning: the vCPUs float over every thread of the node
                List<Integer> all = new ArrayList<>();
                for (Core c : n.cores) {
                    for (int th : c.threads) {
                        all.add(th);
                    }
                }
                cpus = all.stream().sorted().mapToInt(Integer::intValue).toArray();
            }
        }
        return new Placed(v, n.id, cpus, vn.cpus(), vn.memMb());
    }

    /**
     * Gives back what VM {@code vmId} holds: its pinned threads and whole cores (found by owner), and for each of
     * its recorded virtual nodes the memory or hugepages on that node and, for SHARED, one unit per recorded thread.
     */
    public void release(int vmId, Topology t, List<Placed> recorded) {
        for (Node n : nodes) {
            for (Core c : n.cores) {
                boolean mine = false;
                for (int i = 0; i < c.owners.length; i++) {
                    if (c.owners[i] == vmId) {
                        mine = true;
                        c.owners[i] = -1;
                        if (!c.dedicated) {
                            c.free = Math.min(c.threads.length * vmsThread, c.free + vmsThread);
                        }
                    }
                }
                if (mine && c.dedicated) {
                    for (int i = 0; i < c.owners.length; i++) {
                        if (c.owners[i] == -2) {
                            c.owners[i] = -1;
                        }
                    }
                    c.dedicated = false;
                    c.free = c.threads.length * vmsThread;
                }
            }
        }
        if (t == null) {
            return;
        }
        for (Placed p : recorded) {
            Node n = node(p.hostNode());
            if (n == null) {
                continue;
            }
            if (t.hugepageKb() > 0) {
                int i = n.pageIndex(t.hugepageKb());
                if (i >= 0) {
                    n.pageUsage[i] = Math.max(0, n.pageUsage[i] - pagesFor(p.memMb(), t.hugepageKb()));
                }
            } else if (t.pinned() || t.nodeAffinity() >= 0) {
                n.memUsageKb = Math.max(0, n.memUsageKb - p.memMb() * 1024);
            }
            if (t.policy() == PinPolicy.SHARED) {
                for (int cpu : p.cpus()) {
                    for (Core c : n.cores) {
                        for (int th : c.threads) {
                            if (th == cpu) {
                                c.free = Math.min(c.threads.length * vmsThread, c.free + 1);
                            }
                        }
                    }
                }
            }
        }
    }

    static long pagesFor(long memMb, long pageKb) {
        return (memMb * 1024 + pageKb - 1) / pageKb;
    }

    static String sizeText(long kb) {
        return kb % (1024 * 1024) == 0 ? kb / (1024 * 1024) + " GB" : kb % 1024 == 0 ? kb / 1024 + " MB" : kb + " KB";
    }
}
