package dev.nimbo.agent.host;

import dev.nimbo.core.host.HostMonitoring;
import dev.nimbo.core.host.HostShare;
import dev.nimbo.core.host.MonitoringSample;
import dev.nimbo.core.host.NumaNode;
import dev.nimbo.core.host.PciDevice;
import dev.nimbo.core.template.Template;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What the host has and how busy it is, read from /proc and /sys (a root path, so tests can give a fake tree):
 * CPU model, speed and flags, hardware threads by core and NUMA node, memory per node, hugepages per size per node,
 * PCI devices (vendor, device, class, NUMA node, SR-IOV physical/virtual functions) matching the configured filter,
 * CPU use since the previous probe, network counters, and the data directory's disk. Keeps the previous CPU sample;
 * thread-safe.
 */
public final class HostProbe {
    private final Path proc;
    private final Path sys;
    private final Path dataDir;
    private final List<String> pciFilter;
    private long[] lastCpu;

    /**
     * @param pciFilter "vendor:device" patterns (hex, {@code *} for any) of PCI devices to report; empty for none,
     *                  as OpenNebula's default
     */
    public HostProbe(Path proc, Path sys, Path dataDir, List<String> pciFilter) {
        this.proc = proc;
        this.sys = sys;
        this.dataDir = dataDir;
        this.pciFilter = List.copyOf(pciFilter);
    }

    public HostMonitoring probe(String hypervisor, Map<String, String> extra) throws IOException {
        Map<String, String> cpuinfo = firstCpu();
        List<NumaNode> nodes = numa();
        int threads = 0;
        for (NumaNode n : nodes) {
            threads += n.threadCount();
        }
        if (threads == 0) {
            threads = Runtime.getRuntime().availableProcessors();
        }
        Map<String, Long> mem = meminfo(proc.resolve("meminfo"));
        long totalMem = mem.getOrDefault("MemTotal", 0L);
        long freeMem = mem.getOrDefault("MemAvailable", mem.getOrDefault("MemFree", 0L));
        long totalCpu = threads * 100L;
        long usedCpu = Math.round(totalCpu * cpuBusy());
        Template attrs = Template.EMPTY.with("HYPERVISOR", hypervisor).with("ARCH", System.getProperty("os.arch")
                        .replace("amd64", "x86_64"))
                .with("MODELNAME", cpuinfo.getOrDefault("model name", ""))
                .with("CPUSPEED", Long.toString(Math.round(parse(cpuinfo.getOrDefault("cpu MHz", "0")))))
                .with("HOSTNAME", hostname()).with("TOTALCPU", Long.toString(totalCpu))
                .with("TOTALMEMORY", Long.toString(totalMem))
                .with("KVM_CPU_FEATURES", String.join(",", cpuinfo.getOrDefault("flags", "").split("\\s+")));
        for (Map.Entry<String, String> e : extra.entrySet()) {
            attrs = attrs.with(e.getKey(), e.getValue());
        }
        List<MonitoringSample.NumaUsage> usage = new ArrayList<>();
        for (NumaNode n : nodes) {
            Map<String, Long> nm = meminfo(sys.resolve("devices/system/node/node" + n.nodeId() + "/meminfo"));
            long free = nm.getOrDefault("MemFree", 0L);
            List<MonitoringSample.HugePageFree> pages = new ArrayList<>();
            for (NumaNode.HugePage p : n.hugePages()) {
                pages.add(new MonitoringSample.HugePageFree(p.sizeKb(), readLong(sys.resolve("devices/system/node/node"
                        + n.nodeId() + "/hugepages/hugepages-" + p.sizeKb() + "kB/free_hugepages"))));
            }
            usage.add(new MonitoringSample.NumaUsage(n.nodeId(), pages, free, n.memory().totalKb() - free));
        }
        long[] net = net();
        long now = System.currentTimeMillis() / 1000;
        MonitoringSample sample = MonitoringSample.of(-1, now, totalCpu - usedCpu, usedCpu, freeMem,
                totalMem - freeMem, net[0], net[1], usage);
        Files.createDirectories(dataDir);
        java.nio.file.FileStore fs = Files.getFileStore(dataDir);
        long maxMb = fs.getTotalSpace() / (1024 * 1024);
        long freeMb = fs.getUsableSpace() / (1024 * 1024);
        HostShare.Disk disk = new HostShare.Disk(0, List.of(), freeMb, maxMb, maxMb - freeMb);
        return new HostMonitoring(attrs, totalCpu, totalMem, disk, nodes, pci(), sample);
    }

    // ------------------------------------------------------------------ CPU

    private Map<String, String> firstCpu() throws IOException {
        Map<String, String> m = new TreeMap<>();
        for (String line : Files.readAllLines(proc.resolve("cpuinfo"))) {
            if (line.isBlank() && !m.isEmpty()) {
                break;
            }
            int c = line.indexOf(':');
            if (c > 0) {
                m.putIfAbsent(line.substring(0, c).strip(), line.substring(c + 1).strip());
            }
        }
        return m;
    }

