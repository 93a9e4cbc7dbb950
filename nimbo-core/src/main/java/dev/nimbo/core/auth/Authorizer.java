package dev.nimbo.core.auth;

import static dev.nimbo.core.auth.AclRule.ALL_ID;
import static dev.nimbo.core.auth.AclRule.CLUSTER_ID;
import static dev.nimbo.core.auth.AclRule.GROUP_ID;
import static dev.nimbo.core.auth.AclRule.ID_MASK;
import static dev.nimbo.core.auth.AclRule.INDIVIDUAL_ID;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The one place that decides whether a subject may USE, MANAGE, ADMIN or CREATE an object, following
 * OpenNebula (AuthRequest::add_auth, AclManager::authorize): oneadmin and group 0 always may; otherwise
 * the object's owner/group/other bits, then the ACL rules for everyone (*), the user (#uid) and each
 * of his groups (@gid), matching the object's type and ID, owner group, cluster or all objects, the
 * right and this zone (#zone or *).
 *
 * <p>Thread-safe and lock-free. Rules come from the supplier on every call (the published ACL pool); an
 * immutable index by rule user is rebuilt only when the rules' fingerprint (count, highest ID, hash
 * sum) changes, which any add or delete does.
 */
public final class Authorizer {

    private final Supplier<? extends Collection<? extends AclRule>> rules;
    private final int zoneId;
    private volatile Index index = Index.EMPTY;

    public Authorizer(Supplier<? extends Collection<? extends AclRule>> rules, int zoneId) {
        this.rules = rules;
        this.zoneId = zoneId;
    }

    public int zoneId() {
        return zoneId;
    }

    /** One permission an API call needs: the right on the object. */
    public record Need(Right op, ObjectAuth obj) {
    }

    /**
     * The ACL-derived part of pool filtering (AclManager::reverse_search for USE): objects the subject
     * may use by ID, by owner group, by cluster, or all of them. When {@code all} the sets are empty.
     */
    public record Visibility(boolean all, Set<Integer> ids, Set<Integer> gids, Set<Integer> clusterIds) {
        public static final Visibility ALL = new Visibility(true, Set.of(), Set.of(), Set.of());

        public Visibility {
            ids = Set.copyOf(ids);
            gids = Set.copyOf(gids);
            clusterIds = Set.copyOf(clusterIds);
        }

        /** Whether an ACL rule lets the subject see this object (ownership bits not considered). */
        public boolean admits(ObjectAuth o) {
            if (all || ids.contains(o.id()) || gids.contains(o.gid())) {
                return true;
            }
            for (int c : o.clusterIds()) {
                if (clusterIds.contains(c)) {
                    return true;
                }
            }
            return false;
        }
    }

    // ------------------------------------------------------------------ decisions

    public boolean allowed(Subject s, Right op, ObjectAuth obj) {
        if (s.isOneadmin()) {
            return true;
        }
        if (obj.id() >= 0 && op != Right.CREATE && permissionsAllow(s, op, obj)) {
            return true;
        }
        return aclAllows(s, op, obj);
    }

    /** As {@link #allowed} but also refusing what the object's lock blocks, as OpenNebula does for lockable operations. */
    public boolean allowed(Subject s, Right op, ObjectAuth obj, Lock lock) {
        return !blockedByLock(lock, op) && allowed(s, op, obj);
    }

    /**
     * Throws AUTHORIZATION unless allowed, with oned's message:
     * "[method] User [uid] : Not authorized to perform OP TYPE [id]." (no " [id]" when the ID is -1).
     */
    public void check(String method, Subject s, Right op, ObjectAuth obj) {
        if (!allowed(s, op, obj)) {
            throw denied(method, s, notAuthorized(op, obj));
        }
    }

    /**
     * As {@link #check(String, Subject, Right, ObjectAuth)} for a lockable operation: a lock at the
     * operation's level refuses even oneadmin, whose message then is "TYPE is locked. [id]".
     */
    public void check(String method, Subject s, Right op, ObjectAuth obj, Lock lock) {
        if (!blockedByLock(lock, op)) {
            check(method, s, op, obj);
            return;
        }
        throw denied(method, s, s.isOneadmin() ? lockedMessage(obj) : notAuthorized(op, obj));
    }

    /** Several needs at once (e.g. MANAGE the user and USE the new group): every failure is reported, joined by "; ". */
    public void check(String method, Subject s, List<Need> needs) {
        StringBuilder failures = null;
        for (Need n : needs) {
            if (!allowed(s, n.op(), n.obj())) {
                failures = failures == null ? new StringBuilder() : failures.append("; ");
                failures.append(notAuthorized(n.op(), n.obj()));
            }
        }
        if (failures != null) {
            throw denied(method, s, failures.toString());
        }
    }

