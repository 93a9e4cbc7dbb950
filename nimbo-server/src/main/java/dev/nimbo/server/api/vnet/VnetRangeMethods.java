package dev.nimbo.server.api.vnet;

import dev.nimbo.core.auth.Right;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.TemplateException;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vnet.AddressRange;
import dev.nimbo.core.vnet.Leases;
import dev.nimbo.core.vnet.NetworkQuota;
import dev.nimbo.core.vnet.Ranges;
import dev.nimbo.core.vnet.VirtualNetwork;
import dev.nimbo.core.vnet.VnetRestrictions;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * one.vn.add_ar, rm_ar, update_ar, free_ar, hold, release and reserve: address ranges and the leases in them.
 * Each runs as one action on the single writer, so concurrent requests for addresses are served one after
 * the other against the latest version and never get the same address.
 */
public final class VnetRangeMethods {

    private VnetRangeMethods() {
    }

    static void register(ApiRegistry r) {
        r.register("one.vn.add_ar", VnetRangeMethods::addAr);
        r.register("one.vn.rm_ar", c -> rmAr(c, true));
        r.register("one.vn.free_ar", c -> rmAr(c, false));
        r.register("one.vn.update_ar", VnetRangeMethods::updateAr);
        r.register("one.vn.hold", c -> hold(c, true));
        r.register("one.vn.release", c -> hold(c, false));
        r.register("one.vn.reserve", VnetRangeMethods::reserve);
    }

    /** The network for a range operation: authorized, and READY (or UPDATE_FAILURE) as OpenNebula requires. */
    private static VirtualNetwork ready(Call call, Transaction tx, int id, Right right, String what) {
        VirtualNetwork vn = VnetAccess.require(tx, id);
        VnetAccess.authorize(call, right, vn);
        if (vn.state() != VirtualNetwork.READY && vn.state() != VirtualNetwork.UPDATE_FAILURE) {
            throw ApiException.action(what + ", Virtual Network is in wrong state: " + VirtualNetwork.stateName(vn.state()),
                    id);
        }
        return vn;
    }

    /** The first AR vector of the template, or ACTION. */
    private static VectorAttribute firstAr(Template t, int id) {
        for (Attribute a : t.all("AR")) {
            if (a instanceof VectorAttribute va) {
                return va;
            }
        }
        throw ApiException.action("Wrong AR definition. AR vector attribute is missing.", id);
    }

    private static void checkArRestricted(Call call, VectorAttribute ar, AddressRange current) {
        if (call.subject().isOneadmin()) {
            return;
        }
        for (String sub : VnetRestrictions.VNET.subAttributes("AR")) {
            String v = ar.get(sub);
            if (v != null && (current == null || !v.equals(current.attribute(sub)))) {
                throw ApiException.authorization("User [" + call.subject().uid() + "] : AR includes a restricted attribute "
                        + sub + ".");
            }
        }
    }

    // ------------------------------------------------------------------ ranges

    static Object addAr(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        Template t = Templates.parse(call, call.params().string(1));
        return call.write(tx -> {
            VirtualNetwork current = VnetAccess.require(tx, id);
            // Adding ranges to a network not made from a VN template is an administrator's job.
            Right right = current.templateId() < 0 ? Right.ADMIN : Right.MANAGE;
            VirtualNetwork vn = ready(call, tx, id, right, "Could not execute " + call.method());
            VectorAttribute ar = firstAr(t, id);
            checkArRestricted(call, ar, null);
            tx.put(VnetAccess.action(id, () -> Ranges.add(vn, ar, VnetAccess.MAC_PREFIX, ThreadLocalRandom.current())));
            return id;
        });
    }

    /** rm_ar (ADMIN for networks not made from a VN template, optional force) and free_ar (MANAGE, no force). */
    static Object rmAr(Call call, boolean remove) {
        call.params().arity(2, remove ? 3 : 2);
        int id = call.params().integer(0);
        int arId = call.params().integer(1);
        boolean force = remove && call.params().bool(2, false);
        return call.write(tx -> {
            VirtualNetwork current = VnetAccess.require(tx, id);
            Right right = remove && current.templateId() < 0 ? Right.ADMIN : Right.MANAGE;
            VirtualNetwork vn = ready(call, tx, id, right, "Could not remove Adress Range");
            AddressRange part = vn.range(arId);
            tx.put(VnetAccess.action(id, () -> Ranges.remove(vn, arId, force)));
            if (vn.isReservation() && part != null && part.isReservation()
                    && tx.get(ObjectType.NET, vn.parentId()) instanceof VirtualNetwork parent) {
                Map.Entry<VirtualNetwork, Long> freed = Leases.freeReservedPart(parent, vn.id(), part);
                tx.put(freed.getKey());
                NetworkQuota.release(tx, vn.uid(), vn.gid(), parent.id(), freed.getValue());
            }
            return id;
        });
    }

    static Object updateAr(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        Template t = Templates.parse(call, call.params().string(1));
        return call.write(tx -> {
            VirtualNetwork vn = ready(call, tx, id, Right.MANAGE, "Could not execute " + call.method());
            VectorAttribute ar = firstAr(t, id);
            AddressRange current = vn.range(arId(ar.get("AR_ID")));
            checkArRestricted(call, ar, current);
            tx.put(VnetAccess.action(id, () -> Ranges.update(vn, ar)));
            return id;
        });
    }

    // ------------------------------------------------------------------ holds