    /** The fraction of CPU time busy since the previous probe (since boot the first time). */
    private synchronized double cpuBusy() throws IOException {
        for (String line : Files.readAllLines(proc.resolve("stat"))) {
            if (line.startsWith("cpu ")) {
                String[] f = line.strip().split("\\s+");
                long total = 0;
                for (int i = 1; i < f.length; i++) {
                    total += Long.parseLong(f[i]);
                }
                long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
                long[] prev = lastCpu;
                lastCpu = new long[] {total, idle};
                long dt = prev == null ? total : total - prev[0];
                long di = prev == null ? idle : idle - prev[1];
                return dt <= 0 ? 0 : Math.min(1, Math.max(0, 1.0 - (double) di / dt));
            }
        }
        return 0;
    }

    // ------------------------------------------------------------------ NUMA

    List<NumaNode> numa() throws IOException {
        Path nodeDir = sys.resolve("devices/system/node");
        List<Integer> ids = new ArrayList<>();
        if (Files.isDirectory(nodeDir)) {
            try (Stream<Path> s = Files.list(nodeDir)) {
                s.map(p -> p.getFileName().toString()).filter(n -> n.matches("node\\d+"))
                        .forEach(n -> ids.add(Integer.parseInt(n.substring(4))));
            }
        }
        ids.sort(null);
        List<NumaNode> out = new ArrayList<>();
        if (ids.isEmpty()) {
            // no NUMA support in the kernel: one node with every CPU
            out.add(node(0, cpuList(read(sys.resolve("devices/system/cpu/online"))), null));
            return out;
        }
        for (int id : ids) {
            Path d = nodeDir.resolve("node" + id);
            out.add(node(id, cpuList(read(d.resolve("cpulist"))), d));
        }
        return out;
    }

    private NumaNode node(int id, List<Integer> cpus, Path dir) throws IOException {
        // threads grouped by (package, core): their siblings share a core
        Map<String, List<Integer>> byCore = new TreeMap<>();
        for (int cpu : cpus) {
            Path topo = sys.resolve("devices/system/cpu/cpu" + cpu + "/topology");
            String key = readLong(topo.resolve("physical_package_id")) + ":" + readLong(topo.resolve("core_id"));
            byCore.computeIfAbsent(key, k -> new ArrayList<>()).add(cpu);
        }
        List<NumaNode.Core> cores = new ArrayList<>();
        for (List<Integer> threads : byCore.values()) {
            cores.add(NumaNode.Core.fresh(threads.get(0), threads, 1));
        }
        cores.sort((a, b) -> Integer.compare(a.id(), b.id()));
        List<NumaNode.HugePage> pages = new ArrayList<>();
        long totalKb;
        String distance = Integer.toString(id);
        if (dir != null) {
            Path hp = dir.resolve("hugepages");
            if (Files.isDirectory(hp)) {
                try (Stream<Path> s = Files.list(hp)) {
                    for (Path p : s.sorted().toList()) {
                        String n = p.getFileName().toString();
                        if (n.startsWith("hugepages-") && n.endsWith("kB")) {
                            long size = Long.parseLong(n.substring(10, n.length() - 2));
                            pages.add(new NumaNode.HugePage(size, readLong(p.resolve("nr_hugepages")), 0));
                        }
                    }
                }
            }
            pages.sort((a, b) -> Long.compare(a.sizeKb(), b.sizeKb()));
            totalKb = meminfo(dir.resolve("meminfo")).getOrDefault("MemTotal", 0L);
            String dist = read(dir.resolve("distance"));
            if (!dist.isBlank()) {
                distance = orderByDistance(id, dist.strip().split("\\s+"));
            }
        } else {
            totalKb = meminfo(proc.resolve("meminfo")).getOrDefault("MemTotal", 0L);
        }
        return new NumaNode(id, cores, pages, new NumaNode.Memory(distance, totalKb, 0));
    }

    /** Node IDs from nearest to farthest (this node first), as DISTANCE lists them. */
    static String orderByDistance(int self, String[] distances) {
        List<int[]> d = new ArrayList<>();
        for (int i = 0; i < distances.length; i++) {
            d.add(new int[] {i, Integer.parseInt(distances[i])});
        }
        d.sort((a, b) -> a[1] != b[1] ? Integer.compare(a[1], b[1]) : Integer.compare(a[0] == self ? -1 : a[0],
                b[0] == self ? -1 : b[0]));
        StringBuilder b = new StringBuilder();
        for (int[] x : d) {
            b.append(b.isEmpty() ? "" : " ").append(x[0]);
        }
        return b.toString();
    }

