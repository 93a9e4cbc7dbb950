package dev.nimbo.server.api.vnet;

import dev.nimbo.core.auth.Authorizer;
import dev.nimbo.core.auth.ObjectAuth;
import dev.nimbo.core.auth.Right;
import dev.nimbo.core.auth.Subject;
import dev.nimbo.core.cluster.Cluster;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.IdSet;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.vnet.LeaseOwner;
import dev.nimbo.core.vnet.VirtualNetwork;
import dev.nimbo.core.vnet.VlanIds;
import dev.nimbo.core.vnet.VnetException;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.PoolQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What the network methods share: authorization of networks (cluster-scoped ACL rules apply to networks,
 * never to reservations, which only their owner, their permissions and rules naming them or their group
 * open, as in OpenNebula), the pool filter, which leases one.vn.info shows, linking networks into clusters,
 * and the settings OpenNebula reads from oned.conf (MAC_PREFIX, VLAN_IDS, VXLAN_IDS). Stateless.
 */
public final class VnetAccess {

    /** oned.conf MAC_PREFIX "02:00". */
    public static final int MAC_PREFIX = dev.nimbo.core.vnet.Addresses.DEFAULT_MAC_PREFIX;
    /** oned.conf VLAN_IDS and VXLAN_IDS. */
    public static final VlanIds.Config VLANS = VlanIds.Config.DEFAULT;

    private VnetAccess() {
    }

    /** The authorization view of a network: its clusters count unless it is a reservation. */
    static ObjectAuth auth(VirtualNetwork vn) {
        ObjectAuth a = ObjectAuth.of(vn);
        return vn.isReservation() ? a : a.withClusters(vn.clusters());
    }

    /** LOCKED when the network's lock covers the right, else AUTHORIZATION unless the caller holds it. */
    static void authorize(Call call, Right right, VirtualNetwork vn) {
        if (Authorizer.blockedByLock(vn.lock(), right)) {
            throw ApiException.locked(ObjectType.NET.humanName(), vn.id());
        }
        authorizeIgnoringLock(call, right, vn);
    }

    static void authorizeIgnoringLock(Call call, Right right, VirtualNetwork vn) {
        if (!allowed(call, right, vn)) {
            throw ApiException.authorization("[" + call.method() + "] User [" + call.subject().uid()
                    + "] : Not authorized to perform " + right.name() + " NET [" + vn.id() + "].");
        }
    }

    /**
     * Whether the caller holds the right. Using a reservation is opened only by its owner, its permission
     * bits and ACL rules naming it or its group: rules for all networks or for a cluster's do not count
     * (OpenNebula disables them for reservations, so a VDC's "NET/* USE" does not expose them).
     */
    static boolean allowed(Call call, Right right, VirtualNetwork vn) {
        Authorizer az = call.ctx().authorizer();
        Subject s = call.subject();
        if (vn.isReservation() && right == Right.USE && !s.isOneadmin()) {
            return Authorizer.visible(s, az.visibility(s, ObjectType.NET, true, true, false), auth(vn));
        }
        return az.allowed(s, right, auth(vn));
    }

    /** The network, or NO_EXISTS. */
    static VirtualNetwork require(ObjectsView view, int id) {
        return view.require(ObjectType.NET, id);
    }

    /** Runs core code, turning its refusals into ACTION errors about network {@code id}. */
    static <T> T action(int id, Supplier<T> body) {
        try {
            return body.get();
        } catch (VnetException e) {
            throw ApiException.action(e.getMessage(), id);
        }
    }

    /** Every network of the pool (the transaction's view). */
    static List<VirtualNetwork> all(ObjectsView view) {
        List<VirtualNetwork> out = new ArrayList<>();
        for (PoolObject o : view.list(ObjectType.NET)) {
            out.add((VirtualNetwork) o);
        }
        return out;
    }

    // ------------------------------------------------------------------ pool

