package dev.nimbo.server.api.vnet;

import dev.nimbo.core.auth.AclCleanup;
import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.auth.Right;
import dev.nimbo.core.cluster.Cluster;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.vdc.VdcActions;
import dev.nimbo.core.vdc.VdcResource;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vnet.LeaseOwner;
import dev.nimbo.core.vnet.Leases;
import dev.nimbo.core.vnet.NetworkDefinition;
import dev.nimbo.core.vnet.NetworkQuota;
import dev.nimbo.core.vnet.Ranges;
import dev.nimbo.core.vnet.VirtualNetwork;
import dev.nimbo.core.vnet.VlanIds;
import dev.nimbo.core.vnet.VnetException;
import dev.nimbo.core.vnet.VnetRestrictions;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.api.shared.SharedMethods;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * one.vn.* (allocate, delete, info, update, recover and the shared chmod/chown/rename/lock/unlock) and
 * one.vnpool.info; the address range and lease methods are in {@link VnetRangeMethods}. Networks are created
 * READY in one action (Nimbo has no asynchronous network driver step), with their ranges, automatic VLAN IDs
 * and cluster links.
 */
public final class VnetMethods {
    private static final int LOCAL_ZONE = 0;
    /** OpenNebula's default umask 177: new objects are owner use+manage only. */
    static final Permissions DEFAULT_PERMISSIONS = new Permissions(0600);
    static final String HUMAN = ObjectType.NET.humanName();

    /** Nimbo's recover operation on top of OpenNebula's four: drop leases whose holder no longer exists. */
    static final int RECOVER_LEASES = 4;

    private VnetMethods() {
    }

    public static void register(ApiRegistry r) {
        // The shared handlers for the operations that need nothing network-specific.
        ApiRegistry shared = new ApiRegistry();
        SharedMethods.register(shared, "one.vn", ObjectType.NET);
        for (String op : List.of("chmod", "chown", "rename", "lock", "unlock")) {
            r.register("one.vn." + op, shared.find("one.vn." + op));
        }
        r.register("one.vn.allocate", VnetMethods::allocate);
        r.register("one.vn.delete", VnetMethods::delete);
        r.register("one.vn.info", VnetMethods::info);
        r.register("one.vn.update", VnetMethods::update);
        r.register("one.vn.recover", VnetMethods::recover);
        r.register("one.vnpool.info", VnetMethods::poolInfo);
        VnetRangeMethods.register(r);
    }

    // ------------------------------------------------------------------ allocate

    static Object allocate(Call call) {
        call.params().arity(1, 2);
        Template t = Templates.parse(call, call.params().string(0));
        int requested = call.params().integer(1, -1);
        int clusterId = requested < 0 ? Cluster.DEFAULT_ID : requested;
        call.authorizeCreate(ObjectType.NET);
        checkRestricted(call, t, "VNET Template");
        NetworkDefinition.Parsed def = allocating(() -> NetworkDefinition.parse(t));
        return call.write(tx -> {
            Cluster cluster = VnetAccess.cluster(tx, clusterId);
            call.authorize(Right.ADMIN, cluster);
            int id = tx.nextId(ObjectType.NET);
            VirtualNetwork.Builder b = def.builder(id);
            owned(b, call);
            b.clusters = Set.of(clusterId);
            VirtualNetwork vn = create(tx, b, def.ranges());
            return vn.id();
        });
    }

    /** Sets the caller as owner with the default permissions. */
    public static void owned(VirtualNetwork.Builder b, Call call) {
        b.uid = call.subject().uid();
        b.uname = call.subject().uname();
        b.gid = call.subject().gid();
        b.gname = call.subject().gname();
        b.permissions = DEFAULT_PERMISSIONS;
        b.lock = Lock.NONE;
    }

