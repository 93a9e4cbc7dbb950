package dev.nimbo.server.api.group;

import dev.nimbo.core.auth.AclCleanup;
import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.auth.Right;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.group.Group;
import dev.nimbo.core.obj.NameRules;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.quota.QuotaSet;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.user.User;
import dev.nimbo.core.xml.XmlWriter;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.QuotaPools;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.api.shared.SharedMethods;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * one.group.* and one.grouppool.info. Levels as OpenNebula's: info USE; delete, update, addadmin, deladmin,
 * quota ADMIN; allocate CREATE. Making a user group admin adds the ACL rules OpenNebula adds for it.
 */
public final class GroupMethods {
    private GroupMethods() {
    }

    public static void register(ApiRegistry r) {
        r.register("one.group.allocate", GroupMethods::allocate);
        r.register("one.group.delete", GroupMethods::delete);
        r.register("one.group.info", GroupMethods::info);
        r.register("one.group.update", c -> SharedMethods.updateTemplate(c, ObjectType.GROUP, Right.ADMIN));
        r.register("one.group.addadmin", GroupMethods::addadmin);
        r.register("one.group.deladmin", GroupMethods::deladmin);
        r.register("one.group.quota", GroupMethods::quota);
        r.register("one.grouppool.info", GroupMethods::poolInfo);
    }

    static Object allocate(Call call) {
        call.params().arity(1, 1);
        String name = call.params().string(0);
        String problem = NameRules.problem(name, "");
        if (problem != null) {
            throw ApiException.allocate("group", problem + ".");
        }
        call.authorizeCreate(ObjectType.GROUP);
        return call.write(tx -> {
            PoolObject clash = tx.byName(ObjectType.GROUP, -1, name);
            if (clash != null) {
                throw ApiException.allocate("group", "NAME is already taken by GROUP " + clash.id() + ".");
            }
            tx.reserveIdsUpTo(ObjectType.GROUP, Group.FIRST_USER_GROUP_ID - 1);
            int id = tx.nextId(ObjectType.GROUP);
            tx.put(new Group(id, name, Template.EMPTY, Set.of(), Set.of(), QuotaSet.EMPTY));
            dev.nimbo.core.vdc.VdcActions.groupCreated(tx, id); // new groups join the default VDC, as in OpenNebula
            return id;
        });
    }

    static Object delete(Call call) {
        call.params().arity(1, 1);
        int id = call.params().integer(0);
        return call.write(tx -> {
            Group g = tx.require(ObjectType.GROUP, id);
            call.authorize(Right.ADMIN, g);
            if (id < Group.FIRST_USER_GROUP_ID) {
                throw ApiException.action("[" + call.method() + "] Cannot delete group. System Groups (ID < 100) cannot be deleted.", id);
            }
            if (!g.users().isEmpty()) {
                throw ApiException.action("[" + call.method() + "] Cannot delete group. Group " + id + " is not empty.", id);
            }
            // Rules that name the group (@gid) must not survive it, or a future group could inherit them.
            for (PoolObject o : List.copyOf(tx.list(ObjectType.ACL))) {
                if (AclCleanup.groupDeleted(id).test((AclRule) o)) {
                    tx.delete(ObjectType.ACL, o.id());
                }
            }
            dev.nimbo.core.vdc.VdcActions.groupDeleted(tx, id); // and leave every VDC
            tx.delete(ObjectType.GROUP, id);
            return id;
        });
    }

    static Object info(Call call) {
        call.params().arity(1, 2);
        int requested = call.params().integer(0);
        int id = requested == -1 ? call.subject().gid() : requested;
        Group g = call.ctx().view().require(ObjectType.GROUP, id);
        if (!call.subject().groupIds().contains(id)) {
            call.authorize(Right.USE, g);
        }
        XmlWriter w = new XmlWriter(new StringBuilder(1024));
        w.open("GROUP");
        g.writeBody(w);
        g.quotas().writeXml(w);
        g.writeVlanRules(w);
        call.ctx().defaultGroupQuotas().writeXml(w);
        w.close("GROUP");
        return w.toString();
    }

    static Object addadmin(Call call) {
        call.params().arity(2, 2);
        int gid = call.params().integer(0);
        int uid = call.params().integer(1);
        return call.write(tx -> {
            Group g = tx.require(ObjectType.GROUP, gid);
            User u = tx.require(ObjectType.USER, uid);
            call.authorize(Right.ADMIN, g);
            call.authorize(Right.ADMIN, u);
            if (!g.users().contains(uid)) {
                throw internal(call, "User " + uid + " is not part of Group " + gid + ".", gid);
            }
            if (g.admins().contains(uid)) {
                throw internal(call, "User " + uid + " is already an administrator of Group " + gid + ".", gid);
            }
            GroupAdmins.add(tx, g, uid, call.ctx().config().zoneId());
            return gid;
        });
    }

    static Object deladmin(Call call) {
        call.params().arity(2, 2);
        int gid = call.params().integer(0);
        int uid = call.params().integer(1);
        return call.write(tx -> {
            Group g = tx.require(ObjectType.GROUP, gid);
            User u = tx.require(ObjectType.USER, uid);
            call.authorize(Right.ADMIN, g);
            call.authorize(Right.ADMIN, u);
            if (!g.admins().contains(uid)) {
                throw internal(call, "User " + uid + " is not an administrator of Group " + gid + ".", gid);
            }
            GroupAdmins.remove(tx, g, uid, call.ctx().config().zoneId());
            return gid;
        });
    }

    private static ApiException internal(Call call, String message, int id) {
        return new ApiException(ErrorCode.INTERNAL, "[" + call.method() + "] Cannot edit group. " + message, id);
    }

    static Object quota(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        Template t = Templates.parse(call, call.params().string(1));
        return call.write(tx -> {
            Group g = tx.require(ObjectType.GROUP, id);
            call.authorize(Right.ADMIN, g);
            if (id == Group.ONEADMIN_ID) {
                throw ApiException.action("[" + call.method() + "] Cannot set quotas for oneadmin group", id);
            }
            tx.put(g.withQuotas(g.quotas().update(t)));
            return id;
        });
    }

    static Object poolInfo(Call call) {
        call.params().arity(0, 0);
        List<PoolObject> groups = new ArrayList<>();
        for (PoolObject o : call.ctx().view().list(ObjectType.GROUP)) {
            // Members always see their own groups; others only what permissions and ACLs allow.
            if (call.subject().isOneadmin() || call.subject().groupIds().contains(o.id())
                    || call.ctx().authorizer().allowed(call.subject(), Right.USE, dev.nimbo.core.auth.ObjectAuth.of(o))) {
                groups.add(o);
            }
        }
        return QuotaPools.write("GROUP_POOL", "GROUP", groups, (o, w) -> ((Group) o).writeBody(w),
                o -> ((Group) o).quotas(), call.ctx().defaultGroupQuotas());
    }
}
