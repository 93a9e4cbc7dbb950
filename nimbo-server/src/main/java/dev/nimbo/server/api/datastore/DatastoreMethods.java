package dev.nimbo.server.api.datastore;

import dev.nimbo.core.auth.Right;
import dev.nimbo.core.cluster.Cluster;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.datastore.DatastoreConfig;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.obj.NameRules;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.vdc.VdcActions;
import dev.nimbo.core.vdc.VdcResource;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.template.Template;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.PoolQuery;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.api.shared.SharedMethods;
import dev.nimbo.server.storage.StorageManager;
import java.nio.file.Path;
import java.util.Set;

/**
 * one.datastore.* and one.datastorepool.info: datastores of images (IMAGE_DS), of running VMs' disks (SYSTEM_DS)
 * and of kernels and context files (FILE_DS), with OpenNebula's checks and messages. Capacity is filled in by
 * the {@link StorageManager}'s monitoring. Datastores have no lock, so lock/unlock are not offered.
 */
public final class DatastoreMethods {
    /** oned's default umask 177, plus group USE as oned grants on datastores. */
    static final Permissions DEFAULT_PERMISSIONS = new Permissions(0640);

    private DatastoreMethods() {
    }

    public static void register(ApiRegistry r) {
        shared(r, "one.datastore", ObjectType.DATASTORE, "info", "chmod", "chown");
        r.register("one.datastore.allocate", DatastoreMethods::allocate);
        r.register("one.datastore.delete", DatastoreMethods::delete);
        r.register("one.datastore.update", DatastoreMethods::update);
        r.register("one.datastore.rename", DatastoreMethods::rename);
        r.register("one.datastore.enable", DatastoreMethods::enable);
        r.register("one.datastorepool.info", DatastoreMethods::poolInfo);
    }

    /** Registers only the named shared operations (prefix.verb) for a type. */
    public static void shared(ApiRegistry r, String prefix, ObjectType type, String... verbs) {
        ApiRegistry all = new ApiRegistry();
        SharedMethods.register(all, prefix, type);
        for (String v : verbs) {
            r.register(prefix + "." + v, all.find(prefix + "." + v));
        }
    }

    private static ApiException internal(String message, int id) {
        return new ApiException(ErrorCode.INTERNAL, message, id);
    }

    static Object allocate(Call call) {
        call.params().arity(1, 2);
        Template t = Templates.parse(call, call.params().string(0));
        int clusterId = call.params().integer(1, Cluster.NONE_ID);
        if (clusterId == Cluster.NONE_ID) {
            clusterId = Cluster.DEFAULT_ID;
        }
        StorageManager storage = StorageManager.of(call.ctx());
        Set<String> dsMads = storage.dsMads();
        Path root = call.ctx().config().dataDir().resolve("datastores").toAbsolutePath();
        int cid = clusterId;
        call.authorizeCreate(ObjectType.DATASTORE);
        int id = call.write(tx -> {
            Cluster cluster = (Cluster) tx.get(ObjectType.CLUSTER, cid);
            if (cluster == null) {
                throw ApiException.noExists(ObjectType.CLUSTER.humanName(), cid);
            }
            call.authorize(Right.ADMIN, cluster);
            String name = t.get("NAME") == null ? "" : t.get("NAME").trim();
            String problem = NameRules.problem(name, "");
            if (problem != null) {
                throw internal(problem, -1);
            }
            PoolObject clash = tx.byName(ObjectType.DATASTORE, 0, name);
            if (clash != null) {
                throw internal("NAME is already taken by DATASTORE " + clash.id() + ".", -1);
            }
            DatastoreConfig.Resolved c;
            try {
                c = DatastoreConfig.forCreate(t, dsMads);
            } catch (IllegalArgumentException e) {
                throw internal(e.getMessage(), -1);
            }
            tx.reserveIdsUpTo(ObjectType.DATASTORE, Datastore.FIRST_USER_DATASTORE_ID - 1);
            int newId = tx.nextId(ObjectType.DATASTORE);
            Datastore ds = new Datastore(newId, name, call.subject().uid(), call.subject().gid(), call.subject().uname(),
                    call.subject().gname(), DEFAULT_PERMISSIONS, c.dsMad(), c.tmMad(), root.resolve(String.valueOf(newId))
                    .toString(), c.dsType(), c.diskType(), Datastore.READY, Set.of(cid), 0, 0, 0, Set.of(), c.template());
            tx.put(ds);
            tx.put(cluster.withDatastore(newId));
            return newId;
        });
        storage.monitor(id);
        return id;
    }

