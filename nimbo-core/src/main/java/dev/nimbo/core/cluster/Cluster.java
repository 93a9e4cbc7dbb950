package dev.nimbo.core.cluster;

import dev.nimbo.core.obj.IdSet;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.Set;

/** A cluster (cluster.xsd): the hosts, datastores and networks it groups. Immutable. */
public record Cluster(int id, String name, Set<Integer> hosts, Set<Integer> datastores,
                      Set<Integer> vnets, Template template) implements PoolObject {

    public static final int DEFAULT_ID = 0;
    public static final int FIRST_USER_CLUSTER_ID = 100;

    public Cluster {
        hosts = IdSet.of(hosts);
        datastores = IdSet.of(datastores);
        vnets = IdSet.of(vnets);
    }

    @Override
    public ObjectType type() {
        return ObjectType.CLUSTER;
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
    public void writeXml(XmlWriter w) {
        w.open("CLUSTER").element("ID", id).element("NAME", name);
        IdSet.write(w, "HOSTS", hosts);
        IdSet.write(w, "DATASTORES", datastores);
        IdSet.write(w, "VNETS", vnets);
        template.writeXml(w);
        w.close("CLUSTER");
    }

    public static Cluster fromXml(XmlNode c) {
        XmlNode t = c.child("TEMPLATE");
        return new Cluster(c.integer("ID", -1), c.text("NAME"), IdSet.read(c, "HOSTS"), IdSet.read(c, "DATASTORES"),
                IdSet.read(c, "VNETS"), t == null ? Template.EMPTY : Template.fromXml(t));
    }
}
