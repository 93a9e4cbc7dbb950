package dev.nimbo.server.api.user;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.group.Group;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.quota.QuotaSet;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.user.User;
import dev.nimbo.server.bootstrap.Bootstrap;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The user writes shared by one.user.allocate and by authentication drivers that create users or manage their
 * groups (LDAP): a new user with its groups' member lists, a whole group set replaced, group admins set. Run inside a
 * controller transaction only.
 */
public final class UserWrites {
    private UserWrites() {
    }

    /** Creates a user in {@code groups} (the first is the primary group) and returns its ID. */
    public static int insert(Transaction tx, String name, String storedSecret, String driver, List<Integer> groups) {
        PoolObject clash = tx.byName(ObjectType.USER, -1, name);
        if (clash != null) {
            throw ApiException.allocate("user", "NAME is already taken by USER " + clash.id() + ".");
        }
        Group primary = requireGroup(tx, groups.get(0));
        int id = tx.nextId(ObjectType.USER);
        TreeSet<Integer> set = new TreeSet<>();
        for (int gid : groups) {
            Group g = requireGroup(tx, gid);
            set.add(gid);
            tx.put(g.withUser(id));
        }
        tx.put(new User(id, name, primary.id(), primary.name(), set, storedSecret, driver, true, List.of(),
                Template.EMPTY.with("TOKEN_PASSWORD", Bootstrap.randomSecret()), QuotaSet.EMPTY));
        return id;
    }

    /**
     * Makes {@code groups} the user's whole group set, as a driver that manages groups wants: the primary group
     * stays if it is still in the set, else the first group becomes primary. Groups that no longer exist are
     * skipped; nothing changes if none is left.
     */
    public static void replaceGroups(Transaction tx, int uid, List<Integer> groups) {
        User u = tx.require(ObjectType.USER, uid);
        SortedSet<Integer> wanted = new TreeSet<>();
        Integer first = null;
        for (int gid : groups) {
            if (tx.get(ObjectType.GROUP, gid) != null) {
                wanted.add(gid);
                first = first == null ? gid : first;
            }
        }
        if (wanted.isEmpty() || wanted.equals(u.groups())) {
            return;
        }
        for (int gid : u.groups()) {
            Group g = (Group) tx.get(ObjectType.GROUP, gid);
            if (g != null && !wanted.contains(gid)) {
                tx.put(g.withoutUser(uid));
            }
        }
        for (int gid : wanted) {
            if (!u.groups().contains(gid)) {
                tx.put(((Group) tx.get(ObjectType.GROUP, gid)).withUser(uid));
            }
        }
        User moved = u;
        if (!wanted.contains(u.gid())) {
            Group p = (Group) tx.get(ObjectType.GROUP, first);
            moved = moved.withPrimaryGroup(p.id(), p.name());
        }
        tx.put(moved.withGroups(wanted));
    }

    /**
     * Makes the user an administrator of exactly the groups in {@code adminOf} among its groups (a driver that
     * manages group admins); returns whether anything changed.
     */
    public static boolean setAdmins(Transaction tx, int uid, List<Integer> adminOf, int zoneId) {
        User u = tx.require(ObjectType.USER, uid);
        boolean changed = false;
        for (int gid : u.groups()) {
            Group g = (Group) tx.get(ObjectType.GROUP, gid);
            if (g == null) {
                continue;
            }
            boolean want = adminOf.contains(gid);
            if (want && !g.admins().contains(uid)) {
                dev.nimbo.server.api.group.GroupAdmins.add(tx, g, uid, zoneId);
                changed = true;
            } else if (!want && g.admins().contains(uid)) {
                dev.nimbo.server.api.group.GroupAdmins.remove(tx, g, uid, zoneId);
                changed = true;
            }
        }
        return changed;
    }

    static Group requireGroup(Transaction tx, int gid) {
        Group g = (Group) tx.get(ObjectType.GROUP, gid);
        if (g == null) {
            throw new ApiException(ErrorCode.ALLOCATE,
                    "Error allocating a new user. The array of groups needs to have at least a valid Group ID.", gid);
        }
        return g;
    }
}
