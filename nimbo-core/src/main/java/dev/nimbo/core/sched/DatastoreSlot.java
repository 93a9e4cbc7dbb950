package dev.nimbo.core.sched;

import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.expr.Attributes;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.SingleAttribute;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A system datastore as a scheduling cycle sees it: its attributes for SCHED_DS_REQUIREMENTS/SCHED_DS_RANK (its
 * TEMPLATE, then ID, NAME, TM_MAD, DS_MAD, STATE, TOTAL_MB, FREE_MB and USED_MB with this cycle's plans, and the
 * multi-valued {@code CLUSTERS/ID}), and the space the cycle has planned on it. Owned by one cycle's thread.
 */
public final class DatastoreSlot implements Attributes {
    private final Datastore ds;
    private final Map<String, String> fixed = new HashMap<>();
    private final List<String> clusters = new ArrayList<>();
    private long plannedMb;

    public DatastoreSlot(Datastore ds) {
        this.ds = ds;
        for (Attribute a : ds.template().attributes()) {
            if (a instanceof SingleAttribute s) {
                fixed.put(s.name(), s.value());
            }
        }
        fixed.put("ID", Integer.toString(ds.id()));
        fixed.put("NAME", ds.name());
        fixed.put("TM_MAD", ds.tmMad());
        fixed.put("DS_MAD", ds.dsMad());
        fixed.put("STATE", Integer.toString(ds.state()));
        fixed.put("TOTAL_MB", Long.toString(ds.totalMb()));
        fixed.put("USED_MB", Long.toString(ds.usedMb()));
        for (int c : ds.clusters()) {
            clusters.add(Integer.toString(c));
        }
    }

    public Datastore datastore() {
        return ds;
    }

    public long freeMb() {
        return ds.freeMb() - plannedMb;
    }

    /** Whether {@code mb} more fits: always when the datastore does not check capacity or reports none yet. */
    public boolean fits(long mb) {
        return mb <= 0 || !ds.capacityCheck() || ds.totalMb() <= 0 || freeMb() >= mb;
    }

    public void take(long mb) {
        plannedMb += Math.max(0, mb);
    }

    @Override
    public String get(String name) {
        if (name.equals("FREE_MB")) {
            return Long.toString(freeMb());
        }
        if (name.equals("CLUSTERS/ID") || name.equals("CLUSTER_ID")) {
            return clusters.isEmpty() ? null : clusters.get(0);
        }
        return fixed.get(name);
    }

    @Override
    public double number(String name) {
        return name.equals("FREE_MB") ? freeMb() : Attributes.super.number(name);
    }

    @Override
    public List<String> all(String name) {
        return name.equals("CLUSTERS/ID") || name.equals("CLUSTER_ID") ? clusters : Attributes.super.all(name);
    }
}
