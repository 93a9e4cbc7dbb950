package dev.nimbo.cli.quota;

import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.output.PoolDoc;
import dev.nimbo.cli.output.Sizes;
import dev.nimbo.cli.output.Table;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads and shows OpenNebula quotas (users' and groups' alike): "used / limit" cells for lists,
 * usage sections for show, and the editable quota template. A limit of -1 means "the default
 * quota", -2 "unlimited"; a default that is itself unset counts as unlimited and prints as "-".
 */
public final class QuotaView {
    public static final String DEFAULT = "-1";
    public static final String UNLIMITED = "-2";

    /** VM quota metrics in display order; sizes are MiB. */
    static final List<String> VM_METRICS = List.of("VMS", "CPU", "MEMORY", "SYSTEM_DISK_SIZE", "RUNNING_VMS",
            "RUNNING_CPU", "RUNNING_MEMORY", "PCI_DEV", "RUNNING_PCI_DEV", "PCI_NIC", "RUNNING_PCI_NIC");
    private static final Set<String> SIZE_METRICS = Set.of("MEMORY", "SYSTEM_DISK_SIZE", "RUNNING_MEMORY", "SIZE");
    private static final Set<String> DECIMAL_METRICS = Set.of("CPU", "RUNNING_CPU");

    private QuotaView() {}

    /**
     * A list cell "used / limit" for VM metric {@code metric} of pool item {@code item}, reading the
     * pool's QUOTAS entries and {@code defaultsElement} (DEFAULT_USER_QUOTAS or DEFAULT_GROUP_QUOTAS).
     */
    public static String poolCell(XmlNode item, PoolDoc pool, String metric, String defaultsElement) {
        Map<String, XmlNode> byId = pool.memo("quotas", QuotaView::indexQuotas);
        XmlNode quotas = byId.get(item.text("ID"));
        XmlNode vm = quotas == null ? null : globalVm(quotas);
        if (vm == null && item.text("ID").equals("0")) {
            return "-"; // oneadmin and the oneadmin group have no VM quota
        }
        XmlNode defaults = pool.root().at(defaultsElement);
        String used = vm == null ? "0" : vm.text(metric + "_USED");
        String limit = vm == null ? DEFAULT : vm.text(metric);
        return usage(metric, used.isEmpty() ? "0" : used, effectiveLimit(limit, defaults, "VM_QUOTA/VM/" + metric));
    }

    private static Map<String, XmlNode> indexQuotas(XmlNode root) {
        Map<String, XmlNode> m = new HashMap<>();
        for (XmlNode q : root.children("QUOTAS")) {
            m.put(q.text("ID"), q);
        }
        return m;
    }

    /** The VM entry without CLUSTER_IDS (the global one), else the first. */
    static XmlNode globalVm(XmlNode holder) {
        List<XmlNode> vms = holder.all("VM_QUOTA/VM");
        for (XmlNode vm : vms) {
            if (vm.text("CLUSTER_IDS").isEmpty()) {
                return vm;
            }
        }
        return vms.isEmpty() ? null : vms.get(0);
    }

    /** The limit to show: a default (-1) is looked up in {@code defaults}; unlimited becomes null. */
    static String effectiveLimit(String limit, XmlNode defaults, String defaultPath) {
        String l = limit == null ? "" : limit.trim();
        if (l.equals(DEFAULT) || l.isEmpty()) {
            l = defaults == null ? "" : defaults.text(defaultPath);
        }
        return l.isEmpty() || isNegative(l) ? null : l;
    }