    static Object delete(Call call) {
        call.params().arity(1, 1);
        int id = call.params().integer(0);
        return call.write(tx -> {
            Datastore ds = tx.require(ObjectType.DATASTORE, id);
            call.authorize(Right.ADMIN, ds);
            if (!ds.images().isEmpty()) {
                throw ApiException.action("[" + call.method() + "] Cannot delete datastore. Datastore " + id
                        + " is not empty.", id);
            }
            for (int cid : ds.clusters()) {
                if (tx.get(ObjectType.CLUSTER, cid) instanceof Cluster c) {
                    tx.put(c.withoutDatastore(id));
                }
            }
            StorageManager.dropAcls(tx, ObjectType.DATASTORE, id);
            VdcActions.resourceDeleted(tx, VdcResource.DATASTORE, call.ctx().config().zoneId(), id);
            tx.delete(ObjectType.DATASTORE, id);
            return id;
        });
    }

    static Object update(Call call) {
        call.params().arity(2, 3);
        int id = call.params().integer(0);
        Template t = Templates.parse(call, call.params().string(1));
        boolean merge = Templates.mergeFlag(call, 2);
        StorageManager storage = StorageManager.of(call.ctx());
        boolean remonitor = call.write(tx -> {
            Datastore ds = tx.require(ObjectType.DATASTORE, id);
            call.authorize(Right.MANAGE, ds);
            DatastoreConfig.Resolved c;
            try {
                c = DatastoreConfig.forUpdate(ds, ds.template().update(t, merge), storage.dsMads());
            } catch (IllegalArgumentException e) {
                throw internal("Cannot update template. " + e.getMessage(), id);
            }
            Datastore next = ds.withConfig(c.dsMad(), c.tmMad(), c.dsType(), c.diskType(), c.template());
            // A datastore monitored by another driver starts again from nothing, as oned does.
            boolean driverChanged = !c.dsMad().equals(ds.dsMad())
                    || (c.dsType() == Datastore.SYSTEM_DS && !c.tmMad().equals(ds.tmMad()));
            if (driverChanged) {
                next = next.withCapacity(0, 0, 0);
            }
            tx.put(next);
            return driverChanged;
        });
        if (remonitor) {
            storage.monitor(id);
        }
        return id;
    }

    /** Renames the datastore and the DATASTORE name its images show, in one change. */
    static Object rename(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        String name = call.params().string(1);
        String problem = NameRules.problem(name, "");
        if (problem != null) {
            throw ApiException.action("[" + call.method() + "] " + problem + ".", id);
        }
        return call.write(tx -> {
            Datastore ds = tx.require(ObjectType.DATASTORE, id);
            call.authorize(Right.MANAGE, ds);
            PoolObject clash = tx.byName(ObjectType.DATASTORE, 0, name);
            if (clash != null && clash.id() != id) {
                throw ApiException.action("[" + call.method() + "] NAME is already taken by DATASTORE " + clash.id()
                        + ".", id);
            }
            tx.put(ds.withName(name));
            for (int iid : ds.images()) {
                if (tx.get(ObjectType.IMAGE, iid) instanceof Image img && img.dsId() == id) {
                    tx.put(img.toBuilder().datastore(id, name).build());
                }
            }
            return id;
        });
    }

    static Object enable(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        boolean on = call.params().bool(1);
        return call.write(tx -> {
            Datastore ds = tx.require(ObjectType.DATASTORE, id);
            call.authorize(Right.MANAGE, ds);
            if (ds.dsType() != Datastore.SYSTEM_DS) {
                throw internal("[" + call.method() + "] Only SYSTEM_DS can be disabled or enabled", id);
            }
            int state = on ? Datastore.READY : Datastore.DISABLED;
            if (state != ds.state()) {
                tx.put(ds.withState(state));
            }
            return id;
        });
    }

    static Object poolInfo(Call call) {
        call.params().arity(0, 3);
        return SharedMethods.poolXml(call, ObjectType.DATASTORE, PoolQuery.visible(call, ObjectType.DATASTORE));
    }
}