    static List<Integer> cpuList(String text) {
        List<Integer> out = new ArrayList<>();
        for (String part : text.strip().split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int dash = part.indexOf('-');
            if (dash < 0) {
                out.add(Integer.parseInt(part.strip()));
            } else {
                for (int i = Integer.parseInt(part.substring(0, dash).strip());
                     i <= Integer.parseInt(part.substring(dash + 1).strip()); i++) {
                    out.add(i);
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ PCI

    List<PciDevice> pci() throws IOException {
        Path devs = sys.resolve("bus/pci/devices");
        List<PciDevice> out = new ArrayList<>();
        if (pciFilter.isEmpty() || !Files.isDirectory(devs)) {
            return out;
        }
        try (Stream<Path> s = Files.list(devs)) {
            for (Path d : s.sorted().toList()) {
                String addr = d.getFileName().toString(); // dddd:bb:ss.f
                String vendor = hex4(read(d.resolve("vendor")));
                String device = hex4(read(d.resolve("device")));
                if (!matches(vendor, device)) {
                    continue;
                }
                String cls = read(d.resolve("class")).strip().replace("0x", "");
                cls = cls.length() >= 4 ? cls.substring(0, 4) : cls;
                String[] p = addr.split("[:.]");
                Map<String, String> a = new TreeMap<>();
                a.put("ADDRESS", p[0] + ":" + p[1] + ":" + p[2] + ":" + p[3]);
                a.put("SHORT_ADDRESS", p[1] + ":" + p[2] + "." + p[3]);
                a.put("DOMAIN", p[0]);
                a.put("BUS", p[1]);
                a.put("SLOT", p[2]);
                a.put("FUNCTION", p[3]);
                a.put("VENDOR", vendor);
                a.put("DEVICE", device);
                a.put("CLASS", cls);
                a.put("TYPE", vendor + ":" + device + ":" + cls);
                String numaNode = read(d.resolve("numa_node")).strip();
                a.put("NUMA_NODE", numaNode.isEmpty() || numaNode.equals("-1") ? "0" : numaNode);
                if (Files.exists(d.resolve("physfn"))) {
                    a.put("SRIOV", PciDevice.SRIOV_VF);
                    a.put("PARENT", d.resolve("physfn").toRealPath().getFileName().toString());
                } else if (readLong(d.resolve("sriov_totalvfs")) > 0) {
                    a.put("SRIOV", PciDevice.SRIOV_PF);
                    a.put("SRIOV_NUM", Long.toString(readLong(d.resolve("sriov_numvfs"))));
                } else {
                    a.put("SRIOV", PciDevice.SRIOV_NONE);
                }
                Path net = d.resolve("net");
                if (Files.isDirectory(net)) {
                    try (Stream<Path> n = Files.list(net)) {
                        n.findFirst().ifPresent(i -> a.put("IFNAME", i.getFileName().toString()));
                    }
                }
                out.add(PciDevice.of(a));
            }
        }
        return out;
    }

    private boolean matches(String vendor, String device) {
        for (String f : pciFilter) {
            String[] p = f.strip().toLowerCase(Locale.ROOT).split(":");
            if (p.length == 2 && (p[0].equals("*") || p[0].equals(vendor)) && (p[1].equals("*") || p[1].equals(device))) {
                return true;
            }
        }
        return false;
    }

    private static String hex4(String v) {
        String s = v.strip().toLowerCase(Locale.ROOT).replace("0x", "");
        return s.length() > 4 ? s.substring(s.length() - 4) : s;
    }

    // ------------------------------------------------------------------ misc

    private long[] net() throws IOException {
        long rx = 0;
        long tx = 0;
        Path dev = proc.resolve("net/dev");
        if (!Files.exists(dev)) {
            return new long[] {0, 0};
        }
        for (String line : Files.readAllLines(dev)) {
            int c = line.indexOf(':');
            if (c < 0 || line.substring(0, c).strip().equals("lo")) {
                continue;
            }
            String[] f = line.substring(c + 1).strip().split("\\s+");
            if (f.length >= 9) {
                rx += Long.parseLong(f[0]);
                tx += Long.parseLong(f[8]);
            }
        }
        return new long[] {rx, tx};
    }

    static Map<String, Long> meminfo(Path file) throws IOException {
        Map<String, Long> m = new TreeMap<>();
        if (!Files.exists(file)) {
            return m;
        }
        for (String line : Files.readAllLines(file)) {
            // "MemTotal:  123 kB" or, per node, "Node 0 MemTotal:  123 kB"
            String l = line.replaceFirst("^Node \\d+ ", "");
            int c = l.indexOf(':');
            if (c > 0) {
                String[] v = l.substring(c + 1).strip().split("\\s+");
                try {
                    m.put(l.substring(0, c).strip(), Long.parseLong(v[0]));
                } catch (NumberFormatException e) {
                    // not a number: not one we use
                }
            }
        }
        return m;
    }

    private static String hostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static String read(Path p) throws IOException {
        return Files.isRegularFile(p) ? Files.readString(p) : "";
    }

    private static long readLong(Path p) throws IOException {
        String s = read(p).strip();
        try {
            return s.isEmpty() ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static double parse(String s) {
        try {
            return Double.parseDouble(s.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