    private static boolean isNegative(String s) {
        try {
            return Double.parseDouble(s) < 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** "used / limit" with units for sizes; {@code limit} null prints as "-". */
    public static String usage(String metric, String used, String limit) {
        return value(metric, used) + " / " + (limit == null ? "-" : value(metric, limit));
    }

    static String value(String metric, String v) {
        if (v == null || v.isEmpty()) {
            return "0";
        }
        try {
            if (SIZE_METRICS.contains(metric)) {
                return Sizes.formatMb(Math.round(Double.parseDouble(v)));
            }
            if (DECIMAL_METRICS.contains(metric)) {
                String s = String.format(Locale.ROOT, "%.2f", Double.parseDouble(v));
                return s.replaceAll("\\.?0+$", "");
            }
            return String.valueOf(Math.round(Double.parseDouble(v)));
        } catch (NumberFormatException e) {
            return v;
        }
    }

    /** Usage sections of a user's/group's (or default quotas') document into {@code d}. */
    public static void detail(Detail d, XmlNode holder, XmlNode defaults, boolean showUsed) {
        List<XmlNode> vms = holder.all("VM_QUOTA/VM");
        if (!vms.isEmpty()) {
            for (XmlNode vm : vms) {
                String scope = vm.text("CLUSTER_IDS").isEmpty() ? "" : " (clusters " + vm.text("CLUSTER_IDS") + ")";
                d.section("VM QUOTA" + scope);
                for (String m : VM_METRICS) {
                    if (vm.child(m) == null) {
                        continue;
                    }
                    String limit = effectiveLimit(vm.text(m), defaults, "VM_QUOTA/VM/" + m);
                    d.field(m, showUsed ? usage(m, vm.text(m + "_USED"), limit)
                            : (limit == null ? "-" : value(m, limit)));
                }
            }
        }
        table(d, holder, defaults, showUsed, "DATASTORE", List.of("IMAGES", "SIZE"));
        table(d, holder, defaults, showUsed, "NETWORK", List.of("LEASES"));
        table(d, holder, defaults, showUsed, "IMAGE", List.of("RVMS"));
    }

    private static void table(Detail d, XmlNode holder, XmlNode defaults, boolean showUsed, String kind,
            List<String> metrics) {
        List<XmlNode> entries = holder.all(kind + "_QUOTA/" + kind);
        if (entries.isEmpty()) {
            return;
        }
        d.section(kind + " QUOTA");
        List<Table.Header> headers = new ArrayList<>();
        headers.add(new Table.Header("ID", true, false));
        metrics.forEach(m -> headers.add(new Table.Header(m, true, false)));
        List<List<String>> rows = new ArrayList<>();
        for (XmlNode e : entries) {
            List<String> row = new ArrayList<>();
            row.add(e.text("ID"));
            for (String m : metrics) {
                String limit = effectiveLimit(e.text(m), defaults, kind + "_QUOTA/" + kind + "/" + m);
                row.add(showUsed ? usage(m, e.text(m + "_USED"), limit) : (limit == null ? "-" : value(m, limit)));
            }
            rows.add(row);
        }
        d.block(Table.render(headers, rows, 0, true));
    }

    /**
     * The quota template for {@code $EDITOR}: one vector per quota entry (VM, DATASTORE, NETWORK,
     * IMAGE) with its limits, usage counters left out, and a comment saying what -1/-2 mean.
     */
    public static String editable(XmlNode holder) {
        StringBuilder b = new StringBuilder();
        b.append("# Quota limits. -1: use the default quota, -2: unlimited. Sizes in MiB.\n");
        b.append("# Examples: VM=[ VMS=\"10\", CPU=\"4\", MEMORY=\"8192\", SYSTEM_DISK_SIZE=\"-1\" ]\n");
        b.append("#           DATASTORE=[ ID=\"1\", IMAGES=\"5\", SIZE=\"20480\" ]\n");
        for (String kind : List.of("VM", "DATASTORE", "NETWORK", "IMAGE")) {
            for (XmlNode entry : holder.all(kind + "_QUOTA/" + kind)) {
                List<String> parts = new ArrayList<>();
                for (XmlNode attr : entry.children()) {
                    if (!attr.name().endsWith("_USED")) {
                        parts.add(attr.name() + "=" + TemplateText.quote(attr.text()));
                    }
                }
                b.append(kind).append("=[\n  ").append(String.join(",\n  ", parts)).append(" ]\n");
            }
        }
        return b.toString();
    }

    /** Drops the {@code #} comment lines of an edited quota template. */
    public static String stripComments(String text) {
        StringBuilder b = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (!line.stripLeading().startsWith("#")) {
                b.append(line).append('\n');
            }
        }
        return b.toString().strip() + "\n";
    }
}
