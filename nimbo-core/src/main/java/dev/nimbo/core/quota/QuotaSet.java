package dev.nimbo.core.quota;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The quotas of one user or group (or the system defaults): datastore, network and image entries by ID
 * and the global VM entry, each with limits and used counters. Entries keep oned's order (first set or
 * used first). Immutable and thread-safe; every change returns a new set.
 */
public final class QuotaSet {

    public static final QuotaSet EMPTY = new QuotaSet(emptyFamilies());

    private static final QuotaKind[] KINDS = QuotaKind.values();

    /** Indexed by QuotaKind ordinal; each map is unmodifiable and keyed by ID (NO_ID for VM). */
    private final List<Map<Integer, QuotaEntry>> families;

    private QuotaSet(List<Map<Integer, QuotaEntry>> families) {
        this.families = families;
    }

    private static List<Map<Integer, QuotaEntry>> emptyFamilies() {
        List<Map<Integer, QuotaEntry>> f = new ArrayList<>(4);
        for (int i = 0; i < QuotaKind.values().length; i++) {
            f.add(Map.of());
        }
        return List.copyOf(f);
    }

    public List<QuotaEntry> entries(QuotaKind kind) {
        return List.copyOf(families.get(kind.ordinal()).values());
    }

    /** The entry for this ID (ignored for VM), or null when the set has none. */
    public QuotaEntry entry(QuotaKind kind, int id) {
        return families.get(kind.ordinal()).get(kind.hasId() ? id : QuotaKind.NO_ID);
    }

    public QuotaEntry datastore(int id) {
        return entry(QuotaKind.DATASTORE, id);
    }

    public QuotaEntry network(int id) {
        return entry(QuotaKind.NETWORK, id);
    }

    public QuotaEntry image(int id) {
        return entry(QuotaKind.IMAGE, id);
    }

    /** The global VM quota entry, or null. */
    public QuotaEntry vm() {
        return entry(QuotaKind.VM, QuotaKind.NO_ID);
    }

