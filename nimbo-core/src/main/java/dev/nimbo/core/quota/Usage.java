package dev.nimbo.core.quota;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An amount of consumption to charge or release: per quota entry (family + ID), an amount for some of
 * its metrics. A metric that is present is checked even when its amount is 0, as oned does (so a VM
 * cannot be created while a lowered limit is already exceeded). Immutable; combine with {@link #plus}.
 */
public final class Usage {

    public static final Usage NONE = new Usage(Map.of());

    /** Family + ID of one quota entry; ID is {@link QuotaKind#NO_ID} for VM. */
    record Key(QuotaKind kind, int id) {
    }

    /** Amounts in hundredths, indexed as kind.metrics(); null where the metric is absent. */
    private final Map<Key, Long[]> lines;

    private Usage(Map<Key, Long[]> lines) {
        this.lines = lines;
    }

    /**
     * A VM's VM-quota charge: VMS, CPU, MEMORY, SYSTEM_DISK_SIZE, and when {@code running} also
     * RUNNING_VMS, RUNNING_CPU, RUNNING_MEMORY (the VM counts against running quotas while active).
     */
    public static Usage vm(int vms, float cpu, long memoryMb, long systemDiskMb, boolean running) {
        Long[] a = new Long[QuotaKind.VM.metrics().size()];
        put(a, "VMS", Amounts.of(nonNegative(vms, "VMS")));
        put(a, "CPU", Amounts.of(nonNegative(cpu, "CPU")));
        put(a, "MEMORY", Amounts.of(nonNegative(memoryMb, "MEMORY")));
        put(a, "SYSTEM_DISK_SIZE", Amounts.of(nonNegative(systemDiskMb, "SYSTEM_DISK_SIZE")));
        if (running) {
            put(a, "RUNNING_VMS", Amounts.of((long) vms));
            put(a, "RUNNING_CPU", Amounts.of(cpu));
            put(a, "RUNNING_MEMORY", Amounts.of(memoryMb));
        }
        return single(QuotaKind.VM, QuotaKind.NO_ID, a);
    }

    /** Only the running counters: a VM leaving or re-entering the running states (stop, resume). */
    public static Usage vmRunning(int vms, float cpu, long memoryMb) {
        Long[] a = new Long[QuotaKind.VM.metrics().size()];
        put(a, "RUNNING_VMS", Amounts.of(nonNegative(vms, "RUNNING_VMS")));
        put(a, "RUNNING_CPU", Amounts.of(nonNegative(cpu, "RUNNING_CPU")));
        put(a, "RUNNING_MEMORY", Amounts.of(nonNegative(memoryMb, "RUNNING_MEMORY")));
        return single(QuotaKind.VM, QuotaKind.NO_ID, a);
    }

    /** PCI devices a VM holds (PCI_DEV), a VM-quota charge. */
    public static Usage pci(int devices) {
        Long[] a = new Long[QuotaKind.VM.metrics().size()];
        put(a, "PCI_DEV", Amounts.of(nonNegative((long) devices, "PCI_DEV")));
        return single(QuotaKind.VM, QuotaKind.NO_ID, a);
    }

    /** Images and MB in a datastore (an image upload, or a VM's volatile/persistent disks). */
    public static Usage datastore(int dsId, int images, long sizeMb) {
        Long[] a = new Long[QuotaKind.DATASTORE.metrics().size()];
        put(a, QuotaKind.DATASTORE, "IMAGES", Amounts.of(nonNegative(images, "IMAGES")));
        put(a, QuotaKind.DATASTORE, "SIZE", Amounts.of(nonNegative(sizeMb, "SIZE")));
        return single(QuotaKind.DATASTORE, checkId(dsId), a);
    }

    /** Leases taken in a virtual network (one per NIC). */
    public static Usage network(int netId, int leases) {
        Long[] a = new Long[1];
        put(a, QuotaKind.NETWORK, "LEASES", Amounts.of(nonNegative(leases, "LEASES")));
        return single(QuotaKind.NETWORK, checkId(netId), a);
    }

    /** Running VMs using an image (one per disk). */
    public static Usage image(int imageId, int rvms) {
        Long[] a = new Long[1];
        put(a, QuotaKind.IMAGE, "RVMS", Amounts.of(nonNegative(rvms, "RVMS")));
        return single(QuotaKind.IMAGE, checkId(imageId), a);
    }

    /** Both usages; amounts for the same entry and metric add up. */
    public Usage plus(Usage other) {
        if (other.lines.isEmpty()) {
            return this;
        }
        if (lines.isEmpty()) {
            return other;
        }
        Map<Key, Long[]> m = new LinkedHashMap<>(lines);
        for (Map.Entry<Key, Long[]> e : other.lines.entrySet()) {
            Long[] mine = m.get(e.getKey());
            if (mine == null) {
                m.put(e.getKey(), e.getValue());
                continue;
            }
            Long[] sum = mine.clone();
            Long[] add = e.getValue();
            for (int i = 0; i < sum.length; i++) {
                if (add[i] != null) {
                    sum[i] = sum[i] == null ? add[i] : Math.addExact(sum[i], add[i]);
                }
            }
            m.put(e.getKey(), sum);
        }
        return new Usage(Collections.unmodifiableMap(m));
    }

    public boolean isEmpty() {
        return lines.isEmpty();
    }

    /** The amount for one metric of one entry; 0 when absent. */
    public double amount(QuotaKind kind, int id, String metric) {
        Long[] a = lines.get(new Key(kind, kind.hasId() ? id : QuotaKind.NO_ID));
        int i = kind.indexOf(metric);
        return a == null || i < 0 || a[i] == null ? 0 : Amounts.toDouble(a[i]);
    }

    /** The entries of one family touched by this usage, in the order they were added. */
    List<Key> keys(QuotaKind kind) {
        List<Key> out = new ArrayList<>();
        for (Key k : lines.keySet()) {
            if (k.kind() == kind) {
                out.add(k);
            }
        }
        return out;
    }

    /** Amount in hundredths, or null when the metric is absent. */
    Long at(Key key, int metricIndex) {
        Long[] a = lines.get(key);
        return a == null ? null : a[metricIndex];
    }

    private static Usage single(QuotaKind kind, int id, Long[] amounts) {
        return new Usage(Map.of(new Key(kind, id), amounts));
    }

    private static void put(Long[] a, String metric, long hundredths) {
        put(a, QuotaKind.VM, metric, hundredths);
    }

    private static void put(Long[] a, QuotaKind kind, String metric, long hundredths) {
        a[kind.indexOf(metric)] = hundredths;
    }

    private static int checkId(int id) {
        if (id < 0) {
            throw new IllegalArgumentException("quota entry ID must be >= 0, got " + id);
        }
        return id;
    }

    private static long nonNegative(long v, String metric) {
        if (v < 0) {
            throw new IllegalArgumentException(metric + " usage must be >= 0, got " + v);
        }
        return v;
    }

    private static float nonNegative(float v, String metric) {
        if (!(v >= 0) || !Float.isFinite(v)) {
            throw new IllegalArgumentException(metric + " usage must be a finite number >= 0, got " + v);
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Usage u) || !u.lines.keySet().equals(lines.keySet())) {
            return false;
        }
        for (Map.Entry<Key, Long[]> e : lines.entrySet()) {
            if (!Arrays.equals(e.getValue(), u.lines.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 0;
        for (Map.Entry<Key, Long[]> e : lines.entrySet()) {
            h += e.getKey().hashCode() ^ Arrays.hashCode(e.getValue());
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Usage[");
        for (Map.Entry<Key, Long[]> e : lines.entrySet()) {
            b.append(' ').append(e.getKey().kind().entryElement());
            if (e.getKey().kind().hasId()) {
                b.append('#').append(e.getKey().id());
            }
            b.append('{');
            List<String> metrics = e.getKey().kind().metrics();
            String sep = "";
            for (int i = 0; i < metrics.size(); i++) {
                if (e.getValue()[i] != null) {
                    b.append(sep).append(metrics.get(i)).append('=').append(Amounts.format(e.getValue()[i]));
                    sep = ",";
                }
            }
            b.append('}');
        }
        return b.append(" ]").toString();
    }
}
