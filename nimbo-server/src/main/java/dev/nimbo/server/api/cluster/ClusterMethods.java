package dev.nimbo.server.api.cluster;

import dev.nimbo.core.auth.AclCleanup;
import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.auth.Authorizer;
import dev.nimbo.core.auth.Right;
import dev.nimbo.core.cluster.Cluster;
import dev.nimbo.core.cluster.ClusterMember;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.host.Host;
import dev.nimbo.core.obj.IdSet;
import dev.nimbo.core.obj.NameRules;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.vdc.VdcResource;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.api.host.HostAccess;
import dev.nimbo.server.api.host.HostMethods;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * one.cluster.* and one.clusterpool.info (ClusterAPI). A cluster groups hosts (each host in exactly one
 * cluster; removing a host from a cluster puts it back in {@code default}), datastores and networks (each in
 * any number); membership is written on both sides in the same action. Clusters belong to oneadmin; levels
 * as OpenNebula's reference: allocate CREATE, delete and the add/del calls ADMIN (and ADMIN on the member),
 * update/rename MANAGE, info/pool USE. RESERVED_CPU/RESERVED_MEM updates re-plan the capacity of every host of
 * the cluster that does not set its own.
 */
public final class ClusterMethods {
    private ClusterMethods() {
    }

    public static void register(ApiRegistry r) {
        r.register("one.cluster.allocate", ClusterMethods::allocate);
        r.register("one.cluster.delete", ClusterMethods::delete);
        r.register("one.cluster.update", ClusterMethods::update);
        r.register("one.cluster.rename", ClusterMethods::rename);
        r.register("one.cluster.info", ClusterMethods::info);
        r.register("one.cluster.addhost", c -> addHost(c, c.params().integer(0)));
        r.register("one.cluster.delhost", c -> addHost(c, Cluster.DEFAULT_ID));
        r.register("one.cluster.adddatastore", c -> member(c, ObjectType.DATASTORE, true));
        r.register("one.cluster.deldatastore", c -> member(c, ObjectType.DATASTORE, false));
        r.register("one.cluster.addvnet", c -> member(c, ObjectType.NET, true));
        r.register("one.cluster.delvnet", c -> member(c, ObjectType.NET, false));
        r.register("one.clusterpool.info", ClusterMethods::poolInfo);
    }

    static Cluster require(Transaction tx, int id) {
        return tx.require(ObjectType.CLUSTER, id);
    }

    // ------------------------------------------------------------------ allocate / delete

    static Object allocate(Call call) {
        call.params().arity(1, 1);
        String name = call.params().string(0);
        call.authorizeCreate(ObjectType.CLUSTER);
        String problem = NameRules.problem(name, "");
        if (problem != null) {
            throw ApiException.allocate("cluster", problem + ".");
        }
        return call.write(tx -> {
            PoolObject clash = tx.byName(ObjectType.CLUSTER, 0, name);
            if (clash != null) {
                throw ApiException.allocate("cluster", "NAME is already taken by CLUSTER " + clash.id() + ".");
            }
            tx.reserveIdsUpTo(ObjectType.CLUSTER, Cluster.FIRST_USER_CLUSTER_ID - 1);
            int id = tx.nextId(ObjectType.CLUSTER);
            tx.put(Cluster.create(id, name));
            return id;
        });
    }

    static Object delete(Call call) {
        call.params().arity(1, 1);
        int id = call.params().integer(0);
        return call.write(tx -> {
            Cluster c = require(tx, id);
            call.authorize(Right.ADMIN, c);
            if (id < Cluster.FIRST_USER_CLUSTER_ID) {
                throw ApiException.action("Cannot delete cluster. System Clusters (ID < 100) cannot be deleted.", id);
            }
            String notEmpty = c.hosts().isEmpty() ? c.datastores().isEmpty() ? c.vnets().isEmpty() ? null
                    : c.vnets().size() + " vnets" : c.datastores().size() + " datastores" : c.hosts().size() + " hosts";
            if (notEmpty != null) {
                throw ApiException.action("Cannot delete cluster. Cluster " + id + " is not empty, it contains "
                        + notEmpty + ".", id);
            }
            tx.delete(ObjectType.CLUSTER, id);
            HostMethods.leaveVdcs(tx, VdcResource.CLUSTER, call.ctx().authorizer().zoneId(), id);
            Predicate<AclRule> onCluster = AclCleanup.clusterDeleted(id).or(AclCleanup.objectDeleted(ObjectType.CLUSTER, id));
            for (PoolObject o : List.copyOf(tx.list(ObjectType.ACL))) {
                if (onCluster.test((AclRule) o)) {
                    tx.delete(ObjectType.ACL, o.id());
                }
            }
            return id;
        });
    }

