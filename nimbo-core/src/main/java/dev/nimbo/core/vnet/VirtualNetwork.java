package dev.nimbo.core.vnet;

import dev.nimbo.core.cluster.ClusterMember;
import dev.nimbo.core.obj.IdSet;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.SharedObject;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A virtual network (vnet.xsd): its driver settings (VN_MAD, BRIDGE, PHYDEV, VLAN IDs), the clusters it is
 * in, its address ranges with their leases, and, for a reservation, the network it was reserved from
 * (PARENT_NETWORK_ID). Immutable; {@link #toBuilder()} makes changed copies. The stored and pool form
 * keeps each range's ALLOCATED list; one.vn.info shows the extended form with the leases spelled out.
 */
public record VirtualNetwork(int id, String name, int uid, int gid, String uname, String gname, Permissions permissions,
                             Lock lock, Set<Integer> clusters, String bridge, String bridgeType, int state, int prevState,
                             int parentId, int templateId, String vnMad, String phydev, String vlanId,
                             String outerVlanId, boolean vlanIdAutomatic, boolean outerVlanIdAutomatic,
                             Set<Integer> vrouters, Set<Integer> updatedVms, Set<Integer> outdatedVms,
                             Set<Integer> updatingVms, Set<Integer> errorVms, Template template,
                             List<AddressRange> ranges) implements SharedObject<VirtualNetwork>, ClusterMember {

    public static final int INIT = 0;
    public static final int READY = 1;
    public static final int LOCK_CREATE = 2;
    public static final int LOCK_DELETE = 3;
    public static final int DONE = 4;
    public static final int ERROR = 5;
    public static final int UPDATE_FAILURE = 6;

    private static final String[] STATE_NAMES =
            {"INIT", "READY", "LOCK_CREATE", "LOCK_DELETE", "DONE", "ERROR", "UPDATE_FAILURE"};

    public VirtualNetwork {
        clusters = IdSet.of(clusters);
        vrouters = IdSet.of(vrouters);
        updatedVms = IdSet.of(updatedVms);
        outdatedVms = IdSet.of(outdatedVms);
        updatingVms = IdSet.of(updatingVms);
        errorVms = IdSet.of(errorVms);
        ranges = List.copyOf(ranges);
        uname = uname == null ? "" : uname;
        gname = gname == null ? "" : gname;
        bridge = bridge == null ? "" : bridge;
        bridgeType = bridgeType == null ? "" : bridgeType;
        vnMad = vnMad == null ? "" : vnMad;
        phydev = phydev == null ? "" : phydev;
        vlanId = vlanId == null ? "" : vlanId;
        outerVlanId = outerVlanId == null ? "" : outerVlanId;
    }

    public static String stateName(int state) {
        return state >= 0 && state < STATE_NAMES.length ? STATE_NAMES[state] : "UNKNOWN";
    }

    @Override
    public ObjectType type() {
        return ObjectType.NET;
    }

    public boolean isReservation() {
        return parentId >= 0;
    }

    /** Leases taken in all ranges. */
    public long usedLeases() {
        long n = 0;
        for (AddressRange r : ranges) {
            n += r.used();
        }
        return n;
    }

    public long size() {
        long n = 0;
        for (AddressRange r : ranges) {
            n += r.size();
        }
        return n;
    }

    /** The range with this AR_ID, or null. */
    public AddressRange range(int arId) {
        for (AddressRange r : ranges) {
            if (r.id() == arId) {
                return r;
            }
        }
        return null;
    }

    /** The ID the next new range gets: one more than the highest in use. */
    public int nextRangeId() {
        int max = -1;
        for (AddressRange r : ranges) {
            max = Math.max(max, r.id());
        }
        return max + 1;
    }

    /** The network with {@code range} replacing the range of the same ID (or added at the end). */
    public VirtualNetwork withRange(AddressRange range) {
        List<AddressRange> out = new ArrayList<>(ranges.size() + 1);
        boolean placed = false;
        for (AddressRange r : ranges) {
            if (r.id() == range.id()) {
                out.add(range);
                placed = true;
            } else {
                out.add(r);
            }
        }
        if (!placed) {
            out.add(range);
        }
        return toBuilder().ranges(out).build();
    }

    public VirtualNetwork withoutRange(int arId) {
        List<AddressRange> out = new ArrayList<>(ranges);
        out.removeIf(r -> r.id() == arId);
        return toBuilder().ranges(out).build();
    }

    // ------------------------------------------------------------------ SharedObject / ClusterMember

    @Override
    public VirtualNetwork withName(String n) {
        return toBuilder().name(n).build();
    }

    @Override
    public VirtualNetwork withOwner(int u, String un, int g, String gn) {
        Builder b = toBuilder();
        b.uid = u;
        b.uname = un;
        b.gid = g;
        b.gname = gn;
        return b.build();
    }

    @Override
    public VirtualNetwork withPermissions(Permissions p) {
        Builder b = toBuilder();
        b.permissions = p;
        return b.build();
    }

    @Override
    public VirtualNetwork withLock(Lock l) {
        Builder b = toBuilder();
        b.lock = l;
        return b.build();
    }

    @Override
    public VirtualNetwork withTemplate(Template t) {
        return toBuilder().template(t).build();
    }

    @Override
    public VirtualNetwork withClusters(Set<Integer> clusterIds) {
        return toBuilder().clusters(clusterIds).build();
    }

    // ------------------------------------------------------------------ XML

    /** The stored and pool form: every range with its ALLOCATED list. */
    @Override
    public void writeXml(XmlWriter w) {
        writeHead(w);
        w.open("AR_POOL");
        for (AddressRange r : ranges) {
            r.writeXml(w);
        }
        w.close("AR_POOL");
        w.close("VNET");
    }

    /** The one.vn.info form: ranges with their ends and the leases whose owner {@code visible} accepts. */
    public void writeExtendedXml(XmlWriter w, Predicate<LeaseOwner> visible) {
        writeHead(w);
        w.open("AR_POOL");
        for (AddressRange r : ranges) {
            r.writeExtendedXml(w, visible);
        }
        w.close("AR_POOL");
        w.close("VNET");
    }

    public String toExtendedXml(Predicate<LeaseOwner> visible) {
        XmlWriter w = new XmlWriter(new StringBuilder(1024));
        writeExtendedXml(w, visible);
        return w.toString();
    }

    private void writeHead(XmlWriter w) {
        w.open("VNET").element("ID", id).element("UID", uid).element("GID", gid).element("UNAME", uname)
                .element("GNAME", gname).element("NAME", name);
        lock.writeXml(w);
        permissions.writeXml(w);
        IdSet.write(w, "CLUSTERS", clusters);
        w.element("BRIDGE", bridge).element("BRIDGE_TYPE", bridgeType).element("STATE", state)
                .element("PREV_STATE", prevState);
        optional(w, "PARENT_NETWORK_ID", parentId >= 0 ? Integer.toString(parentId) : "");
        optional(w, "TEMPLATE_ID", templateId >= 0 ? Integer.toString(templateId) : "");
        optional(w, "VN_MAD", vnMad);
        optional(w, "PHYDEV", phydev);
        optional(w, "VLAN_ID", vlanId);
        optional(w, "OUTER_VLAN_ID", outerVlanId);
        w.element("VLAN_ID_AUTOMATIC", vlanIdAutomatic ? 1 : 0);
        w.element("OUTER_VLAN_ID_AUTOMATIC", outerVlanIdAutomatic ? 1 : 0);
        w.element("USED_LEASES", usedLeases());
        IdSet.write(w, "VROUTERS", vrouters);
        IdSet.write(w, "UPDATED_VMS", updatedVms);
        IdSet.write(w, "OUTDATED_VMS", outdatedVms);
        IdSet.write(w, "UPDATING_VMS", updatingVms);
        IdSet.write(w, "ERROR_VMS", errorVms);
        template.writeXml(w);
    }

    private static void optional(XmlWriter w, String tag, String value) {
        if (value.isEmpty()) {
            w.empty(tag);
        } else {
            w.element(tag, value);
        }
    }

    public static VirtualNetwork fromXml(XmlNode v) {
        XmlNode t = v.child("TEMPLATE");
        List<AddressRange> ars = new ArrayList<>();
        XmlNode pool = v.child("AR_POOL");
        if (pool != null) {
            for (XmlNode ar : pool.all("AR")) {
                ars.add(AddressRange.fromXml(ar));
            }
        }
        return new VirtualNetwork(v.integer("ID", -1), v.text("NAME"), v.integer("UID", 0), v.integer("GID", 0),
                v.text("UNAME"), v.text("GNAME"), Permissions.fromXml(v.child("PERMISSIONS")), Lock.fromXml(v.child("LOCK")),
                IdSet.read(v, "CLUSTERS"), v.text("BRIDGE"), v.text("BRIDGE_TYPE"), v.integer("STATE", READY),
                v.integer("PREV_STATE", READY), v.integer("PARENT_NETWORK_ID", -1), v.integer("TEMPLATE_ID", -1),
                v.text("VN_MAD"), v.text("PHYDEV"), v.text("VLAN_ID"), v.text("OUTER_VLAN_ID"),
                v.integer("VLAN_ID_AUTOMATIC", 0) == 1, v.integer("OUTER_VLAN_ID_AUTOMATIC", 0) == 1,
                IdSet.read(v, "VROUTERS"), IdSet.read(v, "UPDATED_VMS"), IdSet.read(v, "OUTDATED_VMS"),
                IdSet.read(v, "UPDATING_VMS"), IdSet.read(v, "ERROR_VMS"), t == null ? Template.EMPTY : Template.fromXml(t),
                ars);
    }

    // ------------------------------------------------------------------ builder

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A mutable copy for building the next version; not thread-safe, used inside one action. */
    public static final class Builder {
        public int id;
        public String name;
        public int uid;
        public int gid;
        public String uname;
        public String gname;
        public Permissions permissions;
        public Lock lock;
        public Set<Integer> clusters;
        public String bridge;
        public String bridgeType;
        public int state;
        public int prevState;
        public int parentId;
        public int templateId;
        public String vnMad;
        public String phydev;
        public String vlanId;
        public String outerVlanId;
        public boolean vlanIdAutomatic;
        public boolean outerVlanIdAutomatic;
        public Set<Integer> vrouters;
        public Set<Integer> updatedVms;
        public Set<Integer> outdatedVms;
        public Set<Integer> updatingVms;
        public Set<Integer> errorVms;
        public Template template;
        public List<AddressRange> ranges;

        /** An empty READY network with no ranges, parent or template. */
        public Builder() {
            permissions = new Permissions(0);
            lock = Lock.NONE;
            clusters = Set.of();
            state = READY;
            prevState = READY;
            parentId = -1;
            templateId = -1;
            vrouters = Set.of();
            updatedVms = Set.of();
            outdatedVms = Set.of();
            updatingVms = Set.of();
            errorVms = Set.of();
            template = Template.EMPTY;
            ranges = List.of();
        }

        Builder(VirtualNetwork v) {
            id = v.id;
            name = v.name;
            uid = v.uid;
            gid = v.gid;
            uname = v.uname;
            gname = v.gname;
            permissions = v.permissions;
            lock = v.lock;
            clusters = v.clusters;
            bridge = v.bridge;
            bridgeType = v.bridgeType;
            state = v.state;
            prevState = v.prevState;
            parentId = v.parentId;
            templateId = v.templateId;
            vnMad = v.vnMad;
            phydev = v.phydev;
            vlanId = v.vlanId;
            outerVlanId = v.outerVlanId;
            vlanIdAutomatic = v.vlanIdAutomatic;
            outerVlanIdAutomatic = v.outerVlanIdAutomatic;
            vrouters = v.vrouters;
            updatedVms = v.updatedVms;
            outdatedVms = v.outdatedVms;
            updatingVms = v.updatingVms;
            errorVms = v.errorVms;
            template = v.template;
            ranges = v.ranges;
        }

        public Builder name(String n) {
            name = n;
            return this;
        }

        public Builder template(Template t) {
            template = t;
            return this;
        }

        public Builder ranges(List<AddressRange> r) {
            ranges = r;
            return this;
        }

        public Builder clusters(Set<Integer> c) {
            clusters = c;
            return this;
        }

        public Builder state(int s) {
            prevState = state;
            state = s;
            return this;
        }

        public VirtualNetwork build() {
            return new VirtualNetwork(id, name, uid, gid, uname, gname, permissions, lock, clusters, bridge, bridgeType,
                    state, prevState, parentId, templateId, vnMad, phydev, vlanId, outerVlanId, vlanIdAutomatic,
                    outerVlanIdAutomatic, vrouters, updatedVms, outdatedVms, updatingVms, errorVms, template, ranges);
        }
    }
}
