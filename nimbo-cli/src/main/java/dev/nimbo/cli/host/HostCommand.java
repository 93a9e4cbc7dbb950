package dev.nimbo.cli.host;

import dev.nimbo.cli.CliException;
import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.WatchOption;
import dev.nimbo.cli.cluster.ClusterCommand;
import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.output.Table;
import dev.nimbo.cli.output.Times;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Mixin;

/**
 * {@code nimbo host}: hypervisor hosts, their state, capacity, NUMA/PCI inventory and monitoring history
 * (one.host.*, one.hostpool.*). Lists show OpenNebula's STAT names (on, off, dsbl, err, init, update, retry)
 * and allocated CPU (hundredths of a CPU) and memory against what the host offers after reservations.
 */
@Command(name = "host", header = "Manage hosts.", description = {"Example:", "  nimbo host list --filter STAT=err"})
public final class HostCommand extends Family {

    private static final String[] STATE_NAMES = {"INIT", "MONITORING_MONITORED", "MONITORED", "ERROR", "DISABLED",
        "MONITORING_ERROR", "MONITORING_INIT", "MONITORING_DISABLED", "OFFLINE"};
    private static final String[] STAT = {"init", "update", "on", "err", "dsbl", "retry", "init", "dsbl", "off"};

    public static final Kind KIND = new Kind("host", "one.hostpool.info", List.of(), "one.host.info", "HOST",
            List.of(
                    Column.right("ID", (h, p) -> h.text("ID")),
                    Column.wide("NAME", (h, p) -> h.text("NAME")),
                    Column.left("CLUSTER", (h, p) -> h.text("CLUSTER")),
                    Column.right("RVM", (h, p) -> h.text("HOST_SHARE/RUNNING_VMS")),
                    Column.right("ALLOCATED_CPU", (h, p) -> allocatedCpu(h)),
                    Column.right("ALLOCATED_MEM", (h, p) -> allocatedMem(h)),
                    Column.right("REAL_CPU", (h, p) -> realCpu(h)),
                    Column.right("REAL_MEM", (h, p) -> realMem(h)),
                    Column.left("STAT", (h, p) -> stat(h)),
                    Column.left("IM_MAD", (h, p) -> h.text("IM_MAD")),
                    Column.left("VM_MAD", (h, p) -> h.text("VM_MAD")),
                    Column.left("LABELS", (h, p) -> h.text("TEMPLATE/LABELS")),
                    Column.right("CLUSTER_ID", (h, p) -> h.text("CLUSTER_ID"))),
            List.of("ID", "NAME", "CLUSTER", "RVM", "ALLOCATED_CPU", "ALLOCATED_MEM", "STAT"));

    @Command(name = "list", header = "List hosts.",
            description = {"Columns: ID, NAME, CLUSTER, RVM, ALLOCATED_CPU, ALLOCATED_MEM, REAL_CPU, REAL_MEM, STAT,",
                "IM_MAD, VM_MAD, LABELS, CLUSTER_ID. CPU in hundredths of a CPU (800 = 8 CPUs).",
                "Example:", "  nimbo host list --list ID,NAME,STAT,LABELS -w 5"})
    int list(@Mixin WatchOption watch) {
        return list(KIND, watch);
    }

    @Command(name = "show", header = "Show a host: state, capacity, NUMA nodes, PCI devices.",
            description = {"Example:", "  nimbo host show edge-01"})
    int show(@Parameters(paramLabel = "HOST", description = "ID or name") String host) {
        Instant now = io().clock().instant();
        return show(KIND, resolve(KIND, host), h -> detail(h, now));
    }