    /**
     * OpenNebula's lock rule: a lock of level L (1 USE, 2 MANAGE, 3 ADMIN, 4 ALL) blocks every operation
     * whose rights bit is at least L, so a USE lock blocks all and an ADMIN lock only ADMIN and CREATE.
     */
    public static boolean blockedByLock(Lock lock, Right op) {
        return lock != null && lock.level() > 0 && lock.level() <= op.bit();
    }

    /** Which objects of a type the subject may USE through ACL rules. oneadmin: all. */
    public Visibility visibility(Subject s, ObjectType type) {
        return visibility(s, type, false, false, false);
    }

    /** As {@link #visibility(Subject, ObjectType)}, ignoring the "all", cluster or group rules when asked. */
    public Visibility visibility(Subject s, ObjectType type, boolean disableAll, boolean disableCluster,
                                 boolean disableGroup) {
        if (s.isOneadmin()) {
            return Visibility.ALL;
        }
        long t = type.aclBit();
        if (t == 0) {
            return new Visibility(false, Set.of(), Set.of(), Set.of());
        }
        Index idx = index();
        Set<Integer> ids = new HashSet<>();
        Set<Integer> gids = new HashSet<>();
        Set<Integer> cids = new HashSet<>();
        long allReq = t | ALL_ID;
        long zoneReq = INDIVIDUAL_ID | zoneId;
        for (AclRule[] bucket : idx.bucketsFor(s)) {
            for (AclRule r : bucket) {
                if ((r.rights() & Right.USE.bit()) == 0 || (r.zone() != zoneReq && r.zone() != ALL_ID)) {
                    continue;
                }
                long res = r.resource();
                if (!disableAll && (res & allReq) == allReq) {
                    return Visibility.ALL;
                } else if (!disableGroup && (res & (t | GROUP_ID)) == (t | GROUP_ID)) {
                    gids.add(r.resourceId());
                } else if (!disableCluster && (res & (t | CLUSTER_ID)) == (t | CLUSTER_ID)) {
                    cids.add(r.resourceId());
                } else if ((res & (t | INDIVIDUAL_ID)) == (t | INDIVIDUAL_ID)) {
                    ids.add(r.resourceId());
                }
            }
        }
        return new Visibility(false, ids, gids, cids);
    }

    /**
     * Whether a pool listing shows the object to the subject (OpenNebula's "all" filter): he owns it,
     * others or his group may use it, or an ACL rule admits it.
     */
    public static boolean visible(Subject s, Visibility v, ObjectAuth o) {
        if (v.all() || s.isOneadmin() || o.uid() == s.uid()) {
            return true;
        }
        Permissions p = o.perms();
        if (p.bit(6) || (p.bit(3) && s.groupIds().contains(o.gid()))) {
            return true;
        }
        return v.admits(o);
    }

    // ------------------------------------------------------------------ internals

    /** The owner, group and other bits act as three rules on the object itself. */
    private static boolean permissionsAllow(Subject s, Right op, ObjectAuth obj) {
        int off = op.permissionOffset();
        Permissions p = obj.perms();
        if (p.bit(6 + off)) {
            return true;
        }
        if (obj.uid() >= 0 && obj.uid() == s.uid() && p.bit(off)) {
            return true;
        }
        return obj.gid() >= 0 && p.bit(3 + off) && s.groupIds().contains(obj.gid());
    }

    private boolean aclAllows(Subject s, Right op, ObjectAuth obj) {
        long t = obj.type().aclBit();
        if (t == 0) {
            return false; // internal types: no rule may name them
        }
        Index idx = index();
        // OpenNebula authorizes a creation with the caller as owner, so "/@gid CREATE" rules match his group.
        int gid = op == Right.CREATE && obj.id() < 0 && obj.uid() < 0 && obj.gid() < 0 ? s.gid() : obj.gid();
        Match m = new Match(t, obj.id(), gid, obj.clusterIds(), op.bit(), zoneId);
        if (m.any(idx.all)) {
            return true;
        }
        AclRule[] mine = idx.byUser.get(s.uid());
        if (mine != null && m.any(mine)) {
            return true;
        }
        for (int g : s.groupIds()) {
            AclRule[] theirs = idx.byGroup.get(g);
            if (theirs != null && m.any(theirs)) {
                return true;
            }
        }
        return false;
    }

