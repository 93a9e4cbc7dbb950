package dev.nimbo.core.host;

import dev.nimbo.core.cluster.Cluster;
import dev.nimbo.core.cluster.ClusterMember;
import dev.nimbo.core.obj.IdSet;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Set;

/**
 * A host (host.xsd): a hypervisor node with its drivers (IM_MAD monitors it, VM_MAD runs VMs), its one
 * cluster, its capacity and devices (HOST_SHARE), the VMs placed on it, a free-form TEMPLATE (user attributes
 * such as LABELS, RESERVED_CPU/RESERVED_MEM, and what monitoring reports) and the last MONITORING record.
 * Hosts belong to oneadmin. Immutable: every change below returns a new version, which an action stages.
 *
 * <p>State rules follow OpenNebula: enable gives INIT (or MONITORED for a disabled host that has been
 * monitored), a monitoring success gives MONITORED and a failure ERROR except on DISABLED hosts, and OFFLINE
 * hosts are not monitored and have no capacity.
 */
public record Host(int id, String name, HostState state, HostState prevState, String imMad, String vmMad,
                   int clusterId, String clusterName, HostShare share, Set<Integer> vms, Template template,
                   MonitoringSample monitoring) implements ClusterMember {

    /** Attributes a monitoring reports that go away when the host goes offline. */
    private static final String[] CAPACITY_ATTRIBUTES = {
        "TOTALCPU", "TOTALMEMORY", "FREECPU", "FREEMEMORY", "USEDCPU", "USEDMEMORY"};
    private static final DateTimeFormatter CTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ENGLISH);

    public Host {
        vms = IdSet.of(vms);
        share = share == null ? HostShare.EMPTY : share;
        template = template == null ? Template.EMPTY : template;
    }

    /** A new host in INIT, its template holding the drivers and empty reservations, as OpenNebula creates it. */
    public static Host create(int id, String name, String imMad, String vmMad, int clusterId, String clusterName) {
        Template t = Template.EMPTY.with("RESERVED_CPU", "").with("RESERVED_MEM", "").with("IM_MAD", imMad)
                .with("VM_MAD", vmMad);
        return new Host(id, name, HostState.INIT, HostState.INIT, imMad, vmMad, clusterId, clusterName,
                HostShare.EMPTY, Set.of(), t, null);
    }

    @Override
    public ObjectType type() {
        return ObjectType.HOST;
    }

    @Override
    public int uid() {
        return 0;
    }

    @Override
    public int gid() {
        return 0;
    }

    @Override
    public Permissions permissions() {
        return new Permissions(0);
    }

    @Override
    public Set<Integer> clusters() {
        return Set.of(clusterId);
    }

    /**
     * ClusterMember's form: a host is in exactly one cluster. Prefer {@link #withCluster(Cluster)}, which
     * also sets the cluster's name and reservations.
     */
    @Override
    public Host withClusters(Set<Integer> clusterIds) {
        if (clusterIds.size() != 1) {
            throw new IllegalArgumentException("a host belongs to exactly one cluster, got " + clusterIds);
        }
        int cid = clusterIds.iterator().next();
        return new Host(id, name, state, prevState, imMad, vmMad, cid, cid == clusterId ? clusterName : "", share,
                vms, template, monitoring);
    }

    // ------------------------------------------------------------------ changes

    public Host withName(String newName) {
        return new Host(id, newName, state, prevState, imMad, vmMad, clusterId, clusterName, share, vms, template,
                monitoring);
    }

    /** Moved into a cluster: its ID and name, and the capacity recomputed with its reservations. */
    public Host withCluster(Cluster cluster) {
        Host h = new Host(id, name, state, prevState, imMad, vmMad, cluster.id(), cluster.name(), share, vms, template,
                monitoring);
        return h.withReservations(cluster);
    }

    /** The cluster renamed: only the CLUSTER element changes. */
    public Host withClusterName(String newName) {
        return new Host(id, name, state, prevState, imMad, vmMad, clusterId, newName, share, vms, template, monitoring);
    }

    /** MAX_CPU/MAX_MEM recomputed from RESERVED_CPU/RESERVED_MEM here, else the cluster's. */
    public Host withReservations(Cluster cluster) {
        HostShare s = share.withReserved(reservedCpu(cluster), reservedMem(cluster));
        return s == share ? this : withShare(s);
    }

    public Host withShare(HostShare newShare) {
        return new Host(id, name, state, prevState, imMad, vmMad, clusterId, clusterName, newShare, vms, template,
                monitoring);
    }

    public Host withVms(Set<Integer> newVms) {
        return new Host(id, name, state, prevState, imMad, vmMad, clusterId, clusterName, share, newVms, template,
                monitoring);
    }

    /**
     * The template after {@code one.host.update}: IM_MAD/VM_MAD in it switch the drivers (the caller checked
     * they exist), both are written back into the template, and VMS_THREAD and the reservations take effect.
     */
    public Host withUserTemplate(Template newTemplate, Cluster cluster) {
        String im = nonEmpty(newTemplate.get("IM_MAD"), imMad);
        String vm = nonEmpty(newTemplate.get("VM_MAD"), vmMad);
        Template t = newTemplate.with("IM_MAD", im).with("VM_MAD", vm);
        Host h = new Host(id, name, state, prevState, im, vm, clusterId, clusterName, share, vms, t, monitoring);
        HostShare s = h.share.withVmsThread(vmsThread(t)).withReserved(h.reservedCpu(cluster), h.reservedMem(cluster));
        return s == h.share ? h : h.withShare(s);
    }

    private static int vmsThread(Template t) {
        String v = t.get("VMS_THREAD");
        if (v == null) {
            return 1;
        }
        try {
            return Math.max(1, Integer.parseInt(v.strip()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static String nonEmpty(String value, String dflt) {
        return value == null || value.isBlank() ? dflt : value.strip();
    }

    /** The host in a new state; PREV_STATE keeps the one it leaves. */
    public Host withState(HostState next) {
        if (next == state) {
            return this;
        }
        return new Host(id, name, next, state, imMad, vmMad, clusterId, clusterName, share, vms, template, monitoring);
    }

    /** one.host.status ENABLED: back to monitoring; a disabled host that has capacity is MONITORED at once. */
    public Host enable() {
        return withState(state == HostState.DISABLED && share.totalCpu() > 0 ? HostState.MONITORED : HostState.INIT);
    }

    public Host disable() {
        return withState(HostState.DISABLED);
    }

    /** one.host.status OFFLINE: no monitoring, no capacity, the reported capacity attributes removed. */
    public Host offline() {
        Template t = template;
        for (String a : CAPACITY_ATTRIBUTES) {
            t = t.without(a);
        }
        Host h = withState(HostState.OFFLINE);
        return new Host(id, name, h.state, h.prevState, imMad, vmMad, clusterId, clusterName, share.withoutCapacity(),
                vms, t, monitoring);
    }

    /**
     * A successful monitoring applied: the reported attributes merged into the template (and a previous
     * ERROR cleared), capacity, disk, NUMA and PCI updated keeping VM usage, the record kept as MONITORING,
     * and the state MONITORED unless the host is disabled. An OFFLINE host ignores it (it was taken offline
     * while the monitoring ran).
     */
    public Host monitored(HostMonitoring m, Cluster cluster, long now) {
        if (state == HostState.OFFLINE) {
            return this;
        }
        Template t = template.without("ERROR").update(m.attributes(), true);
        HostShare s = share.withVmsThread(vmsThread(t)).monitored(m.totalCpu(), m.totalMemKb(),
                reservedCpu(t, cluster), reservedMem(t, cluster), m.disk(), m.numaNodes(), m.pciDevices());
        HostState next = state == HostState.DISABLED ? HostState.DISABLED : HostState.MONITORED;
        MonitoringSample sample = m.sample() == null ? null
                : m.sample().forHost(id, m.sample().timestamp() > 0 ? m.sample().timestamp() : now);
        Host h = withState(next);
        return new Host(id, name, h.state, h.prevState, imMad, vmMad, clusterId, clusterName, s, vms, t, sample);
    }

    /**
     * A failed monitoring: ERROR in the template says why (with the time, as OpenNebula writes it) and the
     * host goes to ERROR, unless it is disabled or offline.
     */
    public Host monitorFailed(String reason, long now) {
        String message = "Error monitoring Host " + name + " (" + id + "): " + reason;
        Template t = template.with("ERROR", ctime(now) + " : " + message);
        HostState next = state == HostState.DISABLED || state == HostState.OFFLINE ? state : HostState.ERROR;
        Host h = withState(next);
        return new Host(id, name, h.state, h.prevState, imMad, vmMad, clusterId, clusterName, share, vms, t,
                monitoring);
    }

    static String ctime(long epochSeconds) {
        return CTIME.format(Instant.ofEpochSecond(epochSeconds).atZone(ZoneId.systemDefault()));
    }

    // ------------------------------------------------------------------ reservations

    /** RESERVED_CPU of the host when set, else of its cluster (may be empty). */
    public String reservedCpu(Cluster cluster) {
        return reservedCpu(template, cluster);
    }

    public String reservedMem(Cluster cluster) {
        return reservedMem(template, cluster);
    }

    private static String reservedCpu(Template t, Cluster cluster) {
        String own = t.get("RESERVED_CPU");
        return own != null && !own.isBlank() ? own : cluster == null ? "" : cluster.reservedCpu();
    }

    private static String reservedMem(Template t, Cluster cluster) {
        String own = t.get("RESERVED_MEM");
        return own != null && !own.isBlank() ? own : cluster == null ? "" : cluster.reservedMem();
    }

    /** The host's LABELS (comma-separated in the template, as Sunstone writes them), trimmed, without empties. */
    public java.util.List<String> labels() {
        String v = template.get("LABELS");
        if (v == null || v.isBlank()) {
            return java.util.List.of();
        }
        return java.util.Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).distinct().toList();
    }

    // ------------------------------------------------------------------ XML

    @Override
    public void writeXml(XmlWriter w) {
        w.open("HOST").element("ID", id).element("NAME", name).element("STATE", state.code())
                .element("PREV_STATE", prevState.code()).element("IM_MAD", imMad).element("VM_MAD", vmMad)
                .element("CLUSTER_ID", clusterId).element("CLUSTER", clusterName);
        share.writeXml(w);
        IdSet.write(w, "VMS", vms);
        template.writeXml(w);
        if (monitoring == null) {
            MonitoringSample.writeEmpty(w);
        } else {
            monitoring.writeXml(w);
        }
        w.close("HOST");
    }

    public static Host fromXml(XmlNode h) {
        XmlNode t = h.child("TEMPLATE");
        return new Host(h.integer("ID", -1), h.text("NAME"), HostState.of(h.integer("STATE", 0)),
                HostState.of(h.integer("PREV_STATE", 0)), h.text("IM_MAD"), h.text("VM_MAD"),
                h.integer("CLUSTER_ID", Cluster.DEFAULT_ID), h.text("CLUSTER"), HostShare.fromXml(h.child("HOST_SHARE")),
                IdSet.read(h, "VMS"), t == null ? Template.EMPTY : Template.fromXml(t),
                MonitoringSample.fromXml(h.child("MONITORING")));
    }
}
