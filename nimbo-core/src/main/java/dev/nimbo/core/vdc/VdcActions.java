package dev.nimbo.core.vdc;

import dev.nimbo.core.auth.AclCleanup;
import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.group.Group;
import dev.nimbo.core.obj.IdSet;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.vdc.Vdc.ZoneResource;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The changes to VDCs, staged in a transaction together with the ACL rules they imply, exactly as OpenNebula's
 * Vdc does: every group of a VDC gets, per resource, the rules of {@link VdcResource#grants()} in the resource's
 * zone ({@code @gid HOST/#hid MANAGE #zid}, {@code @gid HOST/%cid MANAGE #zid}, {@code @gid HOST/* MANAGE #zid}
 * for {@link Vdc#ALL}). Adding a rule that already exists adds nothing; removing one deletes the equal rule (so
 * two VDCs granting the same rule share it, as in OpenNebula). Authorization is the caller's job. Called on the
 * controller thread only, like every action.
 */
public final class VdcActions {

    private VdcActions() {
    }

    /** The rules group {@code gid} holds for one resource of a VDC, in OpenNebula's order (IDs -1). */
    public static List<AclRule> rules(int gid, VdcResource kind, ZoneResource r) {
        long target;
        if (r.resourceId() == Vdc.ALL) {
            target = AclRule.ALL_ID;
        } else if (kind == VdcResource.CLUSTER) {
            target = AclRule.CLUSTER_ID | r.resourceId();
        } else {
            target = AclRule.INDIVIDUAL_ID | r.resourceId();
        }
        List<AclRule> out = new ArrayList<>(kind.grants().size());
        for (VdcResource.Grant g : kind.grants()) {
            out.add(new AclRule(-1, AclRule.GROUP_ID | gid, target | g.type().aclBit(), g.right().bit(),
                    AclRule.INDIVIDUAL_ID | r.zoneId()));
        }
        return out;
    }

    /** The default VDC of a first start: group users and every cluster of the local zone. */
    public static void bootstrap(Transaction tx, int zoneId) {
        Template t = Template.EMPTY.with("DESCRIPTION", "Every new group is added to this VDC. Use it to store default "
                + "access rules for your groups. NOTE: You may need to remove a group from the default VDC before "
                + "assigning it to other VDC.");
        Vdc vdc = Vdc.create(Vdc.DEFAULT_ID, Vdc.DEFAULT_NAME, t);
        tx.put(vdc);
        vdc = addGroup(tx, vdc, Group.USERS_ID);
        addResource(tx, vdc, VdcResource.CLUSTER, zoneId, Vdc.ALL);
        tx.reserveIdsUpTo(ObjectType.VDC, Vdc.FIRST_USER_ID - 1);
    }

    public static Vdc addGroup(Transaction tx, Vdc vdc, int gid) {
        if (vdc.groups().contains(gid)) {
            throw internal("Group " + gid + " is already assigned to the VDC " + vdc.id(), vdc.id());
        }
        Vdc next = vdc.withGroups(IdSet.with(vdc.groups(), gid));
        tx.put(next);
        for (VdcResource kind : VdcResource.values()) {
            for (ZoneResource r : vdc.resources(kind)) {
                grant(tx, rules(gid, kind, r));
            }
        }
        return next;
    }

    public static Vdc delGroup(Transaction tx, Vdc vdc, int gid) {
        if (!vdc.groups().contains(gid)) {
            throw internal("Group " + gid + " is not assigned to the VDC " + vdc.id(), vdc.id());
        }
        Vdc next = vdc.withGroups(IdSet.without(vdc.groups(), gid));
        tx.put(next);
        revokeAll(tx, vdc, gid);
        return next;
    }

    /**
     * Adds a resource and grants it to every group. Adding {@link Vdc#ALL} removes the zone's individual
     * resources of that kind (and their rules), as they are now covered.
     */
    public static Vdc addResource(Transaction tx, Vdc vdc, VdcResource kind, int zoneId, int resourceId) {
        ZoneResource added = new ZoneResource(zoneId, resourceId);
        if (vdc.resources(kind).contains(added)) {
            throw internal(kind.typeName() + " " + resourceId + " from Zone " + zoneId
                    + " is already assigned to the VDC", vdc.id());
        }
        TreeSet<ZoneResource> set = new TreeSet<>(vdc.resources(kind));
        set.add(added);
        for (int gid : vdc.groups()) {
            grant(tx, rules(gid, kind, added));
        }
        if (resourceId == Vdc.ALL) {
            for (ZoneResource r : List.copyOf(set)) {
                if (r.zoneId() == zoneId && r.resourceId() != Vdc.ALL) {
                    set.remove(r);
                    for (int gid : vdc.groups()) {
                        revoke(tx, rules(gid, kind, r));
                    }
                }
            }
        }
        Vdc next = vdc.withResources(kind, set);
        tx.put(next);
        return next;
    }

    public static Vdc delResource(Transaction tx, Vdc vdc, VdcResource kind, int zoneId, int resourceId) {
        ZoneResource removed = new ZoneResource(zoneId, resourceId);
        if (!vdc.resources(kind).contains(removed)) {
            // OpenNebula's message ends with a space; kept for clients that match it.
            throw internal(kind.typeName() + " " + resourceId + " from Zone " + zoneId
                    + " is not assigned to the VDC ", vdc.id());
        }
        TreeSet<ZoneResource> set = new TreeSet<>(vdc.resources(kind));
        set.remove(removed);
        for (int gid : vdc.groups()) {
            revoke(tx, rules(gid, kind, removed));
        }
        Vdc next = vdc.withResources(kind, set);
        tx.put(next);
        return next;
    }

    /** Deletes the VDC, the rules it gave its groups and the rules naming it (VDC/#id). */
    public static void delete(Transaction tx, Vdc vdc) {
        for (int gid : vdc.groups()) {
            revokeAll(tx, vdc, gid);
        }
        for (PoolObject o : List.copyOf(tx.list(ObjectType.ACL))) {
            if (AclCleanup.objectDeleted(ObjectType.VDC, vdc.id()).test((AclRule) o)) {
                tx.delete(ObjectType.ACL, o.id());
            }
        }
        tx.delete(ObjectType.VDC, vdc.id());
    }

    /**
     * A deleted cluster, host, datastore or network of a zone leaves every VDC that named it, with the rules
     * granted for it, so no rule is left for a future object with the same ID.
     */
    public static void resourceDeleted(Transaction tx, VdcResource kind, int zoneId, int resourceId) {
        ZoneResource r = new ZoneResource(zoneId, resourceId);
        for (PoolObject o : List.copyOf(tx.list(ObjectType.VDC))) {
            Vdc v = (Vdc) o;
            if (v.resources(kind).contains(r)) {
                delResource(tx, v, kind, zoneId, resourceId);
            }
        }
    }

    /** A new group joins the default VDC (and gets its rules), as OpenNebula's group allocate does. */
    public static void groupCreated(Transaction tx, int gid) {
        PoolObject dflt = tx.get(ObjectType.VDC, Vdc.DEFAULT_ID);
        if (dflt instanceof Vdc v && !v.groups().contains(gid)) {
            addGroup(tx, v, gid);
        }
    }

    /** A deleted group leaves every VDC, its rules with it. */
    public static void groupDeleted(Transaction tx, int gid) {
        for (PoolObject o : List.copyOf(tx.list(ObjectType.VDC))) {
            Vdc v = (Vdc) o;
            if (v.groups().contains(gid)) {
                delGroup(tx, v, gid);
            }
        }
    }

    private static void revokeAll(Transaction tx, Vdc vdc, int gid) {
        for (VdcResource kind : VdcResource.values()) {
            for (ZoneResource r : vdc.resources(kind)) {
                revoke(tx, rules(gid, kind, r));
            }
        }
    }

    private static void grant(Transaction tx, List<AclRule> rules) {
        for (AclRule wanted : rules) {
            if (find(tx, wanted) == null) {
                tx.put(wanted.withId(tx.nextId(ObjectType.ACL)));
            }
        }
    }

    private static void revoke(Transaction tx, List<AclRule> rules) {
        for (AclRule unwanted : rules) {
            AclRule existing = find(tx, unwanted);
            if (existing != null) {
                tx.delete(ObjectType.ACL, existing.id());
            }
        }
    }

    private static AclRule find(Transaction tx, AclRule wanted) {
        for (PoolObject o : tx.list(ObjectType.ACL)) {
            AclRule r = (AclRule) o;
            if (r.sameRuleAs(wanted)) {
                return r;
            }
        }
        return null;
    }

    private static ApiException internal(String message, int vdcId) {
        return new ApiException(ErrorCode.INTERNAL, message, vdcId);
    }
}
