package dev.nimbo.core.datastore;

import dev.nimbo.core.cluster.ClusterMember;
import dev.nimbo.core.obj.IdSet;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.Set;

/**
 * A datastore (datastore.xsd). TYPE 0 IMAGE_DS, 1 SYSTEM_DS, 2 FILE_DS; STATE 0 READY, 1 DISABLED;
 * DISK_TYPE 0 FILE. Capacity in MB as last monitored. Immutable.
 */
public record Datastore(int id, String name, int uid, int gid, String uname, String gname, Permissions permissions,
                        String dsMad, String tmMad, String basePath, int dsType, int diskType, int state,
                        Set<Integer> clusters, long totalMb, long freeMb, long usedMb, Set<Integer> images,
                        Template template) implements PoolObject, ClusterMember {

    public static final int IMAGE_DS = 0;
    public static final int SYSTEM_DS = 1;
    public static final int FILE_DS = 2;

    public Datastore {
        clusters = IdSet.of(clusters);
        images = IdSet.of(images);
    }

    @Override
    public ObjectType type() {
        return ObjectType.DATASTORE;
    }

    @Override
    public Datastore withClusters(Set<Integer> clusterIds) {
        return new Datastore(id, name, uid, gid, uname, gname, permissions, dsMad, tmMad, basePath, dsType, diskType,
                state, clusterIds, totalMb, freeMb, usedMb, images, template);
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