    @Command(name = "create", header = "Register a host.",
            description = {"Example:", "  nimbo host create edge-01 --im dummy --vm dummy --cluster edge",
                "  nimbo host create kvm-01 --im kvm --vm kvm --token   # then on the host:",
                "  nimbo-agent --frontend FRONTEND:4124 --token TOKEN --data /var/lib/nimbo-agent"})
    int create(@Parameters(paramLabel = "NAME", description = "Host name (its hostname)") String name,
            @Option(names = {"-i", "--im"}, required = true, paramLabel = "IM_MAD", description = "Information driver, e.g. dummy.")
            String im,
            @Option(names = {"-v", "--vm"}, required = true, paramLabel = "VM_MAD", description = "Virtualization driver, e.g. dummy.")
            String vm,
            @Option(names = {"-c", "--cluster"}, paramLabel = "CLUSTER", description = "Cluster ID or name (default: default).")
            String cluster,
            @Option(names = "--token", description = "Also print the one-time enrolment token the host's nimbo-agent"
                    + " needs and when it expires (kvm hosts; host show keeps showing it as AGENT_TOKEN and"
                    + " AGENT_TOKEN_EXPIRES until it is used).")
            boolean token) {
        if (token && !"kvm".equals(im)) {
            throw CliException.usage("--token is for hosts with agents (--im kvm), not --im " + im);
        }
        int cid = cluster == null ? -1 : resolve(ClusterCommand.KIND, cluster);
        int id = api().id("one.host.allocate", name, im, vm, cid);
        printId(id);
        if (token) {
            printToken(id, "was created");
        }
        return ExitCodes.OK;
    }

    @Command(name = "token", header = "Make a new enrolment token for a kvm host (the old one stops working).",
            description = {"For a host whose token expired, or to enrol it again (a new certificate) after its agent",
                "lost its data directory. Tokens last NIMBO_AGENT_TOKEN_LIFETIME seconds (default 24 h).",
                "Example:", "  nimbo host token kvm-01"})
    int token(@Parameters(paramLabel = "HOST", description = "ID or name") String host) {
        int id = resolve(KIND, host);
        api().call("one.host.update", id, "AGENT_TOKEN = \"NEW\"", 1);
        printToken(id, "was updated");
        return ExitCodes.OK;
    }

    /** Prints the host's enrolment token and until when it can be used. */
    private void printToken(int id, String what) {
        XmlNode t = api().xml("one.host.info", id, false).child("TEMPLATE");
        String value = t == null ? "" : t.text("AGENT_TOKEN");
        if (value.isEmpty()) {
            throw CliException.server("host " + id + " " + what + " but the server gave it no AGENT_TOKEN");
        }
        print("TOKEN: " + value + "\n");
        String expires = t.text("AGENT_TOKEN_EXPIRES");
        if (expires.matches("\\d+")) {
            print("EXPIRES: " + Instant.ofEpochSecond(Long.parseLong(expires)) + "\n");
        }
    }

    @Command(name = "delete", header = "Delete hosts (refused while they have VMs).",
            description = {"Example:", "  nimbo host delete edge-01 edge-02"})
    int delete(@Parameters(arity = "1..*", paramLabel = "HOST", description = "IDs or names") List<String> hosts) {
        for (String h : hosts) {
            api().call("one.host.delete", resolve(KIND, h));
        }
        return ExitCodes.OK;
    }

    @Command(name = "enable", header = "Enable hosts: monitored and used for new VMs.",
            description = {"Example:", "  nimbo host enable edge-01"})
    int enable(@Parameters(arity = "1..*", paramLabel = "HOST") List<String> hosts) {
        return status(hosts, 0);
    }

    @Command(name = "disable", header = "Disable hosts: monitored, but the scheduler places no VMs there.",
            description = {"Example:", "  nimbo host disable edge-01"})
    int disable(@Parameters(arity = "1..*", paramLabel = "HOST") List<String> hosts) {
        return status(hosts, 1);
    }

    @Command(name = "offline", header = "Take hosts offline: not monitored, not used.",
            description = {"Example:", "  nimbo host offline edge-01"})
    int offline(@Parameters(arity = "1..*", paramLabel = "HOST") List<String> hosts) {
        return status(hosts, 2);
    }

    private int status(List<String> hosts, int status) {
        for (String h : hosts) {
            api().call("one.host.status", resolve(KIND, h), status);
        }
        return ExitCodes.OK;
    }

