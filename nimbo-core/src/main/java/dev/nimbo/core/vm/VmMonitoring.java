package dev.nimbo.core.vm;

import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A VM's last monitoring record (vm.xsd VM/MONITORING): CPU (percent of one CPU), MEMORY (KB), NETRX/NETTX
 * and DISKRDBYTES/DISKWRBYTES/DISKRDIOPS/DISKWRIOPS counters, the VM ID and TIMESTAMP. Values are kept as
 * the driver reported them, sorted by name, which is the order vm.xsd lists them. Immutable.
 */
public record VmMonitoring(long timestamp, SortedMap<String, String> values) {

    public static final VmMonitoring EMPTY = new VmMonitoring(0, new TreeMap<>());

    public VmMonitoring {
        values = Collections.unmodifiableSortedMap(new TreeMap<>(values));
    }

    /** A record for the VM at a time from the reported values (ID and TIMESTAMP are set here). */
    public static VmMonitoring of(int vmId, long timestamp, Map<String, String> reported) {
        TreeMap<String, String> m = new TreeMap<>(reported);
        m.put("ID", String.valueOf(vmId));
        m.put("TIMESTAMP", String.valueOf(timestamp));
        return new VmMonitoring(timestamp, m);
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** A numeric value, or 0 when absent or not a number. */
    public double number(String name) {
        String v = values.get(name);
        if (v == null) {
            return 0;
        }
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public void writeXml(XmlWriter w) {
        if (values.isEmpty()) {
            w.empty("MONITORING");
            return;
        }
        w.open("MONITORING");
        for (Map.Entry<String, String> e : values.entrySet()) {
            w.element(e.getKey(), e.getValue());
        }
        w.close("MONITORING");
    }

    public static VmMonitoring fromXml(XmlNode m) {
        if (m == null || m.children().isEmpty()) {
            return EMPTY;
        }
        TreeMap<String, String> values = new TreeMap<>();
        for (XmlNode c : m.children()) {
            if (c.isLeaf()) {
                values.put(c.name(), c.text());
            }
        }
        String ts = values.get("TIMESTAMP");
        long t = 0;
        if (ts != null) {
            try {
                t = Long.parseLong(ts.strip());
            } catch (NumberFormatException e) {
                t = 0;
            }
        }
        return new VmMonitoring(t, values);
    }
}
