package dev.nimbo.core.epa;

import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.HostShare;
import dev.nimbo.core.host.PciDevice;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.List;

/**
 * A VM's share of a host inside the host: PCI devices and, for a TOPOLOGY asking for it, pinned cores or threads,
 * NUMA memory and hugepages. {@link #acquire} takes them when the VM is placed (in the same controller action as
 * the deploy, so two VMs can never get the same core, page or device: the single writer re-checks against the
 * current host) and records them in the VM (each PCI vector's ADDRESS…, each NUMA_NODE's CPUS and MEMORY_NODE_ID);
 * {@link #release} gives them back when the VM leaves. Pure functions on immutable versions.
 */
public final class Epa {

    /** The host with the VM's share taken and the VM template recording it. */
    public record Acquired(Host host, Template vmTemplate) {
    }

    private Epa() {
    }

    /** The VM's PCI requests, in template order. */
    public static List<VectorAttribute> pciRequests(Template vm) {
        List<VectorAttribute> out = new ArrayList<>();
        for (VectorAttribute p : vm.vectors("PCI")) {
            if (PciFit.isRequest(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /** Takes devices and NUMA resources on {@code h} for VM {@code vmId}; throws {@link EpaException} when short. */
    public static Acquired acquire(Host h, int vmId, Template vm) {
        List<VectorAttribute> requests = pciRequests(vm);
        Topology topology = Topology.of(vm);
        if (requests.isEmpty() && topology == null) {
            return new Acquired(h, vm);
        }
        HostShare s = h.share();
        List<PciDevice> devices = s.pciDevices();
        List<VectorAttribute> granted = new ArrayList<>();
        List<Integer> ioNodes = new ArrayList<>();
        if (!requests.isEmpty()) {
            int[] picks = PciFit.pick(devices, requests);
            List<PciDevice> next = new ArrayList<>(devices);
            for (int r = 0; r < picks.length; r++) {
                PciDevice d = next.get(picks[r]);
                next.set(picks[r], d.with("VMID", Integer.toString(vmId)));
                VectorAttribute v = requests.get(r);
                for (String k : PciFit.FROM_DEVICE) {
                    if (d.get(k) != null) {
                        v = v.with(k, d.get(k));
                    }
                }
                granted.add(v);
                String node = d.get("NUMA_NODE");
                if (node != null && node.strip().matches("\\d+")) {
                    ioNodes.add(Integer.parseInt(node.strip()));
                }
            }
            devices = next;
        }
        List<dev.nimbo.core.host.NumaNode> numa = s.numaNodes();
        List<VectorAttribute> vnodes = List.of();
        if (topology != null) {
            NumaState state = NumaState.of(numa, s.vmsThread());
            List<NumaState.Placed> placed = state.assign(topology, topology.pinned() ? ioNodes : List.of(), vmId);
            numa = state.toNodes();
            vnodes = records(placed);
        }
        HostShare share = new HostShare(s.memUsage(), s.cpuUsage(), s.totalMem(), s.totalCpu(), s.maxMem(),
                s.maxCpu(), s.runningVms(), s.vmsThread(), s.disk(), devices, numa);
        return new Acquired(h.withShare(share), replace(replace(vm, "PCI", requests, granted), "NUMA_NODE", null,
                vnodes));
    }

    /** The host without the VM's pinned CPUs, NUMA memory and hugepages (devices: see VmPci). */
    public static Host release(Host h, int vmId, Template vm) {
        Topology t;
        try {
            t = Topology.of(vm);
        } catch (EpaException e) {
            t = null;
        }
        HostShare s = h.share();
        if (s.numaNodes().isEmpty()) {
            return h;
        }
        NumaState state = NumaState.of(s.numaNodes(), s.vmsThread());
        state.release(vmId, t, recorded(vm));
        List<dev.nimbo.core.host.NumaNode> numa = state.toNodes();
        if (numa.equals(s.numaNodes())) {
            return h;
        }
        return h.withShare(new HostShare(s.memUsage(), s.cpuUsage(), s.totalMem(), s.totalCpu(), s.maxMem(),
                s.maxCpu(), s.runningVms(), s.vmsThread(), s.disk(), s.pciDevices(), numa));
    }

    /**
     * Nimbo's own record of the placement a migrating VM still holds on its source host: copies of its NUMA_NODE
     * vectors with that host's HOST_ID. The NUMA_NODE vectors describe the target once it is acquired, so without
     * this the source would be freed by the target's cores, nodes and hugepages.
     */
    public static final String SOURCE_PLACEMENT = "NUMA_NODE_SOURCE";

    /** The VM template with its current NUMA placement kept as the one on {@code sourceHost} (none: unchanged). */
    public static Template keepSource(Template vm, int sourceHost) {
        List<Attribute> out = new ArrayList<>(vm.without(SOURCE_PLACEMENT).attributes());
        for (VectorAttribute v : vm.vectors("NUMA_NODE")) {
            if (v.get("MEMORY_NODE_ID") != null) {
                out.add(new VectorAttribute(SOURCE_PLACEMENT, v.values()).with("HOST_ID", Integer.toString(sourceHost)));
            }
        }
        return Template.of(out);
    }

    /** The VM template as it was on {@code hostId}: its NUMA_NODEs replaced by the source record for that host. */
    public static Template onHost(Template vm, int hostId) {
        List<VectorAttribute> kept = sourceRecords(vm, hostId);
        if (kept.isEmpty()) {
            return vm;
        }
        return replace(vm, "NUMA_NODE", null, kept);
    }

    /**
     * Once the VM holds one host again: a VM back on its source (a failed migration) gets the source placement
     * back as its NUMA_NODEs; the source record goes either way.
     */
    public static Template settleSource(Template vm, java.util.Set<Integer> held) {
        if (vm.vectors(SOURCE_PLACEMENT).isEmpty() || held.size() > 1) {
            return vm;
        }
        for (int h : held) {
            if (!sourceRecords(vm, h).isEmpty()) {
                return onHost(vm, h).without(SOURCE_PLACEMENT);
            }
        }
        return vm.without(SOURCE_PLACEMENT);
    }

    private static List<VectorAttribute> sourceRecords(Template vm, int hostId) {
        List<VectorAttribute> out = new ArrayList<>();
        for (VectorAttribute v : vm.vectors(SOURCE_PLACEMENT)) {
            if (Integer.toString(hostId).equals(v.get("HOST_ID"))) {
                out.add(new VectorAttribute("NUMA_NODE", v.without("HOST_ID").values()));
            }
        }
        return out;
    }

    /** The NUMA_NODE vectors recording a placement, virtual node order. */
    static List<VectorAttribute> records(List<NumaState.Placed> placed) {
        List<VectorAttribute> out = new ArrayList<>();
        for (NumaState.Placed p : placed) {
            out.add(new VectorAttribute("NUMA_NODE", List.of())
                    .with("CPUS", p.cpuList())
                    .with("MEMORY", Long.toString(p.memMb()))
                    .with("MEMORY_NODE_ID", Integer.toString(p.hostNode()))
                    .with("NODE_ID", Integer.toString(p.vnode()))
                    .with("TOTAL_CPUS", Integer.toString(p.totalCpus())));
        }
        return out;
    }

    /** What the VM's NUMA_NODE vectors say it holds (those with a MEMORY_NODE_ID). */
    static List<NumaState.Placed> recorded(Template vm) {
        List<NumaState.Placed> out = new ArrayList<>();
        int i = 0;
        for (VectorAttribute v : vm.vectors("NUMA_NODE")) {
            String node = v.get("MEMORY_NODE_ID");
            if (node != null && node.strip().matches("\\d+")) {
                String cpus = v.get("CPUS");
                int[] list = cpus == null || cpus.isBlank() ? new int[0]
                        : java.util.Arrays.stream(cpus.split(",")).map(String::strip).filter(x -> x.matches("\\d+"))
                        .mapToInt(Integer::parseInt).toArray();
                long mem = 0;
                try {
                    mem = (long) Double.parseDouble(v.get("MEMORY").strip());
                } catch (RuntimeException e) {
                    // no memory recorded: nothing to give back
                }
                out.add(new NumaState.Placed(i, Integer.parseInt(node.strip()), list, list.length, mem));
            }
            i++;
        }
        return out;
    }

    /**
     * The template with the {@code name} vectors replaced: when {@code old} is given, each of them by the granted
     * one at the same index (others untouched); when null, all of them by {@code granted}, where the first was.
     */
    private static Template replace(Template t, String name, List<VectorAttribute> old, List<VectorAttribute> granted) {
        if (old != null && old.isEmpty()) {
            return t;
        }
        if (old == null && granted.isEmpty()) {
            return t;
        }
        List<Attribute> out = new ArrayList<>();
        boolean placed = false;
        for (Attribute a : t.attributes()) {
            if (a instanceof VectorAttribute v && v.name().equals(name)) {
                if (old == null) {
                    if (!placed) {
                        out.addAll(granted);
                        placed = true;
                    }
                    continue;
                }
                int k = indexOf(old, v);
                out.add(k >= 0 ? granted.get(k) : v);
            } else {
                out.add(a);
            }
        }
        if (old == null && !placed) {
            out.addAll(granted);
        }
        return Template.of(out);
    }

    private static int indexOf(List<VectorAttribute> l, VectorAttribute v) {
        for (int i = 0; i < l.size(); i++) {
            if (l.get(i) == v) {
                return i;
            }
        }
        return -1;
    }
}