    public boolean isEmpty() {
        for (Map<Integer, QuotaEntry> f : families) {
            if (!f.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    QuotaSet with(QuotaEntry e) {
        Map<Integer, QuotaEntry> f = new LinkedHashMap<>(families.get(e.kind().ordinal()));
        f.put(e.id(), e);
        return replace(e.kind(), f);
    }

    QuotaSet without(QuotaKind kind, int id) {
        Map<Integer, QuotaEntry> f = new LinkedHashMap<>(families.get(kind.ordinal()));
        if (f.remove(kind.hasId() ? id : QuotaKind.NO_ID) == null) {
            return this;
        }
        return replace(kind, f);
    }

    private QuotaSet replace(QuotaKind kind, Map<Integer, QuotaEntry> family) {
        List<Map<Integer, QuotaEntry>> f = new ArrayList<>(families);
        f.set(kind.ordinal(), Collections.unmodifiableMap(family));
        QuotaSet s = new QuotaSet(List.copyOf(f));
        return s.isEmpty() ? EMPTY : s;
    }

    // ------------------------------------------------------------------ XML

    /** The four families as oned writes them inside USER or GROUP; empty ones as empty elements. */
    public void writeXml(XmlWriter w) {
        for (QuotaKind k : KINDS) {
            w.open(k.familyElement());
            for (QuotaEntry e : families.get(k.ordinal()).values()) {
                e.writeXml(w);
            }
            w.close(k.familyElement());
        }
    }

    /** Reads the families under a stored USER or GROUP element; absent ones are empty. */
    public static QuotaSet fromXml(XmlNode parent) {
        return read(parent, Amounts.DEFAULT);
    }

    /**
     * Missing limits read as the implicit one (-1, or -2 for defaults); missing counters as 0. VM entries
     * with CLUSTER_IDS (oned's per-cluster quotas, not supported) are skipped.
     */
    static QuotaSet read(XmlNode parent, long implicitLimit) {
        QuotaSet s = EMPTY;
        for (QuotaKind k : KINDS) {
            XmlNode family = parent.child(k.familyElement());
            if (family == null) {
                continue;
            }
            for (XmlNode v : family.all(k.entryElement())) {
                if (!k.hasId() && !v.text("CLUSTER_IDS").isBlank()) {
                    continue;
                }
                int id = QuotaKind.NO_ID;
                if (k.hasId()) {
                    id = v.integer("ID", Integer.MIN_VALUE);
                    if (id == Integer.MIN_VALUE) {
                        throw new IllegalArgumentException(k.entryElement() + " quota without ID in stored XML");
                    }
                }
                if (s.entry(k, id) != null) {
                    continue;
                }
                int n = k.metrics().size();
                long[] limits = new long[n];
                long[] used = new long[n];
                for (int i = 0; i < n; i++) {
                    String m = k.metrics().get(i);
                    limits[i] = stored(v, m, implicitLimit);
                    used[i] = stored(v, m + "_USED", 0);
                }
                s = s.with(QuotaEntry.of(k, id, limits, used));
            }
        }
        return s;
    }

    private static long stored(XmlNode v, String name, long dflt) {
        String t = v.text(name, null);
        if (t == null || t.isBlank()) {
            return dflt;
        }
        Long h = Amounts.parse(t);
        if (h == null) {
            throw new IllegalArgumentException("bad quota value in stored XML: " + name + "=" + t);
        }
        return h;
    }

    // ------------------------------------------------------------------ quota templates

    /**
     * Sets limits from a quota template ({@code VM=[VMS=10, CPU=4]}, {@code DATASTORE=[ID=1, SIZE=1000]} …),
     * as one.user.quota / one.group.quota do: each vector replaces all limits of its entry (metrics it
     * omits go back to -1), used counters stay, and entries left with default limits and no usage are dropped.
     * All or nothing: an invalid vector fails the whole update with ACTION.
     */
    public QuotaSet update(Template quotaTemplate) {
        return apply(quotaTemplate, false);
    }

    QuotaSet apply(Template t, boolean isDefault) {
        long implicit = isDefault ? Amounts.UNLIMITED : Amounts.DEFAULT;
        QuotaSet s = this;
        // oned's order: datastore, network, image, VM; it decides which error is reported first.
        for (QuotaKind k : List.of(QuotaKind.DATASTORE, QuotaKind.NETWORK, QuotaKind.IMAGE, QuotaKind.VM)) {
            for (VectorAttribute v : t.vectors(k.entryElement())) {
                s = s.applyVector(k, v, isDefault, implicit);
            }
        }
        return s;
    }

    private QuotaSet applyVector(QuotaKind k, VectorAttribute v, boolean isDefault, long implicit) {
        int id = QuotaKind.NO_ID;
        if (k.hasId()) {
            id = parseId(v.get("ID"));
            if (id < 0) {
                throw badFormat(k, v);
            }
        } else {
            String clusters = v.get("CLUSTER_IDS");
            if (clusters != null && !clusters.isBlank()) {
                throw ApiException.action(isDefault
                        ? "CLUSTER_IDS attribute is not allowed for default VM quota"
                        : "Cluster VM quotas (CLUSTER_IDS) are not supported");
            }
        }
        long[] limits = new long[k.metrics().size()];
        for (int i = 0; i < limits.length; i++) {
            String raw = v.get(k.metrics().get(i));
            if (raw == null || raw.isBlank()) {
                limits[i] = implicit;
                continue;
            }
            Long h = Amounts.parse(raw);
            boolean ok = h != null && (h >= 0 || h == Amounts.UNLIMITED || (!isDefault && h == Amounts.DEFAULT));
            if (!ok) {
                throw badFormat(k, v);
            }
            limits[i] = h;
        }
        QuotaEntry current = entry(k, id);
        QuotaEntry next = current == null
                ? QuotaEntry.of(k, id, limits, new long[limits.length])
                : current.withLimits(limits);
        return next.isRedundant(implicit) ? without(k, id) : with(next);
    }

    /** A non-negative decimal integer, else -1. */
    private static int parseId(String raw) {
        if (raw == null) {
            return -1;
        }
        String s = raw.strip();
        if (s.isEmpty() || s.length() > 10) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        long id = Long.parseLong(s);
        return id > Integer.MAX_VALUE ? -1 : (int) id;
    }

    /** oned's message (Quota::set), keys sorted as its vector attributes print. */
    private static ApiException badFormat(QuotaKind k, VectorAttribute v) {
        List<SingleAttribute> sorted = new ArrayList<>(v.values());
        sorted.sort(Comparator.comparing(SingleAttribute::name));
        StringBuilder b = new StringBuilder("Negative limits or bad format in quota ")
                .append(k.entryElement()).append(" = [ ");
        for (int i = 0; i < sorted.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(sorted.get(i).name()).append('=').append(sorted.get(i).value());
        }
        return ApiException.action(b.append(" ]").toString());
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof QuotaSet other)) {
            return false;
        }
        for (int i = 0; i < KINDS.length; i++) {
            // Order is part of the rendered document, so it is part of equality.
            if (!List.copyOf(families.get(i).values()).equals(List.copyOf(other.families.get(i).values()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Objects.hash(families.stream().map(f -> List.copyOf(f.values())).toList());
    }

    @Override
    public String toString() {
        XmlWriter w = new XmlWriter();
        writeXml(w);
        return w.toString();
    }
}
