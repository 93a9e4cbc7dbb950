package dev.nimbo.server.api.secgroup;

import dev.nimbo.core.auth.AclCleanup;
import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.auth.Right;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.obj.NameRules;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.secgroup.SecurityGroup;
import dev.nimbo.core.secgroup.SecurityGroupRules;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmSecurityGroups;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.api.shared.SharedMethods;
import dev.nimbo.server.vm.VmLifecycle;
import java.util.List;

/**
 * one.secgroup.* and one.secgrouppool.info. Levels as OpenNebula's: info USE; update, delete, commit, rename,
 * chown MANAGE; allocate and clone CREATE. Rules are checked and de-duplicated on allocate, clone and update; an
 * update commits the new rules to the group's VMs (all become outdated), as OpenNebula's does. Security groups
 * have no lock/unlock calls (OpenNebula has none and security_group.xsd no LOCK).
 */
public final class SecurityGroupMethods {
    /** OpenNebula's default umask 177: new objects are owner use+manage only. */
    static final Permissions DEFAULT_PERMISSIONS = new Permissions(0600);
    private static final String PREFIX = "one.secgroup";

    private SecurityGroupMethods() {
    }

    public static void register(ApiRegistry r) {
        ApiRegistry shared = new ApiRegistry();
        SharedMethods.register(shared, PREFIX, ObjectType.SECGROUP);
        for (String verb : List.of("info", "chmod", "chown", "rename")) {
            r.register(PREFIX + "." + verb, shared.find(PREFIX + "." + verb));
        }
        r.register(PREFIX + ".allocate", SecurityGroupMethods::allocate);
        r.register(PREFIX + ".clone", SecurityGroupMethods::cloneGroup);
        r.register(PREFIX + ".delete", SecurityGroupMethods::delete);
        r.register(PREFIX + ".update", SecurityGroupMethods::update);
        r.register(PREFIX + ".commit", SecurityGroupMethods::commit);
        r.register("one.secgrouppool.info", SecurityGroupMethods::poolInfo);
    }

    static Object allocate(Call call) {
        call.params().arity(1, 1);
        Template t = Templates.parse(call, call.params().string(0));
        call.authorizeCreate(ObjectType.SECGROUP);
        String name = t.get("NAME");
        checkName(name);
        Template body = checkedRules(t.without("NAME"));
        return call.write(tx -> {
            checkFree(tx, call.subject().uid(), name);
            int id = nextId(tx);
            tx.put(SecurityGroup.create(id, name, call.subject().uid(), call.subject().gid(), call.subject().uname(),
                    call.subject().gname(), DEFAULT_PERMISSIONS, body));
            return id;
        });
    }

    static Object cloneGroup(Call call) {
        call.params().arity(2, 2);
        int source = call.params().integer(0);
        String name = call.params().string(1);
        checkName(name);
        call.authorizeCreate(ObjectType.SECGROUP);
        return call.write(tx -> {
            SecurityGroup src = tx.require(ObjectType.SECGROUP, source);
            call.authorize(Right.USE, src);
            checkFree(tx, call.subject().uid(), name);
            int id = nextId(tx);
            tx.put(SecurityGroup.create(id, name, call.subject().uid(), call.subject().gid(), call.subject().uname(),
                    call.subject().gname(), DEFAULT_PERMISSIONS, src.template()));
            return id;
        });
    }

    static Object delete(Call call) {
        call.params().arity(1, 1);
        int id = call.params().integer(0);
        return call.write(tx -> {
            SecurityGroup sg = tx.require(ObjectType.SECGROUP, id);
            call.authorize(Right.MANAGE, sg);
            if (id == SecurityGroup.DEFAULT_ID) {
                throw ApiException.action("[" + call.method() + "] Cannot delete security group. The default security "
                        + "group (ID 0) cannot be deleted.", id);
            }
            if (sg.vmCount() > 0) {
                throw ApiException.action("[" + call.method() + "] Cannot delete security group. The security group "
                        + "has VMs using it", id);
            }
            for (PoolObject o : List.copyOf(tx.list(ObjectType.ACL))) {
                if (AclCleanup.objectDeleted(ObjectType.SECGROUP, id).test((AclRule) o)) {
                    tx.delete(ObjectType.ACL, o.id());
                }
            }
            tx.delete(ObjectType.SECGROUP, id);
            return id;
        });
    }