    // ------------------------------------------------------------------ template and name

    static Object update(Call call) {
        call.params().arity(2, 3);
        int id = call.params().integer(0);
        Template t = Templates.parse(call, call.params().string(1));
        boolean merge = Templates.mergeFlag(call, 2);
        return call.write(tx -> {
            Cluster c = require(tx, id);
            call.authorize(Right.MANAGE, c);
            Cluster next = c.withTemplate(c.template().update(t, merge));
            tx.put(next);
            for (int hid : next.hosts()) {
                if (tx.get(ObjectType.HOST, hid) instanceof Host h) {
                    Host planned = h.withReservations(next);
                    if (planned != h) {
                        tx.put(planned);
                    }
                }
            }
            return id;
        });
    }

    static Object rename(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        String name = call.params().string(1);
        String problem = NameRules.problem(name, "");
        return call.write(tx -> {
            Cluster c = require(tx, id);
            if (c.name().equals(name)) {
                return id;
            }
            call.authorize(Right.MANAGE, c);
            PoolObject clash = tx.byName(ObjectType.CLUSTER, 0, name);
            if (clash != null && clash.id() != id) {
                throw ApiException.action("cluster cannot be renamed to " + name + " because it collides with cluster "
                        + clash.id(), id);
            }
            if (problem != null) {
                throw ApiException.action(problem + ".", id);
            }
            tx.put(c.withName(name));
            for (int hid : c.hosts()) {
                if (tx.get(ObjectType.HOST, hid) instanceof Host h && h.clusterId() == id) {
                    tx.put(h.withClusterName(name));
                }
            }
            return id;
        });
    }

    // ------------------------------------------------------------------ membership

    /** Moves a host into a cluster (from the one it is in); delhost is this with the default cluster. */
    static Object addHost(Call call, int clusterId) {
        call.params().arity(2, 2);
        int hostId = call.params().integer(1);
        return call.write(tx -> {
            Cluster target = require(tx, clusterId);
            Host h = tx.require(ObjectType.HOST, hostId);
            adminBoth(call, target, h);
            if (h.clusterId() == clusterId) {
                return clusterId;
            }
            if (tx.get(ObjectType.CLUSTER, h.clusterId()) instanceof Cluster old) {
                tx.put(old.withoutHost(hostId));
            }
            tx.put(target.withHost(hostId));
            tx.put(h.withCluster(target));
            return clusterId;
        });
    }

    /** Adds a datastore or network to a cluster, or removes it; nothing to do is a success. */
    static Object member(Call call, ObjectType type, boolean add) {
        call.params().arity(2, 2);
        int clusterId = call.params().integer(0);
        int objectId = call.params().integer(1);
        return call.write(tx -> {
            Cluster c = require(tx, clusterId);
            PoolObject o = tx.require(type, objectId);
            adminBoth(call, c, o);
            if (!(o instanceof ClusterMember m)) {
                throw ApiException.internal("A " + type.humanName() + " cannot belong to clusters");
            }
            boolean in = m.clusters().contains(clusterId);
            if (in == add) {
                return clusterId;
            }
            tx.put(m.withClusters(add ? IdSet.with(m.clusters(), clusterId) : IdSet.without(m.clusters(), clusterId)));
            tx.put(c.withMember(type, objectId, add));
            return clusterId;
        });
    }

    /** ADMIN on the cluster and on the object, both failures reported at once. */
    private static void adminBoth(Call call, Cluster c, PoolObject o) {
        call.ctx().authorizer().check(call.method(), call.subject(), List.of(
                new Authorizer.Need(Right.ADMIN, HostAccess.auth(c)), new Authorizer.Need(Right.ADMIN, HostAccess.auth(o))));
    }

    // ------------------------------------------------------------------ reads

    static Object info(Call call) {
        call.params().arity(1, 2);
        Cluster c = call.ctx().view().require(ObjectType.CLUSTER, call.params().integer(0));
        call.authorizeIgnoringLock(Right.USE, c);
        return call.ctx().renders().object(c);
    }

    /** Clusters the caller may USE (one.clusterpool.info takes no filter; extra arguments are ignored). */
    static Object poolInfo(Call call) {
        List<PoolObject> clusters = new ArrayList<>();
        for (PoolObject o : call.ctx().view().list(ObjectType.CLUSTER)) {
            if (HostAccess.visible(call, o)) {
                clusters.add(o);
            }
        }
        return call.ctx().renders().pool("CLUSTER_POOL", clusters);
    }
}
