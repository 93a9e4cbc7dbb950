package dev.nimbo.core.quota;

import dev.nimbo.core.xml.XmlWriter;
import java.util.Arrays;

/**
 * One quota vector: the limits and used counters of one datastore, network or image (by ID), or the
 * global VM quota. A limit of -1 means "use the default quota", -2 unlimited, 0 nothing allowed.
 * Immutable; the modifiers return a new entry.
 */
public final class QuotaEntry {
    private final QuotaKind kind;
    private final int id;
    private final long[] limits; // hundredths, indexed as kind.metrics()
    private final long[] used;

    private QuotaEntry(QuotaKind kind, int id, long[] limits, long[] used) {
        this.kind = kind;
        this.id = kind.hasId() ? id : QuotaKind.NO_ID;
        this.limits = limits;
        this.used = used;
    }

    /** A new entry with every limit at {@code implicitLimit} and nothing used (what oned creates on first use). */
    static QuotaEntry blank(QuotaKind kind, int id, long implicitLimit) {
        long[] l = new long[kind.metrics().size()];
        Arrays.fill(l, implicitLimit);
        return new QuotaEntry(kind, id, l, new long[l.length]);
    }

    static QuotaEntry of(QuotaKind kind, int id, long[] limits, long[] used) {
        return new QuotaEntry(kind, id, limits.clone(), used.clone());
    }

    public QuotaKind kind() {
        return kind;
    }

    /** The datastore, network or image ID; {@link QuotaKind#NO_ID} for the VM quota. */
    public int id() {
        return id;
    }

    /** The limit as a number (-1 default, -2 unlimited). */
    public double limit(String metric) {
        return Amounts.toDouble(limits[index(metric)]);
    }

    public double used(String metric) {
        return Amounts.toDouble(used[index(metric)]);
    }

    /** The limit as oned writes it: "10", "0.50", "-1". */
    public String limitText(String metric) {
        return Amounts.format(limits[index(metric)]);
    }

    public String usedText(String metric) {
        return Amounts.format(used[index(metric)]);
    }

    long limitAt(int i) {
        return limits[i];
    }

    long usedAt(int i) {
        return used[i];
    }

    QuotaEntry withUsed(int i, long value) {
        long[] u = used.clone();
        u[i] = value;
        return new QuotaEntry(kind, id, limits, u);
    }

    QuotaEntry withLimits(long[] newLimits) {
        return new QuotaEntry(kind, id, newLimits.clone(), used);
    }

    /** True when the entry says nothing oned would keep: limits all implicit and nothing used. */
    boolean isRedundant(long implicitLimit) {
        for (int i = 0; i < limits.length; i++) {
            if (used[i] != 0 || limits[i] != implicitLimit) {
                return false;
            }
        }
        return true;
    }

    private int index(String metric) {
        int i = kind.indexOf(metric);
        if (i < 0) {
            throw new IllegalArgumentException(kind.entryElement() + " quota has no metric " + metric);
        }
        return i;
    }

    void writeXml(XmlWriter w) {
        w.open(kind.entryElement());
        for (String name : kind.xmlOrder()) {
            if (name.equals("ID")) {
                w.element("ID", id);
            } else if (name.endsWith("_USED")) {
                w.element(name, Amounts.format(used[kind.indexOf(name.substring(0, name.length() - 5))]));
            } else {
                w.element(name, Amounts.format(limits[kind.indexOf(name)]));
            }
        }
        w.close(kind.entryElement());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuotaEntry e && e.kind == kind && e.id == id
                && Arrays.equals(e.limits, limits) && Arrays.equals(e.used, used);
    }

    @Override
    public int hashCode() {
        return (kind.hashCode() * 31 + id) * 31 + Arrays.hashCode(limits) * 17 + Arrays.hashCode(used);
    }

    @Override
    public String toString() {
        XmlWriter w = new XmlWriter();
        writeXml(w);
        return w.toString();
    }
}
