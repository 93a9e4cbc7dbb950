package dev.nimbo.server.api.vdc;

import dev.nimbo.core.auth.Authorizer;
import dev.nimbo.core.auth.ObjectAuth;
import dev.nimbo.core.auth.Right;
import dev.nimbo.core.cluster.ClusterMember;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.NameRules;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.vdc.Vdc;
import dev.nimbo.core.vdc.VdcActions;
import dev.nimbo.core.vdc.VdcResource;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.PoolQuery;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.api.shared.SharedMethods;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * one.vdc.* and one.vdcpool.info. Levels as OpenNebula's: info USE; update and rename MANAGE; delete and the
 * add/del calls ADMIN on the VDC, plus ADMIN on the group, zone and resource involved when they exist; allocate
 * CREATE. Adding and removing groups and resources adds and removes the ACL rules OpenNebula's VDC does
 * ({@link VdcActions}); failures of those are INTERNAL errors, as in OpenNebula.
 */
public final class VdcMethods {
    private static final String PREFIX = "one.vdc";

    private VdcMethods() {
    }

    public static void register(ApiRegistry r) {
        r.register(PREFIX + ".allocate", VdcMethods::allocate);
        r.register(PREFIX + ".delete", VdcMethods::delete);
        r.register(PREFIX + ".update", c -> SharedMethods.updateTemplate(c, ObjectType.VDC, Right.MANAGE));
        r.register(PREFIX + ".rename", c -> SharedMethods.rename(c, ObjectType.VDC));
        r.register(PREFIX + ".info", VdcMethods::info);
        r.register(PREFIX + ".addgroup", c -> editGroup(c, true));
        r.register(PREFIX + ".delgroup", c -> editGroup(c, false));
        for (VdcResource kind : VdcResource.values()) {
            String noun = kind.itemElement().toLowerCase(Locale.ROOT);
            r.register(PREFIX + ".add" + noun, c -> editResource(c, kind, true));
            r.register(PREFIX + ".del" + noun, c -> editResource(c, kind, false));
        }
        r.register("one.vdcpool.info", VdcMethods::poolInfo);
    }

    static Object allocate(Call call) {
        call.params().arity(1, 1);
        Template t = Templates.parse(call, call.params().string(0));
        call.authorizeCreate(ObjectType.VDC);
        String name = t.get("NAME");
        String problem = NameRules.problem(name, "");
        if (problem != null) {
            throw ApiException.allocate(ObjectType.VDC.humanName(), problem + ".");
        }
        return call.write(tx -> {
            PoolObject clash = tx.byName(ObjectType.VDC, 0, name);
            if (clash != null) {
                throw ApiException.allocate(ObjectType.VDC.humanName(), "NAME is already taken by Vdc " + clash.id() + ".");
            }
            tx.reserveIdsUpTo(ObjectType.VDC, Vdc.FIRST_USER_ID - 1);
            int id = tx.nextId(ObjectType.VDC);
            tx.put(Vdc.create(id, name, t.without("NAME")));
            return id;
        });
    }

    static Object delete(Call call) {
        call.params().arity(1, 1);
        int id = call.params().integer(0);
        return call.write(tx -> {
            Vdc v = tx.require(ObjectType.VDC, id);
            call.authorize(Right.ADMIN, v);
            if (id < Vdc.FIRST_USER_ID) {
                throw ApiException.action("[" + call.method() + "] Cannot delete VDC. System VDCs (ID < 100) cannot be "
                        + "deleted.", id);
            }
            VdcActions.delete(tx, v);
            return id;
        });
    }

    static Object info(Call call) {
        call.params().arity(1, 2);
        Vdc v = call.ctx().view().require(ObjectType.VDC, call.params().integer(0));
        call.authorizeIgnoringLock(Right.USE, v);
        return call.ctx().renders().object(v);
    }

    static Object poolInfo(Call call) {
        call.params().arity(0, 0);
        return call.ctx().renders().pool(ObjectType.VDC.poolRoot(), PoolQuery.visible(call, ObjectType.VDC));
    }

    /** addgroup needs the group to exist; delgroup does not (a deleted group can still be taken out). */
    static Object editGroup(Call call, boolean add) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        int gid = call.params().integer(1);
        return call.write(tx -> {
            Vdc v = tx.require(ObjectType.VDC, id);
            PoolObject group = tx.get(ObjectType.GROUP, gid);
            if (group == null && add) {
                throw ApiException.noExists(ObjectType.GROUP.humanName(), gid);
            }
            List<Authorizer.Need> needs = new ArrayList<>(2);
            needs.add(new Authorizer.Need(Right.ADMIN, ObjectAuth.of(v)));
            if (group != null) {
                needs.add(new Authorizer.Need(Right.ADMIN, ObjectAuth.of(group)));
            }
            call.ctx().authorizer().check(call.method(), call.subject(), needs);
            if (add) {
                VdcActions.addGroup(tx, v, gid);
            } else {
                VdcActions.delGroup(tx, v, gid);
            }
            return id;
        });
    }

    /**
     * add/del of a cluster, host, datastore or network of a zone. Adding needs the zone and, in the local zone,
     * the resource to exist (resources of other zones cannot be checked here, as in OpenNebula); {@link Vdc#ALL}
     * stands for every resource of the kind.
     */
    static Object editResource(Call call, VdcResource kind, boolean add) {
        call.params().arity(3, 3);
        int id = call.params().integer(0);
        int zoneId = call.params().integer(1);
        int resourceId = call.params().integer(2);
        int localZone = call.ctx().config().zoneId();
        return call.write(tx -> {
            Vdc v = tx.require(ObjectType.VDC, id);
            PoolObject zone = tx.get(ObjectType.ZONE, zoneId);
            if (zone == null && add) {
                throw ApiException.noExists(ObjectType.ZONE.humanName(), zoneId);
            }
            PoolObject resource = null;
            if (resourceId != Vdc.ALL && zoneId == localZone) {
                resource = tx.get(kind.objectType(), resourceId);
                if (resource == null && add) {
                    throw ApiException.noExists(kind.objectType().humanName(), resourceId);
                }
            }
            List<Authorizer.Need> needs = new ArrayList<>(3);
            needs.add(new Authorizer.Need(Right.ADMIN, ObjectAuth.of(v)));
            if (zone != null) {
                needs.add(new Authorizer.Need(Right.ADMIN, ObjectAuth.of(zone)));
            }
            if (resource != null) {
                ObjectAuth auth = ObjectAuth.of(resource);
                if (resource instanceof ClusterMember member) {
                    auth = auth.withClusters(member.clusters());
                }
                needs.add(new Authorizer.Need(Right.ADMIN, auth));
            }
            call.ctx().authorizer().check(call.method(), call.subject(), needs);
            editResource(tx, v, kind, zoneId, resourceId, add);
            return id;
        });
    }

    private static void editResource(Transaction tx, Vdc v, VdcResource kind, int zoneId, int resourceId, boolean add) {
        if (add) {
            VdcActions.addResource(tx, v, kind, zoneId, resourceId);
        } else {
            VdcActions.delResource(tx, v, kind, zoneId, resourceId);
        }
    }
}
