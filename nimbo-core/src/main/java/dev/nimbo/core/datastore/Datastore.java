package dev.nimbo.core.datastore;

import dev.nimbo.core.cluster.ClusterMember;
import dev.nimbo.core.obj.IdSet;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.SharedObject;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.Locale;
import java.util.Set;

/**
 * A datastore (datastore.xsd). TYPE 0 IMAGE_DS, 1 SYSTEM_DS, 2 FILE_DS, 3 BACKUP_DS (VM backups, TM_MAD "-");
 * STATE 0 READY, 1 DISABLED; DISK_TYPE as the image disk types (0 FILE). DS_MAD names the datastore
 * driver that stores images ("-" for system datastores), TM_MAD the transfer driver that moves them to hosts.
 * Capacity in MB as last monitored; IMAGES the images registered in it. Datastores carry no object lock (the
 * XSD has none), so {@link #withLock} is the identity. Immutable.
 */
public record Datastore(int id, String name, int uid, int gid, String uname, String gname, Permissions permissions,
                        String dsMad, String tmMad, String basePath, int dsType, int diskType, int state,
                        Set<Integer> clusters, long totalMb, long freeMb, long usedMb, Set<Integer> images,
                        Template template) implements SharedObject<Datastore>, ClusterMember {

    public static final int IMAGE_DS = 0;
    public static final int SYSTEM_DS = 1;
    public static final int FILE_DS = 2;
    public static final int BACKUP_DS = 3;

    public static final int READY = 0;
    public static final int DISABLED = 1;

    /** OpenNebula's DatastorePool::SYSTEM_DS_ID: always a system datastore. */
    public static final int SYSTEM_DS_ID = 0;
    public static final int FIRST_USER_DATASTORE_ID = 100;

    public Datastore {
        clusters = IdSet.of(clusters);
        images = IdSet.of(images);
    }

    @Override
    public ObjectType type() {
        return ObjectType.DATASTORE;
    }

    /** TYPE as the template spells it: IMAGE_DS, SYSTEM_DS, FILE_DS, BACKUP_DS. */
    public static String typeName(int dsType) {
        return switch (dsType) {
            case SYSTEM_DS -> "SYSTEM_DS";
            case FILE_DS -> "FILE_DS";
            case BACKUP_DS -> "BACKUP_DS";
            default -> "IMAGE_DS";
        };
    }

    /** OpenNebula's str_to_type: empty and unknown names are IMAGE_DS. */
    public static int parseType(String name) {
        if (name == null) {
            return IMAGE_DS;
        }
        return switch (name.trim().toUpperCase(Locale.ROOT)) {
            case "SYSTEM_DS" -> SYSTEM_DS;
            case "FILE_DS" -> FILE_DS;
            case "BACKUP_DS" -> BACKUP_DS;
            default -> IMAGE_DS;
        };
    }

    public String typeName() {
        return typeName(dsType);
    }

    public boolean enabled() {
        return state == READY;
    }

    /**
     * The MB an image may still take: FREE_MB, or LIMIT_MB − USED_MB when the template sets LIMIT_MB (never
     * below 0), as oned's get_avail_mb.
     */
    public long availableMb() {
        long avail = freeMb;
        String limit = template.get("LIMIT_MB");
        if (limit != null && !limit.isBlank()) {
            try {
                avail = Long.parseLong(limit.trim()) - usedMb;
            } catch (NumberFormatException e) {
                // an unparsable LIMIT_MB is ignored, as oned's template getter does
            }
        }
        return Math.max(0, avail);
    }

    /** DATASTORE_CAPACITY_CHECK from the template, default yes (oned.conf's default). */
    public boolean capacityCheck() {
        String v = template.get("DATASTORE_CAPACITY_CHECK");
        return v == null || v.isBlank() || isYes(v);
    }

    static boolean isYes(String v) {
        String s = v.trim().toUpperCase(Locale.ROOT);
        return s.equals("YES") || s.equals("TRUE") || s.equals("1");
    }

    @Override
    public Datastore withClusters(Set<Integer> clusterIds) {
        return new Datastore(id, name, uid, gid, uname, gname, permissions, dsMad, tmMad, basePath, dsType, diskType,
                state, clusterIds, totalMb, freeMb, usedMb, images, template);
    }

    @Override
    public Datastore withName(String n) {
        return new Datastore(id, n, uid, gid, uname, gname, permissions, dsMad, tmMad, basePath, dsType, diskType,
                state, clusters, totalMb, freeMb, usedMb, images, template);
    }

    @Override
    public Datastore withOwner(int u, String un, int g, String gn) {
        return new Datastore(id, name, u, g, un, gn, permissions, dsMad, tmMad, basePath, dsType, diskType,
                state, clusters, totalMb, freeMb, usedMb, images, template);
    }

    @Override
    public Datastore withPermissions(Permissions p) {
        return new Datastore(id, name, uid, gid, uname, gname, p, dsMad, tmMad, basePath, dsType, diskType,
                state, clusters, totalMb, freeMb, usedMb, images, template);
    }

    /** Datastores have no lock in OpenNebula; the shared lock operations are not offered for them. */
    @Override
    public Datastore withLock(Lock lock) {
        return this;
    }

    @Override
    public Datastore withTemplate(Template t) {
        return new Datastore(id, name, uid, gid, uname, gname, permissions, dsMad, tmMad, basePath, dsType, diskType,
                state, clusters, totalMb, freeMb, usedMb, images, t);
    }

    /** New drivers, type and template after an update (see {@link DatastoreConfig}). */
    public Datastore withConfig(String newDsMad, String newTmMad, int newType, int newDiskType, Template t) {
        return new Datastore(id, name, uid, gid, uname, gname, permissions, newDsMad, newTmMad, basePath, newType,
                newDiskType, state, clusters, totalMb, freeMb, usedMb, images, t);
    }

    public Datastore withState(int newState) {
        return new Datastore(id, name, uid, gid, uname, gname, permissions, dsMad, tmMad, basePath, dsType, diskType,
                newState, clusters, totalMb, freeMb, usedMb, images, template);
    }

    public Datastore withCapacity(long total, long free, long used) {
        return new Datastore(id, name, uid, gid, uname, gname, permissions, dsMad, tmMad, basePath, dsType, diskType,
                state, clusters, total, free, used, images, template);
    }

    public Datastore withImage(int imageId) {
        return new Datastore(id, name, uid, gid, uname, gname, permissions, dsMad, tmMad, basePath, dsType, diskType,
                state, clusters, totalMb, freeMb, usedMb, IdSet.with(images, imageId), template);
    }

    public Datastore withoutImage(int imageId) {
        return new Datastore(id, name, uid, gid, uname, gname, permissions, dsMad, tmMad, basePath, dsType, diskType,
                state, clusters, totalMb, freeMb, usedMb, IdSet.without(images, imageId), template);
    }

    @Override
    public void writeXml(XmlWriter w) {
        w.open("DATASTORE").element("ID", id).element("UID", uid).element("GID", gid).element("UNAME", uname)
                .element("GNAME", gname).element("NAME", name);
        permissions.writeXml(w);
        w.element("DS_MAD", dsMad).element("TM_MAD", tmMad).element("BASE_PATH", basePath).element("TYPE", dsType)
                .element("DISK_TYPE", diskType).element("STATE", state);
        IdSet.write(w, "CLUSTERS", clusters);
        w.element("TOTAL_MB", totalMb).element("FREE_MB", freeMb).element("USED_MB", usedMb);
        IdSet.write(w, "IMAGES", images);
        template.writeXml(w);
        w.close("DATASTORE");
    }

    public static Datastore fromXml(XmlNode d) {
        XmlNode t = d.child("TEMPLATE");
        return new Datastore(d.integer("ID", -1), d.text("NAME"), d.integer("UID", 0), d.integer("GID", 0),
                d.text("UNAME"), d.text("GNAME"), Permissions.fromXml(d.child("PERMISSIONS")), d.text("DS_MAD"),
                d.text("TM_MAD"), d.text("BASE_PATH"), d.integer("TYPE", 0), d.integer("DISK_TYPE", 0),
                d.integer("STATE", 0), IdSet.read(d, "CLUSTERS"), d.longValue("TOTAL_MB", 0), d.longValue("FREE_MB", 0),
                d.longValue("USED_MB", 0), IdSet.read(d, "IMAGES"), t == null ? Template.EMPTY : Template.fromXml(t));
    }
}
