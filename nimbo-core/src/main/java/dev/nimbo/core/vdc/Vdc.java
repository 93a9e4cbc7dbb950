package dev.nimbo.core.vdc;

import dev.nimbo.core.obj.IdSet;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.Renamable;
import dev.nimbo.core.obj.Templated;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A virtual data center (vdc.xsd): groups and the clusters, hosts, datastores and networks they get, each
 * resource named by zone and ID ({@link #ALL} for every resource of the kind in that zone). Owned by oneadmin,
 * as OpenNebula's VDCs are. Immutable; the ACL rules a VDC implies are kept in step by {@link VdcActions}.
 */
public record Vdc(int id, String name, Set<Integer> groups, Map<VdcResource, SortedSet<ZoneResource>> resources,
                  Template template) implements Templated<Vdc>, Renamable<Vdc> {

    /** OpenNebula's "all resources" ID (Vdc::ALL_RESOURCES). */
    public static final int ALL = -10;
    public static final int DEFAULT_ID = 0;
    public static final String DEFAULT_NAME = "default";
    /** IDs below this are reserved for system VDCs, which cannot be deleted. */
    public static final int FIRST_USER_ID = 100;
    /** OpenNebula objects start as owner use + manage: only oneadmin's group passes, as for any VDC. */
    private static final Permissions PERMISSIONS = new Permissions(0600);

    /** A resource of one zone; ordered by zone, then ID, as OpenNebula keeps them. */
    public record ZoneResource(int zoneId, int resourceId) implements Comparable<ZoneResource> {
        private static final Comparator<ZoneResource> ORDER =
                Comparator.comparingInt(ZoneResource::zoneId).thenComparingInt(ZoneResource::resourceId);

        @Override
        public int compareTo(ZoneResource o) {
            return ORDER.compare(this, o);
        }
    }

    public Vdc {
        groups = IdSet.of(groups);
        EnumMap<VdcResource, SortedSet<ZoneResource>> copy = new EnumMap<>(VdcResource.class);
        for (VdcResource r : VdcResource.values()) {
            SortedSet<ZoneResource> given = resources.get(r);
            copy.put(r, Collections.unmodifiableSortedSet(given == null ? new TreeSet<>() : new TreeSet<>(given)));
        }
        resources = Collections.unmodifiableMap(copy);
    }

    public static Vdc create(int id, String name, Template template) {
        return new Vdc(id, name, Set.of(), Map.of(), template);
    }

    @Override
    public ObjectType type() {
        return ObjectType.VDC;
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
        return PERMISSIONS;
    }

    public SortedSet<ZoneResource> resources(VdcResource kind) {
        return resources.get(kind);
    }

    @Override
    public Vdc withName(String n) {
        return new Vdc(id, n, groups, resources, template);
    }

    @Override
    public Vdc withTemplate(Template t) {
        return new Vdc(id, name, groups, resources, t);
    }

    public Vdc withGroups(Set<Integer> g) {
        return new Vdc(id, name, g, resources, template);
    }

    public Vdc withResources(VdcResource kind, SortedSet<ZoneResource> set) {
        EnumMap<VdcResource, SortedSet<ZoneResource>> next = new EnumMap<>(resources);
        next.put(kind, set);
        return new Vdc(id, name, groups, next, template);
    }

    @Override
    public void writeXml(XmlWriter w) {
        w.open("VDC").element("ID", id).element("NAME", name);
        IdSet.write(w, "GROUPS", groups);
        for (VdcResource kind : VdcResource.values()) {
            w.open(kind.listElement());
            for (ZoneResource r : resources.get(kind)) {
                w.open(kind.itemElement()).element("ZONE_ID", r.zoneId())
                        .element(kind.itemElement() + "_ID", r.resourceId()).close(kind.itemElement());
            }
            w.close(kind.listElement());
        }
        template.writeXml(w);
        w.close("VDC");
    }

    public static Vdc fromXml(XmlNode v) {
        EnumMap<VdcResource, SortedSet<ZoneResource>> res = new EnumMap<>(VdcResource.class);
        for (VdcResource kind : VdcResource.values()) {
            TreeSet<ZoneResource> set = new TreeSet<>();
            XmlNode list = v.child(kind.listElement());
            if (list != null) {
                for (XmlNode item : list.all(kind.itemElement())) {
                    set.add(new ZoneResource(item.integer("ZONE_ID", -1), item.integer(kind.itemElement() + "_ID", -1)));
                }
            }
            res.put(kind, set);
        }
        XmlNode t = v.child("TEMPLATE");
        return new Vdc(v.integer("ID", -1), v.text("NAME"), IdSet.read(v, "GROUPS"), res,
                t == null ? Template.EMPTY : Template.fromXml(t));
    }
}