    /**
     * Stores a new network: unique name, VLAN IDs assigned and checked, ranges added, clusters linked. Errors
     * are ALLOCATE errors; the transaction is dropped with them.
     */
    public static VirtualNetwork create(Transaction tx, VirtualNetwork.Builder b, List<VectorAttribute> ranges) {
        PoolObject clash = tx.byName(ObjectType.NET, b.uid, b.name);
        if (clash != null) {
            throw ApiException.allocate(HUMAN, "NAME is already taken by NET " + clash.id() + ".");
        }
        VirtualNetwork vn = allocating(() -> {
            VirtualNetwork v = VlanIds.assign(b.build(), VnetAccess.all(tx), VnetAccess.VLANS);
            for (VectorAttribute ar : ranges) {
                v = Ranges.add(v, ar, VnetAccess.MAC_PREFIX, ThreadLocalRandom.current());
            }
            return v;
        });
        tx.put(vn);
        VnetAccess.link(tx, vn);
        return vn;
    }

    /** Runs core code, turning its refusals into ALLOCATE errors. */
    public static <T> T allocating(java.util.function.Supplier<T> body) {
        try {
            return body.get();
        } catch (VnetException e) {
            throw ApiException.allocate(HUMAN, e.getMessage());
        }
    }

    /** Non-administrators may not set VNET_RESTRICTED_ATTR attributes (AUTHORIZATION, as oned). */
    static void checkRestricted(Call call, Template t, String what) {
        if (call.subject().isOneadmin()) {
            return;
        }
        String ra = VnetRestrictions.VNET.firstIn(t);
        if (ra != null) {
            throw ApiException.authorization("User [" + call.subject().uid() + "] : " + what
                    + " includes a restricted attribute " + ra + ".");
        }
    }

    // ------------------------------------------------------------------ delete

    static Object delete(Call call) {
        call.params().arity(1, 2);
        int id = call.params().integer(0);
        return call.write(tx -> {
            VirtualNetwork vn = VnetAccess.require(tx, id);
            VnetAccess.authorize(call, Right.MANAGE, vn);
            if (vn.usedLeases() > 0) {
                throw ApiException.action("Cannot delete " + HUMAN + ". Can not remove a virtual network with leases in use",
                        id);
            }
            if (vn.state() == VirtualNetwork.LOCK_CREATE || vn.state() == VirtualNetwork.LOCK_DELETE
                    || vn.state() == VirtualNetwork.DONE) {
                throw ApiException.action("Cannot delete " + HUMAN + ". Can not remove a Virtual Network, wrong state "
                        + VirtualNetwork.stateName(vn.state()), id);
            }
            drop(tx, vn);
            return id;
        });
    }

    /**
     * Removes the network: from its clusters and VDCs, its ACL rules, and its reserved addresses from the parent.
     * Networks belong to the local zone, the only one a daemon serves.
     */
    static void drop(Transaction tx, VirtualNetwork vn) {
        tx.delete(ObjectType.NET, vn.id());
        VnetAccess.unlink(tx, vn);
        VdcActions.resourceDeleted(tx, VdcResource.VNET, LOCAL_ZONE, vn.id());
        for (PoolObject o : List.copyOf(tx.list(ObjectType.ACL))) {
            if (AclCleanup.objectDeleted(ObjectType.NET, vn.id()).test((AclRule) o)) {
                tx.delete(ObjectType.ACL, o.id());
            }
        }
        if (vn.isReservation() && tx.get(ObjectType.NET, vn.parentId()) instanceof VirtualNetwork parent) {
            LeaseOwner me = LeaseOwner.network(vn.id());
            long freed = Leases.count(parent, me);
            tx.put(Leases.releaseWhere(parent, me::equals));
            NetworkQuota.release(tx, vn.uid(), vn.gid(), parent.id(), freed);
        }
    }

    // ------------------------------------------------------------------ info, pool

    static Object info(Call call) {
        call.params().arity(1, 2);
        VirtualNetwork vn = VnetAccess.require(call.ctx().view(), call.params().integer(0));
        VnetAccess.authorizeIgnoringLock(call, Right.USE, vn);
        return vn.toExtendedXml(VnetAccess.visibleLeases(call, vn));
    }

    static Object poolInfo(Call call) {
        call.params().arity(3, 3);
        List<PoolObject> selected = VnetAccess.select(call, call.params().integer(0), call.params().integer(1),
                call.params().integer(2));
        return SharedMethods.poolXml(call, ObjectType.NET, selected);
    }

    // ------------------------------------------------------------------ update

