package dev.nimbo.cli.quota;

import dev.nimbo.cli.CliException;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.output.Sizes;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * VM quota limits given as options ({@code --vms 10 --memory 8g}) instead of a quota file. OpenNebula
 * resets every VM metric a quota update leaves out to its default, so the options are merged into the
 * current VM limits and the whole vector is sent.
 */
public final class QuotaOptions {
    @Option(names = "--vms", paramLabel = "N", description = "VM count limit (also: default, unlimited).")
    String vms;

    @Option(names = "--cpu", paramLabel = "N", description = "CPU limit.")
    String cpu;

    @Option(names = "--memory", paramLabel = "SIZE", description = "Memory limit, e.g. 8g, 512m.")
    String memory;

    @Option(names = "--system-disk-size", paramLabel = "SIZE", description = "System disk size limit, e.g. 100g.")
    String systemDiskSize;

    @Option(names = "--running-vms", paramLabel = "N", description = "Running VM count limit.")
    String runningVms;

    @Option(names = "--running-cpu", paramLabel = "N", description = "Running CPU limit.")
    String runningCpu;

    @Option(names = "--running-memory", paramLabel = "SIZE", description = "Running memory limit, e.g. 4g.")
    String runningMemory;

    Map<String, String> given() {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, "VMS", vms, false);
        put(m, "CPU", cpu, false);
        put(m, "MEMORY", memory, true);
        put(m, "SYSTEM_DISK_SIZE", systemDiskSize, true);
        put(m, "RUNNING_VMS", runningVms, false);
        put(m, "RUNNING_CPU", runningCpu, false);
        put(m, "RUNNING_MEMORY", runningMemory, true);
        return m;
    }

    private static void put(Map<String, String> m, String metric, String value, boolean size) {
        if (value != null) {
            m.put(metric, limit(metric, value, size));
        }
    }

    /** A limit from the command line: a number, a size, {@code default} (-1) or {@code unlimited} (-2). */
    static String limit(String metric, String value, boolean size) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("default") || v.equals("-1")) {
            return QuotaView.DEFAULT;
        }
        if (v.equals("unlimited") || v.equals("-2")) {
            return QuotaView.UNLIMITED;
        }
        try {
            if (size) {
                return String.valueOf(Sizes.parseMb(v));
            }
            double d = Double.parseDouble(v);
            if (d < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (IllegalArgumentException e) {
            throw CliException.usage("bad --" + metric.toLowerCase(Locale.ROOT).replace('_', '-') + " '" + value
                    + "': a " + (size ? "size like 8g" : "number") + ", default or unlimited");
        }
    }

    /**
     * The quota template to send: from the options (merged into {@code current}'s VM limits), or from
     * {@code file}, or from {@code $EDITOR} on the current quotas. Null when an edit changed nothing.
     */
    public String template(Family cmd, String file, Supplier<XmlNode> current) {
        Map<String, String> given = given();
        if (!given.isEmpty()) {
            if (file != null) {
                throw CliException.usage("give either a quota FILE or limit options, not both");
            }
            return vmVector(current.get(), given);
        }
        if (file != null) {
            return cmd.readFile(file);
        }
        String edited = cmd.templateInput(null, () -> QuotaView.editable(current.get()));
        return edited == null ? null : QuotaView.stripComments(edited);
    }

    static String vmVector(XmlNode holder, Map<String, String> given) {
        Map<String, String> limits = new LinkedHashMap<>();
        XmlNode vm = holder == null ? null : QuotaView.globalVm(holder);
        if (vm != null) {
            for (XmlNode attr : vm.children()) {
                if (!attr.name().endsWith("_USED") && !attr.name().equals("CLUSTER_IDS")) {
                    limits.put(attr.name(), attr.text());
                }
            }
        }
        limits.putAll(given);
        List<String> parts = new ArrayList<>();
        limits.forEach((k, v) -> parts.add(k + "=" + TemplateText.quote(v)));
        return "VM=[ " + String.join(", ", parts) + " ]\n";
    }
}
