package dev.nimbo.core.cluster;

import dev.nimbo.core.obj.IdSet;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.Set;

/**
 * A cluster (cluster.xsd): the hosts, datastores and networks it groups, and a template whose RESERVED_CPU
 * and RESERVED_MEM reserve capacity on every member host that does not set its own (see
 * {@code HostShare.reserved}). Membership is kept on both sides: the member records its cluster(s) too, so
 * an action changes both records together. Clusters belong to oneadmin. Immutable.
 */
public record Cluster(int id, String name, Set<Integer> hosts, Set<Integer> datastores,
                      Set<Integer> vnets, Template template) implements PoolObject {

    public static final int DEFAULT_ID = 0;
    public static final String DEFAULT_NAME = "default";
    public static final int FIRST_USER_CLUSTER_ID = 100;
    /** The cluster ID allocate calls pass for "no cluster" / "the default one". */
    public static final int NONE_ID = -1;

    public Cluster {
        hosts = IdSet.of(hosts);
        datastores = IdSet.of(datastores);
        vnets = IdSet.of(vnets);
        template = template == null ? Template.EMPTY : template;
        // As OpenNebula, every cluster template carries the (possibly empty) reservations.
        if (template.get("RESERVED_CPU") == null) {
            template = template.with("RESERVED_CPU", "");
        }
        if (template.get("RESERVED_MEM") == null) {
            template = template.with("RESERVED_MEM", "");
        }
    }

    /** A new, empty cluster. */
    public static Cluster create(int id, String name) {
        return new Cluster(id, name, Set.of(), Set.of(), Set.of(), Template.EMPTY);
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

    /** RESERVED_CPU: CPU (hundredths, or N%) each member host keeps back; empty for none. */
    public String reservedCpu() {
        String v = template.get("RESERVED_CPU");
        return v == null ? "" : v;
    }

    /** RESERVED_MEM: memory (KB, or N%) each member host keeps back; empty for none. */
    public String reservedMem() {
        String v = template.get("RESERVED_MEM");
        return v == null ? "" : v;
    }

    /** Hosts, datastores and networks together: a cluster can be deleted only when this is zero. */
    public boolean isEmpty() {
        return hosts.isEmpty() && datastores.isEmpty() && vnets.isEmpty();
    }

    public Cluster withName(String newName) {
        return new Cluster(id, newName, hosts, datastores, vnets, template);
    }

    public Cluster withTemplate(Template newTemplate) {
        return new Cluster(id, name, hosts, datastores, vnets, newTemplate);
    }

    public Cluster withHost(int hostId) {
        return new Cluster(id, name, IdSet.with(hosts, hostId), datastores, vnets, template);
    }

    public Cluster withoutHost(int hostId) {
        return new Cluster(id, name, IdSet.without(hosts, hostId), datastores, vnets, template);
    }

    public Cluster withDatastore(int dsId) {
        return new Cluster(id, name, hosts, IdSet.with(datastores, dsId), vnets, template);
    }

    public Cluster withoutDatastore(int dsId) {
        return new Cluster(id, name, hosts, IdSet.without(datastores, dsId), vnets, template);
    }

    public Cluster withVnet(int vnetId) {
        return new Cluster(id, name, hosts, datastores, IdSet.with(vnets, vnetId), template);
    }

    public Cluster withoutVnet(int vnetId) {
        return new Cluster(id, name, hosts, datastores, IdSet.without(vnets, vnetId), template);
    }

    /** The member set for an object type: HOST, DATASTORE or NET. */
    public Set<Integer> members(ObjectType type) {
        return switch (type) {
            case HOST -> hosts;
            case DATASTORE -> datastores;
            case NET -> vnets;
            default -> throw new IllegalArgumentException("clusters do not hold " + type);
        };
    }

    /** This cluster with the object of that type (HOST, DATASTORE or NET) added or removed. */
    public Cluster withMember(ObjectType type, int objectId, boolean add) {
        return switch (type) {
            case HOST -> add ? withHost(objectId) : withoutHost(objectId);
            case DATASTORE -> add ? withDatastore(objectId) : withoutDatastore(objectId);
            case NET -> add ? withVnet(objectId) : withoutVnet(objectId);
            default -> throw new IllegalArgumentException("clusters do not hold " + type);
        };
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