    static Object update(Call call) {
        call.params().arity(2, 3);
        int id = call.params().integer(0);
        Template incoming = Templates.parse(call, call.params().string(1));
        boolean merge = Templates.mergeFlag(call, 2);
        return call.write(tx -> {
            VirtualNetwork vn = VnetAccess.require(tx, id);
            VnetAccess.authorize(call, Right.MANAGE, vn);
            Template in = incoming;
            if (!call.subject().isOneadmin()) {
                String ra = VnetRestrictions.VNET.changed(in, vn.template(), merge);
                if (ra != null) {
                    throw ApiException.authorization("User [" + call.subject().uid()
                            + "] : Cannot update template. Tried to change restricted attribute: " + ra + ".");
                }
                in = merge ? in : VnetRestrictions.VNET.keep(in, vn.template());
            }
            Template next = vn.template().update(in, merge);
            VirtualNetwork updated = VnetAccess.action(id, () -> {
                VirtualNetwork v = NetworkDefinition.update(vn, next);
                VlanIds.check(v, VnetAccess.all(tx));
                return v;
            });
            tx.put(updated);
            return id;
        });
    }

    // ------------------------------------------------------------------ recover

    /**
     * OpenNebula's operations 0 failure, 1 success, 2 delete, 3 retry act on networks stuck in a driver
     * state; Nimbo adds 4: drop leases whose VM or reservation no longer exists (holds are kept).
     */
    static Object recover(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        int op = call.params().integer(1);
        if (op < 0 || op > RECOVER_LEASES) {
            throw ApiException.action("Wrong recovery operation code", id);
        }
        return call.write(tx -> {
            VirtualNetwork vn = VnetAccess.require(tx, id);
            VnetAccess.authorize(call, Right.MANAGE, vn);
            int s = vn.state();
            boolean stuck = s == VirtualNetwork.INIT || s == VirtualNetwork.LOCK_CREATE;
            switch (op) {
                case 0 -> {
                    if (!stuck && s != VirtualNetwork.LOCK_DELETE) {
                        throw wrongState("recover failure", vn);
                    }
                    tx.put(withError(vn, "Failure forced by user"));
                }
                case 1 -> {
                    if (s == VirtualNetwork.LOCK_DELETE) {
                        drop(tx, vn);
                    } else if (stuck || s == VirtualNetwork.ERROR || s == VirtualNetwork.UPDATE_FAILURE) {
                        tx.put(ready(vn));
                    } else {
                        throw wrongState("recover success", vn);
                    }
                }
                case 2 -> {
                    if (!stuck && s != VirtualNetwork.LOCK_DELETE && s != VirtualNetwork.ERROR) {
                        throw wrongState("recover delete", vn);
                    }
                    drop(tx, vn);
                }
                case 3 -> {
                    if (s != VirtualNetwork.UPDATE_FAILURE) {
                        throw wrongState("recover retry", vn);
                    }
                    tx.put(ready(vn));
                }
                default -> tx.put(orphansDropped(tx, vn));
            }
            return id;
        });
    }

    private static ApiException wrongState(String op, VirtualNetwork vn) {
        return ApiException.action("Could not perform '" + op + "' on VN " + vn.id() + ", wrong state "
                + VirtualNetwork.stateName(vn.state()) + ".", vn.id());
    }

    private static VirtualNetwork withError(VirtualNetwork vn, String message) {
        return vn.toBuilder().state(VirtualNetwork.ERROR).template(vn.template().with("ERROR", message)).build();
    }

    private static VirtualNetwork ready(VirtualNetwork vn) {
        return vn.toBuilder().state(VirtualNetwork.READY).template(vn.template().without("ERROR")).build();
    }

    /** The network without leases of VMs, virtual routers or reservations that are gone. */
    private static VirtualNetwork orphansDropped(Transaction tx, VirtualNetwork vn) {
        return Leases.releaseWhere(vn, o -> {
            if (o.isHold() || o.id() < 0) {
                return false;
            }
            PoolObject holder = tx.get(o.kind(), o.id());
            if (holder == null) {
                return true;
            }
            return holder instanceof VirtualNetwork r && r.parentId() != vn.id();
        });
    }
}