    static Object update(Call call) {
        call.params().arity(2, 3);
        int id = call.params().integer(0);
        Template t = Templates.parse(call, call.params().string(1));
        boolean merge = Templates.mergeFlag(call, 2);
        java.util.Set<Integer> vms = new java.util.TreeSet<>();
        Object done = call.write(tx -> {
            SecurityGroup sg = tx.require(ObjectType.SECGROUP, id);
            call.authorize(Right.MANAGE, sg);
            Template next = sg.template().update(t, merge);
            String problem = SecurityGroupRules.problem(next);
            if (problem != null) {
                throw new ApiException(ErrorCode.INTERNAL, "[" + call.method() + "] Cannot update template. " + problem, id);
            }
            vms.addAll(commit(tx, sg.withTemplate(SecurityGroupRules.withoutDuplicates(next)), false));
            return id;
        });
        applyOnHosts(call, vms);
        return done;
    }

    static Object commit(Call call) {
        call.params().arity(1, 2);
        int id = call.params().integer(0);
        boolean recover = call.params().bool(1, false);
        java.util.Set<Integer> vms = new java.util.TreeSet<>();
        Object done = call.write(tx -> {
            SecurityGroup sg = tx.require(ObjectType.SECGROUP, id);
            call.authorize(Right.MANAGE, sg);
            vms.addAll(commit(tx, sg, recover));
            return id;
        });
        applyOnHosts(call, vms);
        return done;
    }

    /**
     * Stages OpenNebula's commit of a group: its VMs to update get the group's rules as they are now in their
     * templates. Returns those VMs.
     */
    private static java.util.Set<Integer> commit(Transaction tx, SecurityGroup sg, boolean recover) {
        SecurityGroup committed = sg.commit(recover);
        tx.put(committed);
        java.util.Set<Integer> changed = new java.util.TreeSet<>();
        for (int vmId : committed.outdatedVms()) {
            if (tx.get(ObjectType.VM, vmId) instanceof VirtualMachine vm) {
                VirtualMachine next = VmSecurityGroups.withCurrentRules(vm, committed);
                if (next != vm) {
                    tx.put(next);
                    changed.add(vmId);
                }
            }
        }
        return changed;
    }

    /** Once the commit is durable, running VMs' hosts apply the new rules (update_sg). */
    private static void applyOnHosts(Call call, java.util.Set<Integer> vms) {
        VmLifecycle lifecycle = VmLifecycle.of(call.ctx());
        vms.forEach(lifecycle::applySecurityGroups);
    }

    static Object poolInfo(Call call) {
        call.params().arity(3, 3);
        return SharedMethods.poolXml(call, ObjectType.SECGROUP, SharedMethods.poolSelect(call, ObjectType.SECGROUP));
    }

    private static void checkName(String name) {
        String problem = NameRules.problem(name, "");
        if (problem != null) {
            throw ApiException.allocate(ObjectType.SECGROUP.humanName(), problem + ".");
        }
    }

    private static Template checkedRules(Template t) {
        String problem = SecurityGroupRules.problem(t);
        if (problem != null) {
            throw ApiException.allocate(ObjectType.SECGROUP.humanName(), problem);
        }
        return SecurityGroupRules.withoutDuplicates(t);
    }

    private static void checkFree(Transaction tx, int uid, String name) {
        PoolObject clash = tx.byName(ObjectType.SECGROUP, uid, name);
        if (clash != null) {
            throw ApiException.allocate(ObjectType.SECGROUP.humanName(),
                    "NAME is already taken by SecurityGroup " + clash.id() + ".");
        }
    }

    private static int nextId(Transaction tx) {
        tx.reserveIdsUpTo(ObjectType.SECGROUP, SecurityGroup.FIRST_USER_ID - 1);
        return tx.nextId(ObjectType.SECGROUP);
    }
}
