package dev.nimbo.drivers.im;

import dev.nimbo.core.host.MonitoringException;
import dev.nimbo.core.host.NumaNode;
import dev.nimbo.core.host.PciDevice;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The simulated hardware of a {@code dummy} host, read from the host's template. A named profile gives the
 * defaults ({@code DUMMY_PROFILE}, default {@code small}); single attributes override them:
 *
 * <pre>
 * DUMMY_PROFILE    = "telco-large"        small | edge-small | edge-medium | telco-large | gpu
 * NUMA_NODES       = 2                    NUMA nodes (sockets), 1..64
 * CORES_PER_NODE   = 24                   physical cores per node, 1..1024
 * THREADS_PER_CORE = 2                    hardware threads per core, 1..8
 * MEMORY_PER_NODE  = "192G"               memory per node; K, M, G, T suffixes, a plain number is MB
 * HUGEPAGES        = "2M:8192 1G:64"      hugepages per node as SIZE:COUNT (SIZE with K, M or G), "" for none
 * PCI              = "0000:3b:00.0 15b3 101b 0200 SRIOV_VFS=16 NUMA_NODE=0"
 * DISK_SIZE        = "2T"                 local system datastore disk (MAX_DISK)
 * CPU_MODEL        = "Intel(R) Xeon(R) Gold 6338N"   reported as MODELNAME
 * CPU_SPEED        = 2200                 MHz, reported as CPUSPEED
 * DUMMY_REPORT     = [ SITE = "edge-7", GPU = "A100" ]   free attributes the host reports as if probed
 * </pre>
 *
 * <p>PCI lists devices, one per PCI attribute or several separated by ';' or new lines, each as
 * {@code ADDRESS VENDOR DEVICE CLASS [KEY=VALUE ...]}: ADDRESS is {@code dddd:bb:ss.f} or {@code bb:ss.f},
 * VENDOR/DEVICE/CLASS four hex digits. Options: {@code SRIOV_VFS=N} makes the device an SR-IOV physical
 * function with N virtual functions (at slots after the PF's: VF i is {@code bb:(ss+1+i/8).(i%8)}),
 * {@code VF_DEVICE=hhhh} their device ID (default: a known VF ID for the PF, else the PF's), {@code NUMA_NODE=n}
 * (default: devices spread over the nodes in order; VFs follow their PF), {@code IFNAME=name}.
 *
 * <p>Bad values are reported as a monitoring failure naming the attribute, so the host goes to ERROR
 * with the reason. Immutable.
 */
public record DummyHardware(String profile, int numaNodes, int coresPerNode, int threadsPerCore, long memoryPerNodeKb,
                           List<HugePages> hugePages, List<PciDevice> pciDevices, long diskMb, String cpuModel,
                           int cpuSpeedMhz, Map<String, String> reported) {

    /** Hugepages of one size on each node. */
    public record HugePages(long sizeKb, long pagesPerNode) {
    }

    private record Profile(int nodes, int cores, int threads, String memoryPerNode, String hugePages, String pci,
                           String disk, String cpuModel, int cpuSpeed) {
    }

    private static final Map<String, Profile> PROFILES = new LinkedHashMap<>();

    static {
        PROFILES.put("small", new Profile(1, 4, 2, "8G", "2M:0 1G:0", "", "100G",
                "Intel(R) Xeon(R) CPU E3-1230 v6", 3500));
        PROFILES.put("edge-small", new Profile(1, 8, 2, "32G", "2M:2048 1G:0",
                "0000:01:00.0 8086 1572 0200 SRIOV_VFS=4", "500G", "Intel(R) Xeon(R) D-2146NT", 2300));
        PROFILES.put("edge-medium", new Profile(2, 12, 2, "64G", "2M:4096 1G:8",
                "0000:3b:00.0 15b3 1017 0200 SRIOV_VFS=8 NUMA_NODE=0", "1T", "Intel(R) Xeon(R) Silver 4310", 2100));
        PROFILES.put("telco-large", new Profile(2, 24, 2, "192G", "2M:8192 1G:64",
                "0000:3b:00.0 15b3 101b 0200 SRIOV_VFS=16 NUMA_NODE=0; 0000:d8:00.0 15b3 101b 0200 SRIOV_VFS=16 NUMA_NODE=1",
                "2T", "Intel(R) Xeon(R) Gold 6338N", 2200));
        PROFILES.put("gpu", new Profile(2, 16, 2, "256G", "2M:0 1G:32",
                "0000:17:00.0 10de 20b5 0302 NUMA_NODE=0; 0000:65:00.0 10de 20b5 0302 NUMA_NODE=1", "2T",
                "AMD EPYC 7313", 3000));
    }

    private static final Map<String, String> VENDORS = Map.of(
            "15b3", "Mellanox Technologies", "8086", "Intel Corporation", "10de", "NVIDIA Corporation",
            "14e4", "Broadcom Inc. and subsidiaries", "1af4", "Red Hat, Inc.", "1077", "QLogic Corp.");
    private static final Map<String, String> DEVICES = Map.of(
            "15b3:1017", "MT27800 Family [ConnectX-5]", "15b3:1018", "MT27800 Family [ConnectX-5 Virtual Function]",
            "15b3:101b", "MT28908 Family [ConnectX-6]", "15b3:101c", "MT28908 Family [ConnectX-6 Virtual Function]",
            "8086:1572", "Ethernet Controller X710 for 10GbE SFP+", "8086:154c", "Ethernet Virtual Function 700 Series",
            "10de:20b5", "GA100 [A100 PCIe 80GB]");
    private static final Map<String, String> VF_DEVICES = Map.of("15b3:1017", "1018", "15b3:101b", "101c",
            "8086:1572", "154c", "8086:158b", "154c", "15b3:1015", "1016");
    private static final Map<String, String> CLASSES = Map.of(
            "0200", "Ethernet controller", "0207", "Infiniband controller", "0300", "VGA compatible controller",
            "0302", "3D controller", "0108", "Non-Volatile memory controller", "0c03", "USB controller",
            "1200", "Processing accelerators");

    public DummyHardware {
        hugePages = List.copyOf(hugePages);
        pciDevices = List.copyOf(pciDevices);
        reported = Map.copyOf(reported);
    }

    /** The profile names, for documentation and error messages. */
    public static Set<String> profiles() {
        return PROFILES.keySet();
    }

    /** Reads the hardware from a host template; throws MonitoringException naming what is wrong. */
    public static DummyHardware from(Template t) {
        String profileName = value(t, "DUMMY_PROFILE", "small").toLowerCase(Locale.ROOT);
        Profile p = PROFILES.get(profileName);
        if (p == null) {
            throw bad("DUMMY_PROFILE", profileName, "one of " + String.join(", ", PROFILES.keySet()));
        }
        int nodes = intIn(t, "NUMA_NODES", p.nodes(), 1, 64);
        int cores = intIn(t, "CORES_PER_NODE", p.cores(), 1, 1024);
        int threads = intIn(t, "THREADS_PER_CORE", p.threads(), 1, 8);
        long memKb = sizeKb("MEMORY_PER_NODE", value(t, "MEMORY_PER_NODE", p.memoryPerNode()), 1024);
        if (memKb <= 0) {
            throw bad("MEMORY_PER_NODE", value(t, "MEMORY_PER_NODE", ""), "a positive size such as 32G");
        }
        List<HugePages> pages = hugePages(value(t, "HUGEPAGES", p.hugePages()));
        List<PciDevice> pci = pci(pciSpecs(t, p.pci()), nodes);
        long diskMb = sizeKb("DISK_SIZE", value(t, "DISK_SIZE", p.disk()), 1024) / 1024;
        String model = value(t, "CPU_MODEL", p.cpuModel());
        int speed = intIn(t, "CPU_SPEED", p.cpuSpeed(), 1, 100_000);
        Map<String, String> reported = new TreeMap<>();
        for (VectorAttribute v : t.vectors("DUMMY_REPORT")) {
            for (SingleAttribute a : v.values()) {
                reported.put(a.name(), a.value());
            }
        }
        return new DummyHardware(profileName, nodes, cores, threads, memKb, pages, pci, diskMb, model, speed, reported);
    }

    // ------------------------------------------------------------------ derived figures

    public int threadCount() {
        return numaNodes * coresPerNode * threadsPerCore;
    }

    /** TOTALCPU: one hundred per hardware thread. */
    public long totalCpu() {
        return threadCount() * 100L;
    }

    public long totalMemoryKb() {
        return numaNodes * memoryPerNodeKb;
    }

    /**
     * The NUMA topology, numbered as Linux does on such machines: core {@code c} of node {@code n} has ID
     * {@code n*cores + c} and its threads are that ID plus multiples of the machine's core count.
     */
    public List<NumaNode> topology() {
        List<NumaNode> out = new ArrayList<>(numaNodes);
        int allCores = numaNodes * coresPerNode;
        for (int n = 0; n < numaNodes; n++) {
            List<NumaNode.Core> cores = new ArrayList<>(coresPerNode);
            for (int c = 0; c < coresPerNode; c++) {
                int coreId = n * coresPerNode + c;
                List<Integer> threads = new ArrayList<>(threadsPerCore);
                for (int k = 0; k < threadsPerCore; k++) {
                    threads.add(coreId + k * allCores);
                }
                cores.add(NumaNode.Core.fresh(coreId, threads, 1));
            }
            List<NumaNode.HugePage> hp = new ArrayList<>(hugePages.size());
            for (HugePages h : hugePages) {
                hp.add(new NumaNode.HugePage(h.sizeKb(), h.pagesPerNode(), 0));
            }
            StringBuilder distance = new StringBuilder().append(n);
            for (int o = 0; o < numaNodes; o++) {
                if (o != n) {
                    distance.append(' ').append(o);
                }
            }
            out.add(new NumaNode(n, cores, hp, new NumaNode.Memory(distance.toString(), memoryPerNodeKb, 0)));
        }
        return out;
    }

    // ------------------------------------------------------------------ parsing

    private static String value(Template t, String name, String dflt) {
        String v = t.get(name);
        return v == null || v.isBlank() ? dflt : v.strip();
    }

    private static int intIn(Template t, String name, int dflt, int min, int max) {
        String v = t.get(name);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(name, v, "an integer from " + min + " to " + max);
    }

    /** A size with K/M/G/T (binary) in KB; a plain number is in {@code plainUnitKb}. */
    static long sizeKb(String attribute, String text, long plainUnitKb) {
        String s = text.strip().toUpperCase(Locale.ROOT);
        if (s.endsWith("B") && s.length() > 1 && !Character.isDigit(s.charAt(s.length() - 2))) {
            s = s.substring(0, s.length() - 1); // "32GB" -> "32G"
        }
        long unit = plainUnitKb;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'K' -> unit = 1;
                case 'M' -> unit = 1024;
                case 'G' -> unit = 1024L * 1024;
                case 'T' -> unit = 1024L * 1024 * 1024;
                default -> unit = -1;
            }
            if (unit > 0) {
                s = s.substring(0, s.length() - 1).strip();
            } else {
                unit = plainUnitKb;
            }
        }
        try {
            long n = Long.parseLong(s);
            if (n >= 0 && n <= Long.MAX_VALUE / unit) {
                return n * unit;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(attribute, text, "a size such as 512M, 32G or 2T");
    }

    static List<HugePages> hugePages(String spec) {
        List<HugePages> out = new ArrayList<>();
        Set<Long> sizes = new HashSet<>();
        for (String item : spec.split("[\\s,]+")) {
            if (item.isEmpty()) {
                continue;
            }
            int colon = item.indexOf(':');
            if (colon <= 0) {
                throw bad("HUGEPAGES", spec, "SIZE:COUNT pairs such as \"2M:1024 1G:4\"");
            }
            long size = sizeKb("HUGEPAGES", item.substring(0, colon), 1);
            long count;
            try {
                count = Long.parseLong(item.substring(colon + 1));
            } catch (NumberFormatException e) {
                count = -1;
            }
            if (size <= 0 || count < 0) {
                throw bad("HUGEPAGES", spec, "SIZE:COUNT pairs such as \"2M:1024 1G:4\"");
            }
            if (!sizes.add(size)) {
                throw bad("HUGEPAGES", spec, "each page size once");
            }
            out.add(new HugePages(size, count));
        }
        out.sort((a, b) -> Long.compare(a.sizeKb(), b.sizeKb()));
        return out;
    }

    private static List<String> pciSpecs(Template t, String profileSpec) {
        List<String> specs = new ArrayList<>();
        boolean own = false;
        for (Attribute a : t.all("PCI")) {
            if (a instanceof SingleAttribute s) {
                own = true;
                specs.add(s.value());
            }
        }
        if (!own) {
            specs.add(profileSpec);
        }
        List<String> out = new ArrayList<>();
        for (String s : specs) {
            for (String line : s.split("[;\\n]")) {
                if (!line.isBlank()) {
                    out.add(line.strip());
                }
            }
        }
        return out;
    }

    /** PCI devices (physical functions first, each followed by its virtual functions), addresses unique. */
    static List<PciDevice> pci(List<String> specs, int numaNodes) {
        List<PciDevice> out = new ArrayList<>();
        Set<String> addresses = new HashSet<>();
        int index = 0;
        for (String spec : specs) {
            String[] f = spec.split("\\s+");
            if (f.length < 4) {
                throw bad("PCI", spec, "ADDRESS VENDOR DEVICE CLASS [KEY=VALUE ...]");
            }
            int[] addr = address(spec, f[0]);
            String vendor = hex4(spec, f[1], "VENDOR");
            String device = hex4(spec, f[2], "DEVICE");
            String cls = hex4(spec, f[3], "CLASS");
            int vfs = 0;
            String vfDevice = VF_DEVICES.getOrDefault(vendor + ":" + device, device);
            int node = index % numaNodes;
            String ifname = null;
            for (int i = 4; i < f.length; i++) {
                int eq = f[i].indexOf('=');
                if (eq <= 0) {
                    throw bad("PCI", spec, "options as KEY=VALUE (SRIOV_VFS, VF_DEVICE, NUMA_NODE, IFNAME)");
                }
                String key = f[i].substring(0, eq).toUpperCase(Locale.ROOT);
                String val = f[i].substring(eq + 1);
                switch (key) {
                    case "SRIOV_VFS" -> vfs = intOption(spec, key, val, 0, 256);
                    case "VF_DEVICE" -> vfDevice = hex4(spec, val, "VF_DEVICE");
                    case "NUMA_NODE" -> node = intOption(spec, key, val, 0, numaNodes - 1);
                    case "IFNAME" -> ifname = val;
                    default -> throw bad("PCI", spec, "options SRIOV_VFS, VF_DEVICE, NUMA_NODE or IFNAME, not " + key);
                }
            }
            boolean net = cls.startsWith("02");
            String pfIf = ifname != null ? ifname : net ? "enp" + addr[1] + "s" + addr[2] + "f" + addr[3] : "-";
            out.add(device(spec, addresses, addr, vendor, device, cls, node, pfIf,
                    vfs > 0 ? PciDevice.SRIOV_PF : PciDevice.SRIOV_NONE, vfs > 0 ? String.valueOf(vfs) : null));
            for (int v = 0; v < vfs; v++) {
                int[] va = {addr[0], addr[1], addr[2] + 1 + v / 8, v % 8};
                if (va[2] > 0x1f) {
                    throw bad("PCI", spec, "fewer virtual functions: they would pass slot 1f");
                }
                out.add(device(spec, addresses, va, vendor, vfDevice, cls, node, net ? pfIf + "v" + v : "-",
                        PciDevice.SRIOV_VF, null));
            }
            index++;
        }
        return out;
    }

    private static PciDevice device(String spec, Set<String> taken, int[] a, String vendor, String device, String cls,
                                    int node, String ifname, String sriov, String sriovNum) {
        String domain = String.format("%04x", a[0]);
        String bus = String.format("%02x", a[1]);
        String slot = String.format("%02x", a[2]);
        String function = String.valueOf(a[3]);
        String address = domain + ":" + bus + ":" + slot + ":" + function;
        if (!taken.add(address)) {
            throw bad("PCI", spec, "unique addresses, but " + domain + ":" + bus + ":" + slot + "." + function
                    + " is used twice");
        }
        Map<String, String> m = new TreeMap<>();
        m.put("ADDRESS", address);
        m.put("SHORT_ADDRESS", bus + ":" + slot + "." + function);
        m.put("DOMAIN", domain);
        m.put("BUS", bus);
        m.put("SLOT", slot);
        m.put("FUNCTION", function);
        m.put("VENDOR", vendor);
        m.put("VENDOR_NAME", VENDORS.getOrDefault(vendor, "Vendor " + vendor));
        m.put("DEVICE", device);
        m.put("DEVICE_NAME", DEVICES.getOrDefault(vendor + ":" + device, "Device " + device));
        m.put("CLASS", cls);
        m.put("CLASS_NAME", CLASSES.getOrDefault(cls, "Class " + cls));
        m.put("TYPE", vendor + ":" + device + ":" + cls);
        m.put("NUMA_NODE", String.valueOf(node));
        m.put("IFNAME", ifname);
        m.put("SRIOV", sriov);
        if (sriovNum != null) {
            m.put("SRIOV_NUM", sriovNum);
        }
        m.put("VMID", "-1");
        return PciDevice.of(m);
    }

    /** [domain, bus, slot, function] from dddd:bb:ss.f or bb:ss.f. */
    private static int[] address(String spec, String text) {
        String[] parts = text.split("[:.]");
        if (parts.length == 3) {
            parts = new String[] {"0000", parts[0], parts[1], parts[2]};
        }
        try {
            if (parts.length == 4 && parts[0].length() <= 4 && parts[1].length() == 2 && parts[2].length() == 2
                    && parts[3].length() == 1) {
                int[] a = {Integer.parseInt(parts[0], 16), Integer.parseInt(parts[1], 16),
                    Integer.parseInt(parts[2], 16), Integer.parseInt(parts[3], 16)};
                if (a[2] <= 0x1f && a[3] <= 7) {
                    return a;
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad("PCI", spec, "an address such as 0000:3b:00.0 (slot up to 1f, function up to 7)");
    }

    private static String hex4(String spec, String text, String what) {
        if (!text.matches("[0-9a-fA-F]{4}")) {
            throw bad("PCI", spec, what + " as four hex digits, not '" + text + "'");
        }
        return text.toLowerCase(Locale.ROOT);
    }

    private static int intOption(String spec, String key, String val, int min, int max) {
        try {
            int n = Integer.parseInt(val);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad("PCI", spec, key + " from " + min + " to " + max);
    }

    private static MonitoringException bad(String attribute, String value, String expected) {
        return new MonitoringException("dummy: " + attribute + " must be " + expected + ", got '" + value + "'");
    }
}