    @Command(name = "update", header = "Replace or merge a host's template (labels, reservations, dummy hardware).",
            description = {"Without FILE, $EDITOR opens on the current template; '-' reads standard input.",
                "Example:", "  echo 'LABELS=\"prod,edge\"' | nimbo host update edge-01 - --append"})
    int update(@Parameters(index = "0", paramLabel = "HOST") String host,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file,
            @Option(names = {"-a", "--append"}, description = "Merge into the template instead of replacing it.") boolean append) {
        int id = resolve(KIND, host);
        String text = templateInput(file, () -> TemplateText.render(api().xml(KIND.infoMethod(), id, false).at("TEMPLATE")));
        if (text != null) {
            api().call("one.host.update", id, text, append ? 1 : 0);
        }
        return ExitCodes.OK;
    }

    @Command(name = "rename", header = "Rename a host.", description = {"Example:", "  nimbo host rename edge-01 edge-1"})
    int rename(@Parameters(index = "0", paramLabel = "HOST") String host,
            @Parameters(index = "1", paramLabel = "NAME") String name) {
        api().call("one.host.rename", resolve(KIND, host), name);
        return ExitCodes.OK;
    }

    @Command(name = "monitoring", header = "Show a host's monitoring history.",
            description = {"Columns are CAPACITY attributes (default FREE_CPU, USED_CPU, FREE_MEMORY, USED_MEMORY).",
                "Example:", "  nimbo host monitoring edge-01 --attr USED_CPU"})
    int monitoring(@Parameters(paramLabel = "HOST") String host,
            @Option(names = "--attr", split = ",", paramLabel = "NAME", description = "CAPACITY or SYSTEM attributes to show.")
            List<String> attrs) {
        int id = resolve(KIND, host);
        XmlNode doc = api().xml("one.host.monitoring", id);
        List<String> names = attrs == null || attrs.isEmpty()
                ? List.of("FREE_CPU", "USED_CPU", "FREE_MEMORY", "USED_MEMORY")
                : attrs.stream().map(a -> a.trim().toUpperCase(Locale.ROOT)).toList();
        Instant now = io().clock().instant();
        print(printer().document(doc, () -> monitoringTable(doc, names, now)));
        return ExitCodes.OK;
    }

    static String monitoringTable(XmlNode doc, List<String> names, Instant now) {
        List<Table.Header> headers = new ArrayList<>();
        headers.add(new Table.Header("TIME", false, false));
        for (String n : names) {
            headers.add(new Table.Header(n, true, false));
        }
        List<List<String>> rows = new ArrayList<>();
        for (XmlNode m : doc.children("MONITORING")) {
            List<String> row = new ArrayList<>();
            row.add(Times.relative(parse(m.text("TIMESTAMP")), now));
            for (String n : names) {
                String v = m.at("CAPACITY/" + n) != null ? m.text("CAPACITY/" + n) : m.text("SYSTEM/" + n);
                row.add(n.endsWith("MEMORY") && !v.isEmpty() ? kb(parse(v)) : v.isEmpty() ? "-" : v);
            }
            rows.add(row);
        }
        return Table.render(headers, rows, 0, true);
    }

    // ------------------------------------------------------------------ cells

    static String stat(XmlNode h) {
        int s = (int) parse(h.text("STATE"));
        return s >= 0 && s < STAT.length ? STAT[s] : String.valueOf(s);
    }

    static String stateName(XmlNode h) {
        int s = (int) parse(h.text("STATE"));
        return s >= 0 && s < STATE_NAMES.length ? STATE_NAMES[s] : String.valueOf(s);
    }

    private static boolean hasCapacity(XmlNode h) {
        return parse(h.text("HOST_SHARE/TOTAL_CPU")) > 0 && parse(h.text("STATE")) != 8;
    }

    static String allocatedCpu(XmlNode h) {
        if (!hasCapacity(h)) {
            return "-";
        }
        long used = parse(h.text("HOST_SHARE/CPU_USAGE"));
        long max = parse(h.text("HOST_SHARE/MAX_CPU"));
        return used + " / " + max + " (" + percent(used, max) + "%)";
    }

