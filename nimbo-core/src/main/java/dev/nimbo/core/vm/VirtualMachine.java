package dev.nimbo.core.vm;

import dev.nimbo.core.obj.IdSet;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.SharedObject;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A virtual machine (vm.xsd): owner and permissions, the two-level state (STATE, LCM_STATE and the previous
 * pair), RESCHED, start/end times, the hypervisor's DEPLOY_ID, the last MONITORING, its scheduled actions,
 * TEMPLATE (what Nimbo manages: CPU, MEMORY, DISK, NIC, CONTEXT, OS, …), USER_TEMPLATE (free-form, what
 * {@code one.vm.update} edits; {@link #template()} returns it so the shared operations work on it), every
 * placement as a {@link History} record (oldest first), the snapshots of each disk (SNAPSHOTS, by DISK_ID, see
 * {@link VmDiskSnapshots}) and the backup configuration.
 *
 * <p>Immutable: changes go through {@link #toBuilder()}. The rendered XML documents (full and pool-short) are
 * made once per version on first use, since readers render the same version many times. Thread-safe.
 */
public final class VirtualMachine implements SharedObject<VirtualMachine> {

    private final int id;
    private final String name;
    private final int uid;
    private final int gid;
    private final String uname;
    private final String gname;
    private final Permissions permissions;
    private final Lock lock;
    private final long lastPoll;
    private final VmState state;
    private final LcmState lcmState;
    private final VmState prevState;
    private final LcmState prevLcmState;
    private final boolean resched;
    private final long stime;
    private final long etime;
    private final String deployId;
    private final VmMonitoring monitoring;
    private final Set<Integer> schedActions;
    private final Template vmTemplate;
    private final Template userTemplate;
    private final List<History> history;
    private final Template backupConfig;
    private final Set<Integer> backupIds;
    private final java.util.SortedMap<Integer, dev.nimbo.core.image.ImageSnapshots> diskSnapshots;
    private volatile String xml;
    private volatile String shortXml;

    private VirtualMachine(Builder b) {
        id = b.id;
        name = b.name;
        uid = b.uid;
        gid = b.gid;
        uname = b.uname == null ? "" : b.uname;
        gname = b.gname == null ? "" : b.gname;
        permissions = b.permissions;
        lock = b.lock == null ? Lock.NONE : b.lock;
        lastPoll = b.lastPoll;
        state = b.state;
        lcmState = b.lcmState;
        prevState = b.prevState;
        prevLcmState = b.prevLcmState;
        resched = b.resched;
        stime = b.stime;
        etime = b.etime;
        deployId = b.deployId == null ? "" : b.deployId;
        monitoring = b.monitoring == null ? VmMonitoring.EMPTY : b.monitoring;
        schedActions = IdSet.of(b.schedActions);
        vmTemplate = b.vmTemplate == null ? Template.EMPTY : b.vmTemplate;
        userTemplate = b.userTemplate == null ? Template.EMPTY : b.userTemplate;
        history = List.copyOf(b.history);
        backupConfig = b.backupConfig == null ? Template.EMPTY : b.backupConfig;
        backupIds = IdSet.of(b.backupIds);
        diskSnapshots = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(b.diskSnapshots));
    }

    /** A new VM in {@code state} (PENDING or HOLD) with no history; set the rest on the builder. */
    public static Builder builder(int id, String name, VmState state) {
        Builder b = new Builder();
        b.id = id;
        b.name = name;
        b.state = state;
        b.lcmState = LcmState.LCM_INIT;
        b.prevState = state;
        b.prevLcmState = LcmState.LCM_INIT;
        b.permissions = new Permissions(0600);
        return b;
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    // ------------------------------------------------------------------ accessors

    @Override
    public ObjectType type() {
        return ObjectType.VM;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int uid() {
        return uid;
    }

    @Override
    public int gid() {
        return gid;
    }

    @Override
    public String uname() {
        return uname;
    }

    @Override
    public String gname() {
        return gname;
    }

    @Override
    public Permissions permissions() {
        return permissions;
    }

    @Override
    public Lock lock() {
        return lock;
    }

    public long lastPoll() {
        return lastPoll;
    }

    public VmState state() {
        return state;
    }

    public LcmState lcmState() {
        return lcmState;
    }

    public VmState prevState() {
        return prevState;
    }

    public LcmState prevLcmState() {
        return prevLcmState;
    }

    public Phase phase() {
        return new Phase(state, lcmState);
    }

    public boolean resched() {
        return resched;
    }

    public long stime() {
        return stime;
    }

    public long etime() {
        return etime;
    }

    public String deployId() {
        return deployId;
    }

    public VmMonitoring monitoring() {
        return monitoring;
    }

    public Set<Integer> schedActions() {
        return schedActions;
    }

    /** TEMPLATE: what Nimbo manages (CPU, MEMORY, DISK, NIC, CONTEXT, OS, …). */
    public Template vmTemplate() {
        return vmTemplate;
    }

    /** USER_TEMPLATE: the free-form attributes {@code one.vm.update} edits. */
    public Template userTemplate() {
        return userTemplate;
    }

    /** The template the shared operations (update) work on: USER_TEMPLATE. */
    @Override
    public Template template() {
        return userTemplate;
    }

    public List<History> history() {
        return history;
    }

    public boolean hasHistory() {
        return !history.isEmpty();
    }

    /** The current placement record, or null when never deployed. */
    public History lastHistory() {
        return history.isEmpty() ? null : history.get(history.size() - 1);
    }

    /** The host of the current placement, or -1. */
    public int hostId() {
        History h = lastHistory();
        return h == null ? -1 : h.hid();
    }

    public Template backupConfig() {
        return backupConfig;
    }

    public Set<Integer> backupIds() {
        return backupIds;
    }

    /** The snapshot tree of each disk that has one, by DISK_ID (vm.xsd's SNAPSHOTS). */
    public java.util.SortedMap<Integer, dev.nimbo.core.image.ImageSnapshots> diskSnapshots() {
        return diskSnapshots;
    }

    /** OpenNebula's state_str: the LCM state's name while ACTIVE, else the state's name. */
    public String stateText() {
        return state == VmState.ACTIVE ? lcmState.name() : state.name();
    }

    /** TEMPLATE/CPU (fractions of a physical CPU), 0 when absent. */
    public float cpu() {
        return parseFloat(vmTemplate.get("CPU"));
    }

    /** TEMPLATE/MEMORY in MB, 0 when absent. */
    public long memoryMb() {
        return (long) parseFloat(vmTemplate.get("MEMORY"));
    }

    /** TEMPLATE/VCPU, 1 when absent. */
    public int vcpu() {
        int v = (int) parseFloat(vmTemplate.get("VCPU"));
        return v <= 0 ? 1 : v;
    }

    /**
     * MB the VM's disks take in the system datastore: its volatile disks (no image behind them), and the
     * snapshots of its non-persistent image disks (DISK_SNAPSHOT_TOTAL_SIZE: those clones live there) and what
     * those disks grew by since their image was cloned (SIZE beyond ORIGINAL_SIZE).
     */
    public long systemDiskMb() {
        long total = 0;
        for (VectorAttribute d : vmTemplate.vectors("DISK")) {
            if (d.get("IMAGE_ID") == null && d.get("IMAGE") == null) {
                total += (long) parseFloat(d.get("SIZE"));
            } else if (!"YES".equalsIgnoreCase(d.get("PERSISTENT"))) {
                total += (long) parseFloat(d.get("DISK_SNAPSHOT_TOTAL_SIZE"));
                if (d.get("ORIGINAL_SIZE") != null) {
                    total += Math.max(0, (long) parseFloat(d.get("SIZE")) - (long) parseFloat(d.get("ORIGINAL_SIZE")));
                }
            }
        }
        return total;
    }

    static float parseFloat(String v) {
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            float f = Float.parseFloat(v.strip());
            return Float.isFinite(f) && f > 0 ? f : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    // ------------------------------------------------------------------ SharedObject

    @Override
    public VirtualMachine withName(String n) {
        return toBuilder().name(n).build();
    }

    @Override
    public VirtualMachine withOwner(int u, String un, int g, String gn) {
        return toBuilder().owner(u, un, g, gn).build();
    }

    @Override
    public VirtualMachine withPermissions(Permissions p) {
        return toBuilder().permissions(p).build();
    }

    @Override
    public VirtualMachine withLock(Lock l) {
        return toBuilder().lock(l).build();
    }

    /** USER_TEMPLATE replaced (see {@link #template()}). */
    @Override
    public VirtualMachine withTemplate(Template t) {
        return toBuilder().userTemplate(t).build();
    }

    // ------------------------------------------------------------------ XML

    @Override
    public void writeXml(XmlWriter w) {
        String x = xml;
        if (x == null) {
            XmlWriter own = new XmlWriter(new StringBuilder(2048));
            render(own);
            x = own.toString();
            xml = x;
        }
        w.raw(x);
    }

    private void render(XmlWriter w) {
        w.open("VM").element("ID", id).element("UID", uid).element("GID", gid).element("UNAME", uname)
                .element("GNAME", gname).element("NAME", name);
        permissions.writeXml(w);
        w.element("LAST_POLL", lastPoll).element("STATE", state.code()).element("LCM_STATE", lcmState.code())
                .element("PREV_STATE", prevState.code()).element("PREV_LCM_STATE", prevLcmState.code())
                .element("RESCHED", resched ? 1 : 0).element("STIME", stime).element("ETIME", etime)
                .element("DEPLOY_ID", deployId);
        lock.writeXml(w);
        monitoring.writeXml(w);
        IdSet.write(w, "SCHED_ACTIONS", schedActions);
        vmTemplate.writeXml(w);
        userTemplate.writeXml(w, "USER_TEMPLATE");
        if (history.isEmpty()) {
            w.empty("HISTORY_RECORDS");
        } else {
            w.open("HISTORY_RECORDS");
            for (History h : history) {
                h.writeXml(w);
            }
            w.close("HISTORY_RECORDS");
        }
        for (var e : diskSnapshots.entrySet()) {
            VmDiskSnapshots.writeXml(w, e.getKey(), e.getValue());
        }
        w.open("BACKUPS");
        backupConfig.writeXml(w, "BACKUP_CONFIG");
        IdSet.write(w, "BACKUP_IDS", backupIds);
        w.close("BACKUPS");
        w.close("VM");
    }

    /** The reduced document of {@code one.vmpool.info} (vm_pool.xsd). */
    public void writeShortXml(XmlWriter w) {
        String x = shortXml;
        if (x == null) {
            XmlWriter own = new XmlWriter(new StringBuilder(1024));
            renderShort(own);
            x = own.toString();
            shortXml = x;
        }
        w.raw(x);
    }

    private void renderShort(XmlWriter w) {
        w.open("VM").element("ID", id).element("UID", uid).element("GID", gid).element("UNAME", uname)
                .element("GNAME", gname).element("NAME", name).element("LAST_POLL", lastPoll)
                .element("STATE", state.code()).element("LCM_STATE", lcmState.code())
                .element("RESCHED", resched ? 1 : 0).element("STIME", stime).element("ETIME", etime)
                .element("DEPLOY_ID", deployId);
        if (lock.isLocked()) {
            w.open("LOCK").element("LOCKED", lock.level()).close("LOCK");
        }
        w.open("TEMPLATE");
        cdata(w, "CPU", vmTemplate.get("CPU"));
        cdata(w, "MEMORY", vmTemplate.get("MEMORY"));
        cdata(w, "VCPU", vmTemplate.get("VCPU"));
        List<dev.nimbo.core.template.Attribute> shortAttrs = new ArrayList<>();
        shortAttrs.addAll(vmTemplate.vectors("DISK"));
        shortAttrs.addAll(vmTemplate.vectors("NIC"));
        shortAttrs.addAll(vmTemplate.vectors("GRAPHICS"));
        StringBuilder b = w.builder();
        String inner = Template.of(shortAttrs).toXml();
        b.append(inner, "<TEMPLATE>".length(), inner.length() - "</TEMPLATE>".length());
        w.close("TEMPLATE");
        monitoring.writeXml(w);
        userTemplate.writeXml(w, "USER_TEMPLATE");
        History last = lastHistory();
        if (last == null) {
            w.empty("HISTORY_RECORDS");
        } else {
            w.open("HISTORY_RECORDS");
            last.writeShortXml(w);
            w.close("HISTORY_RECORDS");
        }
        w.close("VM");
    }

    private static void cdata(XmlWriter w, String tag, String v) {
        if (v != null) {
            w.cdata(tag, v);
        }
    }

    public static VirtualMachine fromXml(XmlNode n) {
        Builder b = new Builder();
        b.id = n.integer("ID", -1);
        b.uid = n.integer("UID", 0);
        b.gid = n.integer("GID", 0);
        b.uname = n.text("UNAME");
        b.gname = n.text("GNAME");
        b.name = n.text("NAME");
        b.permissions = Permissions.fromXml(n.child("PERMISSIONS"));
        b.lastPoll = n.longValue("LAST_POLL", 0);
        b.state = VmState.of(n.integer("STATE", 0));
        b.lcmState = LcmState.of(n.integer("LCM_STATE", 0));
        b.prevState = VmState.of(n.integer("PREV_STATE", 0));
        b.prevLcmState = LcmState.of(n.integer("PREV_LCM_STATE", 0));
        b.resched = n.integer("RESCHED", 0) == 1;
        b.stime = n.longValue("STIME", 0);
        b.etime = n.longValue("ETIME", 0);
        b.deployId = n.text("DEPLOY_ID");
        b.lock = Lock.fromXml(n.child("LOCK"));
        b.monitoring = VmMonitoring.fromXml(n.child("MONITORING"));
        b.schedActions = IdSet.read(n, "SCHED_ACTIONS");
        XmlNode t = n.child("TEMPLATE");
        b.vmTemplate = t == null ? Template.EMPTY : Template.fromXml(t);
        XmlNode u = n.child("USER_TEMPLATE");
        b.userTemplate = u == null ? Template.EMPTY : Template.fromXml(u);
        List<History> hs = new ArrayList<>();
        XmlNode hr = n.child("HISTORY_RECORDS");
        if (hr != null) {
            for (XmlNode h : hr.all("HISTORY")) {
                hs.add(History.fromXml(h));
            }
        }
        b.history = hs;
        for (XmlNode sn : n.all("SNAPSHOTS")) {
            b.diskSnapshots.put(sn.integer("DISK_ID", -1), dev.nimbo.core.image.ImageSnapshots.fromXml(sn));
        }
        XmlNode backups = n.child("BACKUPS");
        if (backups != null) {
            XmlNode bc = backups.child("BACKUP_CONFIG");
            b.backupConfig = bc == null ? Template.EMPTY : Template.fromXml(bc);
            b.backupIds = IdSet.read(backups, "BACKUP_IDS");
        }
        return b.build();
    }

    @Override
    public String toString() {
        return "VM " + id + " (" + name + ") " + stateText();
    }

    /** Mutable copy of a VM's fields for building its next version. Not thread-safe; use and drop. */
    public static final class Builder {
        private int id;
        private String name;
        private int uid;
        private int gid;
        private String uname;
        private String gname;
        private Permissions permissions;
        private Lock lock = Lock.NONE;
        private long lastPoll;
        private VmState state;
        private LcmState lcmState;
        private VmState prevState;
        private LcmState prevLcmState;
        private boolean resched;
        private long stime;
        private long etime;
        private String deployId = "";
        private VmMonitoring monitoring = VmMonitoring.EMPTY;
        private Set<Integer> schedActions = Set.of();
        private Template vmTemplate = Template.EMPTY;
        private Template userTemplate = Template.EMPTY;
        private List<History> history = List.of();
        private Template backupConfig = Template.EMPTY;
        private Set<Integer> backupIds = Set.of();
        private java.util.SortedMap<Integer, dev.nimbo.core.image.ImageSnapshots> diskSnapshots = new java.util.TreeMap<>();

        private Builder() {
        }

        private Builder(VirtualMachine v) {
            id = v.id;
            name = v.name;
            uid = v.uid;
            gid = v.gid;
            uname = v.uname;
            gname = v.gname;
            permissions = v.permissions;
            lock = v.lock;
            lastPoll = v.lastPoll;
            state = v.state;
            lcmState = v.lcmState;
            prevState = v.prevState;
            prevLcmState = v.prevLcmState;
            resched = v.resched;
            stime = v.stime;
            etime = v.etime;
            deployId = v.deployId;
            monitoring = v.monitoring;
            schedActions = v.schedActions;
            vmTemplate = v.vmTemplate;
            userTemplate = v.userTemplate;
            history = v.history;
            backupConfig = v.backupConfig;
            backupIds = v.backupIds;
            diskSnapshots = new java.util.TreeMap<>(v.diskSnapshots);
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder owner(int u, String un, int g, String gn) {
            uid = u;
            uname = un;
            gid = g;
            gname = gn;
            return this;
        }

        public Builder permissions(Permissions v) {
            permissions = v;
            return this;
        }

        public Builder lock(Lock v) {
            lock = v;
            return this;
        }

        /** The phase the VM moves to; the one it leaves becomes PREV_STATE/PREV_LCM_STATE when it differs. */
        public Builder phase(Phase p) {
            if (p.state() != state || p.lcm() != lcmState) {
                prevState = state;
                prevLcmState = lcmState;
                state = p.state();
                lcmState = p.lcm();
            }
            return this;
        }

        public Phase phase() {
            return new Phase(state, lcmState);
        }

        public Builder resched(boolean v) {
            resched = v;
            return this;
        }

        public Builder stime(long v) {
            stime = v;
            return this;
        }

        public Builder etime(long v) {
            etime = v;
            return this;
        }

        public Builder deployId(String v) {
            deployId = v;
            return this;
        }

        public Builder monitoring(VmMonitoring m, long pollTime) {
            monitoring = m;
            lastPoll = pollTime;
            return this;
        }

        public Builder schedActions(Set<Integer> v) {
            schedActions = v;
            return this;
        }

        public Builder vmTemplate(Template v) {
            vmTemplate = v;
            return this;
        }

        public Template vmTemplate() {
            return vmTemplate;
        }

        public Builder userTemplate(Template v) {
            userTemplate = v;
            return this;
        }

        public Template userTemplate() {
            return userTemplate;
        }

        public Builder history(List<History> v) {
            history = v;
            return this;
        }

        public List<History> history() {
            return history;
        }

        /** The current placement record, or null. */
        public History lastHistory() {
            return history.isEmpty() ? null : history.get(history.size() - 1);
        }

        /** Replaces the current placement record. */
        public Builder lastHistory(History h) {
            List<History> l = new ArrayList<>(history);
            l.set(l.size() - 1, h);
            history = l;
            return this;
        }

        public Builder addHistory(History h) {
            List<History> l = new ArrayList<>(history);
            l.add(h);
            history = l;
            return this;
        }

        public Builder backups(Template config, Set<Integer> ids) {
            backupConfig = config;
            backupIds = ids;
            return this;
        }

        public Template backupConfig() {
            return backupConfig;
        }

        public Set<Integer> backupIds() {
            return backupIds;
        }

        public java.util.SortedMap<Integer, dev.nimbo.core.image.ImageSnapshots> diskSnapshots() {
            return diskSnapshots;
        }

        /** Disk {@code diskId}'s snapshot tree; an empty one (or null) drops the disk's SNAPSHOTS. */
        public Builder diskSnapshots(int diskId, dev.nimbo.core.image.ImageSnapshots s) {
            if (s == null || s.isEmpty()) {
                diskSnapshots.remove(diskId);
            } else {
                diskSnapshots.put(diskId, s);
            }
            return this;
        }

        public VirtualMachine build() {
            return new VirtualMachine(this);
        }
    }
}
