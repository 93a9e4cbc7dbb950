package dev.nimbo.core.quota;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The four quota families of OpenNebula, with their element names and metrics. Metric order is oned's
 * check order (the first metric over its limit is the one an error names); XML order is alphabetical,
 * as oned renders its vector attributes from a sorted map.
 */
public enum QuotaKind {
    DATASTORE("DATASTORE_QUOTA", "DATASTORE", true, "SIZE", "IMAGES"),
    NETWORK("NETWORK_QUOTA", "NETWORK", true, "LEASES"),
    VM("VM_QUOTA", "VM", false,
            "VMS", "RUNNING_VMS", "CPU", "RUNNING_CPU", "MEMORY", "RUNNING_MEMORY",
            "PCI_DEV", "RUNNING_PCI_DEV", "PCI_NIC", "RUNNING_PCI_NIC", "SYSTEM_DISK_SIZE"),
    IMAGE("IMAGE_QUOTA", "IMAGE", true, "RVMS");

    /** The key of the single, global VM quota entry (it has no ID). */
    public static final int NO_ID = -1;

    private final String familyElement;
    private final String entryElement;
    private final boolean hasId;
    private final List<String> metrics;
    private final List<String> xmlOrder;

    QuotaKind(String familyElement, String entryElement, boolean hasId, String... metrics) {
        this.familyElement = familyElement;
        this.entryElement = entryElement;
        this.hasId = hasId;
        this.metrics = List.of(metrics);
        List<String> names = new ArrayList<>();
        if (hasId) {
            names.add("ID");
        }
        for (String m : metrics) {
            names.add(m);
            names.add(m + "_USED");
        }
        Collections.sort(names);
        this.xmlOrder = List.copyOf(names);
    }

    /** DATASTORE_QUOTA, NETWORK_QUOTA, VM_QUOTA, IMAGE_QUOTA. */
    public String familyElement() {
        return familyElement;
    }

    /** The vector name in quota templates and the entry element in XML: DATASTORE, NETWORK, VM, IMAGE. */
    public String entryElement() {
        return entryElement;
    }

    /** Whether entries are keyed by an object ID (all but VM). */
    public boolean hasId() {
        return hasId;
    }

    /** Limit names in oned's check order. */
    public List<String> metrics() {
        return metrics;
    }

    /** Index of the metric, or -1 when this family has no such metric. */
    public int indexOf(String metric) {
        return metrics.indexOf(metric);
    }

    /** Element names of one entry in the order oned writes them. */
    List<String> xmlOrder() {
        return xmlOrder;
    }
}