    static String allocatedMem(XmlNode h) {
        if (!hasCapacity(h)) {
            return "-";
        }
        long used = parse(h.text("HOST_SHARE/MEM_USAGE"));
        long max = parse(h.text("HOST_SHARE/MAX_MEM"));
        return kb(used) + " / " + kb(max) + " (" + percent(used, max) + "%)";
    }

    static String realCpu(XmlNode h) {
        if (!hasCapacity(h) || h.at("MONITORING/CAPACITY/USED_CPU") == null) {
            return "-";
        }
        long used = parse(h.text("MONITORING/CAPACITY/USED_CPU"));
        long total = parse(h.text("HOST_SHARE/TOTAL_CPU"));
        return used + " / " + total + " (" + percent(used, total) + "%)";
    }

    static String realMem(XmlNode h) {
        if (!hasCapacity(h) || h.at("MONITORING/CAPACITY/USED_MEMORY") == null) {
            return "-";
        }
        long used = parse(h.text("MONITORING/CAPACITY/USED_MEMORY"));
        long total = parse(h.text("HOST_SHARE/TOTAL_MEM"));
        return kb(used) + " / " + kb(total) + " (" + percent(used, total) + "%)";
    }

    private static long percent(long part, long whole) {
        return whole <= 0 ? 0 : Math.round(part * 100.0 / whole);
    }

    /** KB as OpenNebula's CLI prints memory: 512K, 1024M, 7.3G. */
    static String kb(long kb) {
        double v = kb;
        String units = "KMGTP";
        int u = 0;
        while (Math.abs(v) >= 1024 && u < units.length() - 1) {
            v /= 1024;
            u++;
        }
        String num = String.format(Locale.ROOT, "%.1f", v);
        if (num.endsWith(".0")) {
            num = num.substring(0, num.length() - 2);
        }
        return num + units.charAt(u);
    }

