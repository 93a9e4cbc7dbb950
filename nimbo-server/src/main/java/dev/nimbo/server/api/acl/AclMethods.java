package dev.nimbo.server.api.acl;

import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.auth.ObjectAuth;
import dev.nimbo.core.auth.Right;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import java.util.Set;

/** one.acl.addrule / delrule / info: all need MANAGE on ACLs (oneadmin unless a rule grants it). */
public final class AclMethods {
    private static final ObjectAuth ACLS = new ObjectAuth(ObjectType.ACL, -1, 0, 0, new Permissions(0), Set.of());

    private AclMethods() {
    }

    public static void register(ApiRegistry r) {
        r.register("one.acl.addrule", AclMethods::addrule);
        r.register("one.acl.delrule", AclMethods::delrule);
        r.register("one.acl.info", AclMethods::info);
    }

    private static void authorize(Call call) {
        call.ctx().authorizer().check(call.method(), call.subject(), Right.MANAGE, ACLS);
    }

    static Object addrule(Call call) {
        call.params().arity(3, 4);
        String user = call.params().string(0);
        String resource = call.params().string(1);
        String rights = call.params().string(2);
        String zone = call.params().has(3) ? call.params().string(3)
                : "0x" + Long.toHexString(AclRule.INDIVIDUAL_ID | call.ctx().config().zoneId());
        authorize(call);
        AclRule parsed = AclRule.fromHex(-1, user, resource, rights, zone);
        return call.write(tx -> {
            for (PoolObject o : tx.list(ObjectType.ACL)) {
                if (((AclRule) o).sameRuleAs(parsed)) {
                    throw parsed.alreadyExists();
                }
            }
            int id = tx.nextId(ObjectType.ACL);
            tx.put(new AclRule(id, parsed.user(), parsed.resource(), parsed.rights(), parsed.zone()));
            return id;
        });
    }

    static Object delrule(Call call) {
        call.params().arity(1, 1);
        int id = call.params().integer(0);
        authorize(call);
        return call.write(tx -> {
            if (tx.get(ObjectType.ACL, id) == null) {
                throw AclRule.noSuchRule(id);
            }
            tx.delete(ObjectType.ACL, id);
            return id;
        });
    }

    static Object info(Call call) {
        call.params().arity(0, 0);
        authorize(call);
        return call.ctx().renders().pool("ACL_POOL", call.ctx().view().list(ObjectType.ACL));
    }
}