    static Object hold(Call call, boolean hold) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        Template t = Templates.parse(call, call.params().string(1));
        return call.write(tx -> {
            VirtualNetwork vn = ready(call, tx, id, Right.MANAGE, "Could not execute " + call.method());
            List<VectorAttribute> leases = t.vectors("LEASES");
            if (leases.isEmpty()) {
                throw ApiException.action("Empty lease description.", id);
            }
            VectorAttribute l = leases.get(0);
            Leases.Request req = new Leases.Request(arId(l.get("AR_ID")), l.get("IP"), l.get("IP6"), l.get("MAC"));
            tx.put(VnetAccess.action(id, () -> hold ? Leases.hold(vn, req) : Leases.releaseHold(vn, req)));
            return id;
        });
    }

    private static int arId(String text) {
        if (text == null || text.isBlank()) {
            return -1;
        }
        try {
            int v = Integer.parseInt(text.strip());
            return Math.max(v, -1);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    // ------------------------------------------------------------------ reservations

    static Object reserve(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        Template t;
        try {
            t = Template.parse(call.params().string(1));
        } catch (TemplateException e) {
            throw ApiException.action(e.getMessage(), id);
        }
        long size = longValue(t.get("SIZE"), -1);
        if (size <= 0) {
            throw ApiException.action("Reservation SIZE must be a greater than 0", id);
        }
        boolean onExisting = t.get("NETWORK_ID") != null;
        int rid = onExisting ? (int) longValue(t.get("NETWORK_ID"), -1) : -1;
        if (onExisting && rid < 0) {
            throw ApiException.action("NETWORK_ID must be equal or greater than 0", id);
        }
        if (onExisting && rid == id) {
            throw ApiException.action("Cannot add a reservation from the same network", id);
        }
        String name = t.get("NAME") == null ? "" : t.get("NAME").strip();
        if (name.isEmpty() && !onExisting) {
            throw ApiException.action("NAME for reservation has to be set", id);
        }
        boolean withArId = t.get("AR_ID") != null;
        int arId = withArId ? (int) longValue(t.get("AR_ID"), -1) : -1;
        if (withArId && arId < 0) {
            throw ApiException.action("AR_ID must be equal or greater than 0", id);
        }
        Leases.Request start = new Leases.Request(arId, t.get("IP"), t.get("IP6"), t.get("MAC"));
        boolean addressGiven = start.ip() != null || start.ip6() != null || start.mac() != null;
        if (!withArId && addressGiven) {
            throw ApiException.action("AR_ID must be specified for IP/MAC based reservations", id);
        }
        return call.write(tx -> {
            VirtualNetwork parent = VnetAccess.require(tx, id);
            VirtualNetwork target = null;
            if (onExisting) {
                target = tx.get(ObjectType.NET, rid) instanceof VirtualNetwork r ? r : null;
                if (target == null) {
                    throw ApiException.noExists(VnetMethods.HUMAN, rid);
                }
                if (!target.isReservation()) {
                    throw ApiException.action("Cannot add reservations to a non-reservation VNET", id);
                }
                if (target.parentId() != id) {
                    throw ApiException.action("New reservations for virtual network " + rid + " have to be from network "
                            + target.parentId(), id);
                }
            }
            if (parent.isReservation()) {
                throw ApiException.action("Cannot reserve addresses from a reserved VNET", id);
            }
            VnetAccess.authorize(call, Right.USE, parent);
            if (target != null) {
                VnetAccess.authorize(call, Right.MANAGE, target);
            } else {
                target = newReservation(call, tx, parent, name);
            }
            VirtualNetwork reservation = target;
            NetworkQuota.charge(tx, call.subject().uid(), reservation.uid(), reservation.gid(), parent.id(), size);
            Leases.Reservation taken = VnetAccess.action(id, () ->
                    Leases.reserve(parent, reservation.id(), size, start, reservation.nextRangeId()));
            tx.put(taken.parent());
            VirtualNetwork stored = reservation.withRange(taken.part());
            tx.put(stored);
            if (!onExisting) {
                VnetAccess.link(tx, stored);
            }
            return stored.id();
        });
    }

    /** A new reservation network owned by the caller: the parent's settings, its clusters, no ranges yet. */
    private static VirtualNetwork newReservation(Call call, Transaction tx, VirtualNetwork parent, String name) {
        PoolObject clash = tx.byName(ObjectType.NET, call.subject().uid(), name);
        if (clash != null) {
            throw ApiException.action("NAME is already taken by NET " + clash.id() + ".", parent.id());
        }
        String problem = dev.nimbo.core.obj.NameRules.problem(name, "");
        if (problem != null) {
            throw ApiException.action(problem + ".", parent.id());
        }
        VirtualNetwork.Builder b = parent.toBuilder();
        b.id = tx.nextId(ObjectType.NET);
        b.name = name;
        VnetMethods.owned(b, call);
        b.lock = Lock.NONE;
        b.parentId = parent.id();
        b.templateId = -1;
        b.state = VirtualNetwork.READY;
        b.prevState = VirtualNetwork.READY;
        b.vrouters = Set.of();
        b.updatedVms = Set.of();
        b.outdatedVms = Set.of();
        b.updatingVms = Set.of();
        b.errorVms = Set.of();
        b.ranges = List.of();
        b.template = parent.template().without("ERROR");
        return b.build();
    }

    private static long longValue(String text, long dflt) {
        if (text == null) {
            return dflt;
        }
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
