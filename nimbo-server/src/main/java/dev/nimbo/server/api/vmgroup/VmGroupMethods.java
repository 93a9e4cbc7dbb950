package dev.nimbo.server.api.vmgroup;

import dev.nimbo.core.auth.AclCleanup;
import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.auth.Right;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.obj.NameRules;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.TemplateException;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vmgroup.VmGroup;
import dev.nimbo.core.vmgroup.VmGroupException;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.api.shared.SharedMethods;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * one.vmgroup.* and one.vmgrouppool.info: VM groups with roles and (anti-)affinity rules. Levels as
 * OpenNebula's: info USE; update, delete, rename, chown, lock, unlock and the role calls (roleadd, roledelete,
 * roleupdate) MANAGE; allocate CREATE. Every change is checked against the whole group ({@link VmGroup}).
 */
public final class VmGroupMethods {
    /** OpenNebula's default umask 177: new objects are owner use+manage only. */
    static final Permissions DEFAULT_PERMISSIONS = new Permissions(0600);
    private static final String PREFIX = "one.vmgroup";

    private VmGroupMethods() {
    }

    public static void register(ApiRegistry r) {
        ApiRegistry shared = new ApiRegistry();
        SharedMethods.register(shared, PREFIX, ObjectType.VMGROUP);
        for (String verb : List.of("info", "chmod", "chown", "rename", "lock", "unlock")) {
            r.register(PREFIX + "." + verb, shared.find(PREFIX + "." + verb));
        }
        r.register(PREFIX + ".allocate", VmGroupMethods::allocate);
        r.register(PREFIX + ".delete", VmGroupMethods::delete);
        r.register(PREFIX + ".update", VmGroupMethods::update);
        r.register(PREFIX + ".roleadd", VmGroupMethods::roleAdd);
        r.register(PREFIX + ".roledelete", VmGroupMethods::roleDelete);
        r.register(PREFIX + ".roleupdate", VmGroupMethods::roleUpdate);
        r.register("one.vmgrouppool.info", VmGroupMethods::poolInfo);
    }

    static Object allocate(Call call) {
        call.params().arity(1, 1);
        Template t = Templates.parse(call, call.params().string(0));
        call.authorizeCreate(ObjectType.VMGROUP);
        String name = t.get("NAME");
        String problem = NameRules.problem(name, "");
        if (problem != null) {
            throw ApiException.allocate(ObjectType.VMGROUP.humanName(), problem + ".");
        }
        Template body = t.without("NAME");
        return call.write(tx -> {
            PoolObject clash = tx.byName(ObjectType.VMGROUP, call.subject().uid(), name);
            if (clash != null) {
                throw ApiException.allocate(ObjectType.VMGROUP.humanName(), "NAME is already taken by VMGroup "
                        + clash.id() + ".");
            }
            int id = tx.nextId(ObjectType.VMGROUP);
            try {
                tx.put(VmGroup.create(id, name, call.subject().uid(), call.subject().gid(), call.subject().uname(),
                        call.subject().gname(), DEFAULT_PERMISSIONS, body));
            } catch (VmGroupException e) {
                throw ApiException.allocate(ObjectType.VMGROUP.humanName(), e.getMessage());
            }
            return id;
        });
    }

    /** Refused while VMs are in the group's roles (OpenNebula would leave them pointing at a deleted group). */
    static Object delete(Call call) {
        call.params().arity(1, 1);
        int id = call.params().integer(0);
        return call.write(tx -> {
            VmGroup g = tx.require(ObjectType.VMGROUP, id);
            call.authorize(Right.MANAGE, g);
            int vms = g.vmCount();
            if (vms > 0) {
                throw ApiException.action("[" + call.method() + "] Cannot delete vm group. VM Group has " + vms
                        + " VMs", id);
            }
            for (PoolObject o : List.copyOf(tx.list(ObjectType.ACL))) {
                if (AclCleanup.objectDeleted(ObjectType.VMGROUP, id).test((AclRule) o)) {
                    tx.delete(ObjectType.ACL, o.id());
                }
            }
            tx.delete(ObjectType.VMGROUP, id);
            return id;
        });
    }

    static Object update(Call call) {
        call.params().arity(2, 3);
        int id = call.params().integer(0);
        Template t = Templates.parse(call, call.params().string(1));
        boolean merge = Templates.mergeFlag(call, 2);
        return call.write(tx -> {
            VmGroup g = tx.require(ObjectType.VMGROUP, id);
            call.authorize(Right.MANAGE, g);
            try {
                tx.put(g.withTemplateUpdated(g.template().update(t, merge)));
            } catch (VmGroupException e) {
                throw new ApiException(ErrorCode.INTERNAL, "[" + call.method() + "] Cannot update template. "
                        + e.getMessage(), id);
            }
            return id;
        });
    }

    static Object roleAdd(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        VectorAttribute role = roleOf(call, call.params().string(1), id);
        return change(call, id, g -> g.withRoleAdded(role));
    }

    static Object roleDelete(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        int roleId = call.params().integer(1);
        return change(call, id, g -> g.withRoleDeleted(roleId));
    }

    static Object roleUpdate(Call call) {
        call.params().arity(3, 3);
        int id = call.params().integer(0);
        int roleId = call.params().integer(1);
        VectorAttribute role = roleOf(call, call.params().string(2), id);
        return change(call, id, g -> g.withRoleUpdated(roleId, role));
    }

    static Object poolInfo(Call call) {
        call.params().arity(3, 3);
        return SharedMethods.poolXml(call, ObjectType.VMGROUP, SharedMethods.poolSelect(call, ObjectType.VMGROUP));
    }

    /** A role call: MANAGE on the group, then the change; OpenNebula answers every refusal with ACTION. */
    private static Object change(Call call, int id, UnaryOperator<VmGroup> op) {
        return call.write(tx -> {
            VmGroup g = require(tx, id);
            call.authorize(Right.MANAGE, g);
            try {
                tx.put(op.apply(g));
            } catch (VmGroupException e) {
                throw ApiException.action("[" + call.method() + "] " + e.getMessage(), id);
            }
            return id;
        });
    }

    private static VmGroup require(Transaction tx, int id) {
        return tx.require(ObjectType.VMGROUP, id);
    }

    /** The ROLE vector of a role call's template; parse errors and a missing ROLE are ACTION errors there. */
    private static VectorAttribute roleOf(Call call, String text, int id) {
        Template t;
        try {
            t = Template.parse(text);
        } catch (TemplateException e) {
            throw ApiException.action("[" + call.method() + "] Parse error: " + e.getMessage(), id);
        }
        for (Attribute a : t.all("ROLE")) {
            if (a instanceof VectorAttribute v) {
                return v;
            }
        }
        throw ApiException.action("[" + call.method() + "] No ROLE attribute in template", id);
    }
}
