package dev.nimbo.core.auth;

import static dev.nimbo.core.auth.AclRule.CLUSTER_ID;
import static dev.nimbo.core.auth.AclRule.GROUP_ID;
import static dev.nimbo.core.auth.AclRule.ID_MASK;
import static dev.nimbo.core.auth.AclRule.INDIVIDUAL_ID;

import dev.nimbo.core.obj.ObjectType;
import java.util.function.Predicate;

/**
 * Which rules OpenNebula deletes together with an object, so none is left pointing at a reused ID.
 * Each method gives the test a rule must pass to be deleted.
 */
public final class AclCleanup {

    private AclCleanup() {
    }

    /** Deleting user uid: rules for {@code #uid}. */
    public static Predicate<AclRule> userDeleted(int uid) {
        long who = INDIVIDUAL_ID | uid;
        return r -> r.user() == who;
    }

    /** Deleting group gid: rules for {@code @gid} and rules on objects {@code /@gid}. */
    public static Predicate<AclRule> groupDeleted(int gid) {
        long sel = GROUP_ID | gid;
        return r -> r.user() == sel || (r.resource() & (GROUP_ID | ID_MASK)) == sel;
    }

    /** Deleting cluster cid: rules on objects {@code /%cid}. */
    public static Predicate<AclRule> clusterDeleted(int cid) {
        long sel = CLUSTER_ID | cid;
        return r -> (r.resource() & (CLUSTER_ID | ID_MASK)) == sel;
    }

    /** Deleting zone zid: rules that apply only in {@code #zid}. */
    public static Predicate<AclRule> zoneDeleted(int zid) {
        long sel = INDIVIDUAL_ID | zid;
        return r -> r.zone() == sel;
    }

    /**
     * Deleting object oid of a type: rules whose resource is exactly {@code TYPE/#oid}; a rule naming
     * more types (e.g. IMAGE+TEMPLATE/#7) stays, as in OpenNebula.
     */
    public static Predicate<AclRule> objectDeleted(ObjectType type, int oid) {
        long res = type.aclBit() | INDIVIDUAL_ID | oid;
        return r -> r.resource() == res;
    }
}