    static long parse(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    // ------------------------------------------------------------------ show

    static String detail(XmlNode h, Instant now) {
        Detail d = new Detail().section("HOST " + h.text("ID") + " INFORMATION");
        d.field("ID", h.text("ID")).field("NAME", h.text("NAME"))
                .field("CLUSTER", h.text("CLUSTER") + " (" + h.text("CLUSTER_ID") + ")")
                .field("STATE", stateName(h)).field("IM_MAD", h.text("IM_MAD")).field("VM_MAD", h.text("VM_MAD"))
                .field("LAST MONITORED", Times.relative(parse(h.text("MONITORING/TIMESTAMP")), now));
        String labels = h.text("TEMPLATE/LABELS");
        if (!labels.isEmpty()) {
            d.field("LABELS", labels);
        }

        XmlNode s = h.at("HOST_SHARE");
        d.section("HOST SHARES");
        d.field("RUNNING VMS", h.text("HOST_SHARE/RUNNING_VMS"));
        d.field("MEMORY TOTAL", kb(parse(h.text("HOST_SHARE/TOTAL_MEM"))))
                .field("  +/- RESERVED", kb(parse(h.text("HOST_SHARE/MAX_MEM"))))
                .field("  USED (REAL)", h.at("MONITORING/CAPACITY/USED_MEMORY") == null ? "-"
                        : kb(parse(h.text("MONITORING/CAPACITY/USED_MEMORY"))))
                .field("  USED (ALLOC)", kb(parse(h.text("HOST_SHARE/MEM_USAGE"))));
        d.field("CPU TOTAL", h.text("HOST_SHARE/TOTAL_CPU")).field("  +/- RESERVED", h.text("HOST_SHARE/MAX_CPU"))
                .field("  USED (REAL)", h.at("MONITORING/CAPACITY/USED_CPU") == null ? "-"
                        : h.text("MONITORING/CAPACITY/USED_CPU"))
                .field("  USED (ALLOC)", h.text("HOST_SHARE/CPU_USAGE"));
        if (parse(h.text("HOST_SHARE/DATASTORES/MAX_DISK")) > 0) {
            d.section("LOCAL SYSTEM DATASTORE");
            d.field("TOTAL", kb(parse(h.text("HOST_SHARE/DATASTORES/MAX_DISK")) * 1024))
                    .field("USED", kb(parse(h.text("HOST_SHARE/DATASTORES/USED_DISK")) * 1024))
                    .field("FREE", kb(parse(h.text("HOST_SHARE/DATASTORES/FREE_DISK")) * 1024));
        }

        d.section("MONITORING INFORMATION").block(TemplateText.render(h.at("TEMPLATE")));
        if (s != null) {
            numa(d, s);
            pci(d, s);
        }
        List<XmlNode> vms = h.all("VMS/ID");
        d.section("VIRTUAL MACHINES").block(vms.isEmpty() ? "-"
                : vms.stream().map(XmlNode::text).collect(Collectors.joining(", ")));
        return d.toString();
    }

    private static void numa(Detail d, XmlNode share) {
        List<XmlNode> nodes = share.all("NUMA_NODES/NODE");
        if (nodes.isEmpty()) {
            return;
        }
        List<List<String>> cores = new ArrayList<>();
        List<List<String>> memory = new ArrayList<>();
        List<List<String>> pages = new ArrayList<>();
        for (XmlNode n : nodes) {
            String id = n.text("NODE_ID");
            int threads = 0;
            int used = 0;
            long free = 0;
            for (XmlNode c : n.children("CORE")) {
                for (String cpu : c.text("CPUS").split(",")) {
                    if (cpu.isBlank()) {
                        continue;
                    }
                    threads++;
                    String vm = cpu.contains(":") ? cpu.substring(cpu.indexOf(':') + 1) : "-1";
                    if (!vm.equals("-1")) {
                        used++;
                    }
                }
                free += parse(c.text("FREE"));
            }
            cores.add(List.of(id, String.valueOf(n.children("CORE").size()), String.valueOf(threads),
                    String.valueOf(used), String.valueOf(free)));
            memory.add(List.of(id, kb(parse(n.text("MEMORY/TOTAL"))), kb(parse(n.text("MEMORY/USAGE"))),
                    n.text("MEMORY/DISTANCE")));
            for (XmlNode p : n.children("HUGEPAGE")) {
                long total = parse(p.text("PAGES"));
                long usage = parse(p.text("USAGE"));
                pages.add(List.of(id, kb(parse(p.text("SIZE"))), String.valueOf(total), String.valueOf(total - usage),
                        String.valueOf(usage)));
            }
        }
        d.section("NUMA NODES").block(Table.render(List.of(right("ID"), right("CORES"), right("THREADS"),
                right("USED"), right("FREE")), cores, 0, true));
        d.section("NUMA MEMORY").block(Table.render(List.of(right("NODE_ID"), right("TOTAL"), right("USED_ALLOC"),
                new Table.Header("DISTANCE", false, false)), memory, 0, true));
        if (!pages.isEmpty()) {
            d.section("NUMA HUGEPAGES").block(Table.render(List.of(right("NODE_ID"), right("SIZE"), right("TOTAL"),
                    right("FREE"), right("USED")), pages, 0, true));
        }
    }

    private static void pci(Detail d, XmlNode share) {
        List<XmlNode> devices = share.all("PCI_DEVICES/PCI");
        if (devices.isEmpty()) {
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (XmlNode p : devices) {
            String sriov = p.text("SRIOV");
            if (sriov.equals("pf") && !p.text("SRIOV_NUM").isEmpty()) {
                sriov = "pf(" + p.text("SRIOV_NUM") + ")";
            }
            rows.add(List.of(p.text("SHORT_ADDRESS"), p.text("TYPE"), sriov, p.text("NUMA_NODE"), p.text("VMID"),
                    p.text("DEVICE_NAME")));
        }
        d.section("PCI DEVICES").block(Table.render(List.of(new Table.Header("ADDRESS", false, false),
                new Table.Header("TYPE", false, false), new Table.Header("SRIOV", false, false), right("NUMA"),
                right("VM"), new Table.Header("NAME", false, true)), rows, 0, true));
    }

    private static Table.Header right(String name) {
        return new Table.Header(name, true, false);
    }
}
