package dev.nimbo.server.api.group;

import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.auth.GroupAdminAcls;
import dev.nimbo.core.group.Group;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Transaction;
import java.util.ArrayList;
import java.util.List;

/**
 * Making a user a group's administrator and undoing it, with the ACL rules that go with it; shared by
 * one.group.addadmin/deladmin and by the LDAP driver, which manages group admins (group_admin_group_dn).
 * Run inside a controller transaction only.
 */
public final class GroupAdmins {
    private GroupAdmins() {
    }

    public static void add(Transaction tx, Group g, int uid, int zoneId) {
        tx.put(g.withAdmin(uid));
        for (AclRule template : GroupAdminAcls.forAdmin(uid, g.id(), zoneId)) {
            if (!hasRule(tx, template)) {
                int id = tx.nextId(ObjectType.ACL);
                tx.put(new AclRule(id, template.user(), template.resource(), template.rights(), template.zone()));
            }
        }
    }

    public static void remove(Transaction tx, Group g, int uid, int zoneId) {
        tx.put(g.withoutAdmin(uid));
        List<AclRule> adminRules = GroupAdminAcls.forAdmin(uid, g.id(), zoneId);
        for (PoolObject o : new ArrayList<>(tx.list(ObjectType.ACL))) {
            AclRule rule = (AclRule) o;
            if (adminRules.stream().anyMatch(rule::sameRuleAs)) {
                tx.delete(ObjectType.ACL, rule.id());
            }
        }
    }

    private static boolean hasRule(Transaction tx, AclRule wanted) {
        for (PoolObject o : tx.list(ObjectType.ACL)) {
            if (((AclRule) o).sameRuleAs(wanted)) {
                return true;
            }
        }
        return false;
    }
}