    /** One request in AclManager's terms: the masks each rule is compared with. */
    private record Match(long type, int oid, int gid, Set<Integer> clusters, long rights, int zoneId) {
        boolean any(AclRule[] rules) {
            for (AclRule r : rules) {
                if (matches(r)) {
                    return true;
                }
            }
            return false;
        }

        private boolean matches(AclRule r) {
            long z = r.zone();
            if ((z & ALL_ID) == 0 && (z & (INDIVIDUAL_ID | ID_MASK)) != (INDIVIDUAL_ID | zoneId)) {
                return false;
            }
            if ((r.rights() & rights) != rights) {
                return false;
            }
            long res = r.resource();
            long allReq = type | ALL_ID;
            if ((res & allReq) == allReq) {
                return true;
            }
            if (gid >= 0 && (res & (type | GROUP_ID | ID_MASK)) == (type | GROUP_ID | gid)) {
                return true;
            }
            if (oid >= 0 && (res & (type | INDIVIDUAL_ID | ID_MASK)) == (type | INDIVIDUAL_ID | oid)) {
                return true;
            }
            if ((res & CLUSTER_ID) != 0) {
                for (int c : clusters) {
                    if ((res & (type | CLUSTER_ID | ID_MASK)) == (type | CLUSTER_ID | c)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    private Index index() {
        Collection<? extends AclRule> current = rules.get();
        Index idx = index;
        if (idx.fingerprintOf(current)) {
            return idx;
        }
        idx = Index.build(List.copyOf(current));
        index = idx;
        return idx;
    }

    /** Rules by the user value they apply to; OpenNebula looks rules up by exactly that value. */
    private record Index(AclRule[] all, Map<Integer, AclRule[]> byUser, Map<Integer, AclRule[]> byGroup,
                         int count, int maxId, long hashSum) {
        static final Index EMPTY = new Index(new AclRule[0], Map.of(), Map.of(), 0, Integer.MIN_VALUE, 0);

        static Index build(List<? extends AclRule> rules) {
            List<AclRule> all = new ArrayList<>();
            Map<Integer, List<AclRule>> users = new HashMap<>();
            Map<Integer, List<AclRule>> groups = new HashMap<>();
            int maxId = Integer.MIN_VALUE;
            long hashSum = 0;
            for (AclRule r : rules) {
                maxId = Math.max(maxId, r.id());
                hashSum += r.hashCode();
                long kind = r.user() & ~ID_MASK;
                if (r.user() == ALL_ID) {
                    all.add(r);
                } else if (kind == INDIVIDUAL_ID) {
                    users.computeIfAbsent(r.userId(), k -> new ArrayList<>()).add(r);
                } else if (kind == GROUP_ID) {
                    groups.computeIfAbsent(r.userId(), k -> new ArrayList<>()).add(r);
                }
                // Any other user value never equals a request, so such a rule can never apply.
            }
            return new Index(all.toArray(new AclRule[0]), freeze(users), freeze(groups), rules.size(), maxId, hashSum);
        }

        private static Map<Integer, AclRule[]> freeze(Map<Integer, List<AclRule>> m) {
            Map<Integer, AclRule[]> out = new HashMap<>(m.size() * 2);
            m.forEach((k, v) -> out.put(k, v.toArray(new AclRule[0])));
            return Map.copyOf(out);
        }

        boolean fingerprintOf(Collection<? extends AclRule> rules) {
            int n = 0;
            int max = Integer.MIN_VALUE;
            long sum = 0;
            for (AclRule r : rules) {
                n++;
                max = Math.max(max, r.id());
                sum += r.hashCode();
            }
            return n == count && max == maxId && sum == hashSum;
        }

        List<AclRule[]> bucketsFor(Subject s) {
            List<AclRule[]> out = new ArrayList<>(2 + s.groupIds().size());
            out.add(all);
            AclRule[] mine = byUser.get(s.uid());
            if (mine != null) {
                out.add(mine);
            }
            for (int g : s.groupIds()) {
                AclRule[] theirs = byGroup.get(g);
                if (theirs != null) {
                    out.add(theirs);
                }
            }
            return out;
        }
    }

    private static String notAuthorized(Right op, ObjectAuth obj) {
        return "Not authorized to perform " + op.name() + " " + obj.type().name() + idSuffix(obj);
    }

    private static String lockedMessage(ObjectAuth obj) {
        return obj.type().name() + " is locked." + idSuffix(obj);
    }

    private static String idSuffix(ObjectAuth obj) {
        return obj.id() != -1 ? " [" + obj.id() + "]" : "";
    }

    private static ApiException denied(String method, Subject s, String reason) {
        return ApiException.authorization("[" + method + "] User [" + s.uid() + "] : " + reason + ".");
    }
}