    /**
     * one.vnpool.info's selection: the filter flag and ID range as for every pool, networks the caller may
     * USE, reservations only through ownership, permissions or rules naming them or their group.
     */
    static List<PoolObject> select(Call call, int filter, int start, int end) {
        if (filter < PoolQuery.GROUP_RESOURCES) {
            throw ApiException.api("[" + call.method() + "] Incorrect filter_flag " + filter + ".");
        }
        Subject s = call.subject();
        Authorizer az = call.ctx().authorizer();
        Authorizer.Visibility nets = az.visibility(s, ObjectType.NET);
        Authorizer.Visibility reservations = az.visibility(s, ObjectType.NET, true, true, false);
        int offset = start < -1 ? -start : 0;
        int limit = end < -1 ? -end : Integer.MAX_VALUE;
        int from = start >= 0 ? start : Integer.MIN_VALUE;
        int to = end >= 0 ? end : Integer.MAX_VALUE;
        List<PoolObject> out = new ArrayList<>();
        int skipped = 0;
        for (PoolObject o : call.ctx().view().list(ObjectType.NET)) {
            VirtualNetwork vn = (VirtualNetwork) o;
            if (vn.id() < from || vn.id() > to || !matches(filter, s, vn)
                    || !Authorizer.visible(s, vn.isReservation() ? reservations : nets, auth(vn))) {
                continue;
            }
            if (skipped < offset) {
                skipped++;
                continue;
            }
            out.add(vn);
            if (out.size() >= limit) {
                break;
            }
        }
        return out;
    }

    private static boolean matches(int filter, Subject s, PoolObject o) {
        return switch (filter) {
            case PoolQuery.GROUP_RESOURCES -> o.gid() == s.gid();
            case PoolQuery.MINE -> o.uid() == s.uid();
            case PoolQuery.ALL -> true;
            case PoolQuery.MINE_AND_GROUP -> o.uid() == s.uid() || s.groupIds().contains(o.gid());
            default -> o.uid() == filter;
        };
    }

    /**
     * Which leases one.vn.info lists: all of them for those who may MANAGE the network; else the leases of
     * VMs and virtual routers the caller may USE and of reservations the caller sees.
     */
    static Predicate<LeaseOwner> visibleLeases(Call call, VirtualNetwork vn) {
        if (allowed(call, Right.MANAGE, vn)) {
            return o -> true;
        }
        Subject s = call.subject();
        Authorizer az = call.ctx().authorizer();
        ObjectsView view = call.ctx().view();
        Authorizer.Visibility reservations = az.visibility(s, ObjectType.NET, true, true, false);
        return o -> {
            if (o.id() < 0) {
                return false;
            }
            PoolObject holder = view.get(o.kind(), o.id());
            if (holder == null) {
                return false;
            }
            if (holder instanceof VirtualNetwork r) {
                return Authorizer.visible(s, reservations, auth(r));
            }
            return az.allowed(s, Right.USE, ObjectAuth.of(holder));
        };
    }

    // ------------------------------------------------------------------ clusters

    /** The cluster, or NO_EXISTS naming it. */
    static Cluster cluster(ObjectsView view, int id) {
        return view.require(ObjectType.CLUSTER, id);
    }

    /** Records the network in its clusters (the network already lists them). */
    static void link(Transaction tx, VirtualNetwork vn) {
        for (int cid : vn.clusters()) {
            if (tx.get(ObjectType.CLUSTER, cid) instanceof Cluster c && !c.vnets().contains(vn.id())) {
                tx.put(new Cluster(c.id(), c.name(), c.hosts(), c.datastores(), IdSet.with(c.vnets(), vn.id()),
                        c.template()));
            }
        }
    }

    /** Removes the network from its clusters. */
    static void unlink(Transaction tx, VirtualNetwork vn) {
        for (int cid : vn.clusters()) {
            if (tx.get(ObjectType.CLUSTER, cid) instanceof Cluster c && c.vnets().contains(vn.id())) {
                tx.put(new Cluster(c.id(), c.name(), c.hosts(), c.datastores(), IdSet.without(c.vnets(), vn.id()),
                        c.template()));
            }
        }
    }
}
