package dev.nimbo.core.quota;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Quota arithmetic: charging a usage against a user's and its group's quotas, and releasing it.
 * Pure functions over immutable sets: a refused charge changes nothing because nothing is written;
 * the caller stores the returned sets with the action's other records.
 */
public final class Quotas {

    /** oned's UserPool::ONEADMIN_ID and GroupPool::ONEADMIN_ID: their quotas are never enforced. */
    public static final int ONEADMIN_ID = 0;

    /** Check order within one account, as oned checks a VM (networks, VM, images) then its datastores. */
    private static final List<QuotaKind> CHECK_ORDER =
            List.of(QuotaKind.NETWORK, QuotaKind.VM, QuotaKind.IMAGE, QuotaKind.DATASTORE);

    private Quotas() {
    }

    /**
     * One side of a charge: the quota holder's ID, its quotas, the defaults its "-1" limits resolve to
     * (null: resolve to unlimited), and whether limits are skipped (usage is still counted).
     */
    public record Account(int id, QuotaSet quotas, DefaultQuotas defaults, boolean exempt) {
        public Account {
            Objects.requireNonNull(quotas, "quotas");
        }

        /** A user; oneadmin (uid 0) is exempt. */
        public static Account user(int uid, QuotaSet quotas, DefaultQuotas userDefaults) {
            return new Account(uid, quotas, userDefaults, uid == ONEADMIN_ID);
        }

        /** A group; the oneadmin group (gid 0) is exempt. */
        public static Account group(int gid, QuotaSet quotas, DefaultQuotas groupDefaults) {
            return new Account(gid, quotas, groupDefaults, gid == ONEADMIN_ID);
        }
    }

    /** The user's and group's quota sets after a charge or release. */
    public record Charged(QuotaSet user, QuotaSet group) {
    }

    /**
     * Adds the usage to both accounts, or throws AUTHORIZATION with oned's message when a limit of either
     * would be exceeded (user checked first). The message assumes the requester is the quota owner; use
     * {@link #charge(int, Account, Account, Usage)} when someone else acts on the owner's behalf.
     */
    public static Charged charge(Account user, Account group, Usage u) {
        return charge(user.id(), user, group, u);
    }

    /**
     * As {@link #charge(Account, Account, Usage)}, naming {@code requesterUid} as oned's Request does:
     * "User [requester] : user [owner] limit of 2 reached for VMS quota in VM." (the text after "[method] ").
     */
    public static Charged charge(int requesterUid, Account user, Account group, Usage u) {
        checkDefaults(user.defaults(), true);
        checkDefaults(group.defaults(), false);
        Attempt au = add(user, u);
        if (au.violation != null) {
            throw refusal(requesterUid, "user [" + user.id() + "] " + au.violation);
        }
        Attempt ag = add(group, u);
        if (ag.violation != null) {
            throw refusal(requesterUid, "group [" + group.id() + "] " + ag.violation);
        }
        return new Charged(au.result, ag.result);
    }

    /**
     * Only the verdict: oned's response text ("user [5] limit of 2 reached for VMS quota in VM") for the
     * first limit the usage would exceed, or empty. For the few calls where oned answers ACTION instead.
     */
    public static Optional<String> violation(Account user, Account group, Usage u) {
        checkDefaults(user.defaults(), true);
        checkDefaults(group.defaults(), false);
        Attempt au = add(user, u);
        if (au.violation != null) {
            return Optional.of("user [" + user.id() + "] " + au.violation);
        }
        Attempt ag = add(group, u);
        return ag.violation == null ? Optional.empty() : Optional.of("group [" + group.id() + "] " + ag.violation);
    }

    /**
     * Subtracts the usage from both sets (counters stop at 0); entries left with default limits and no
     * usage are dropped, as oned does.
     */
    public static Charged release(QuotaSet user, QuotaSet group, Usage u) {
        return new Charged(subtract(user, u), subtract(group, u));
    }

    /** Subtracts the usage from one set; see {@link #release}. */
    public static QuotaSet release(QuotaSet quotas, Usage u) {
        return subtract(quotas, u);
    }

    private static ApiException refusal(int requesterUid, String reason) {
        return new ApiException(ErrorCode.AUTHORIZATION, "User [" + requesterUid + "] : " + reason + ".");
    }

    private static void checkDefaults(DefaultQuotas d, boolean user) {
        if (d != null && d.isUser() != user) {
            throw new IllegalArgumentException((user ? "user" : "group") + " account given " + d.name());
        }
    }

    private record Attempt(QuotaSet result, String violation) {
    }

    private static Attempt add(Account a, Usage u) {
        QuotaSet defaults = a.defaults() == null ? QuotaSet.EMPTY : a.defaults().limits();
        QuotaSet s = a.quotas();
        for (QuotaKind kind : CHECK_ORDER) {
            for (Usage.Key key : u.keys(kind)) {
                QuotaEntry e = s.entry(kind, key.id());
                if (e == null) {
                    e = QuotaEntry.blank(kind, key.id(), Amounts.DEFAULT);
                }
                QuotaEntry d = defaults.entry(kind, key.id());
                for (int i = 0; i < kind.metrics().size(); i++) {
                    Long req = u.at(key, i);
                    if (req == null) {
                        continue;
                    }
                    long used = e.usedAt(i);
                    if (!a.exempt()) {
                        long limit = e.limitAt(i);
                        if (limit == Amounts.DEFAULT) {
                            limit = d == null ? Amounts.UNLIMITED : d.limitAt(i);
                        }
                        if (limit != Amounts.UNLIMITED && limit != Amounts.DEFAULT && used + req > limit) {
                            return new Attempt(null, "limit of " + Amounts.formatShort(limit) + " reached for "
                                    + kind.metrics().get(i) + " quota in " + kind.entryElement()
                                    + (kind.hasId() ? " with ID: " + key.id() : ""));
                        }
                    }
                    e = e.withUsed(i, Math.addExact(used, req));
                }
                s = s.with(e);
            }
        }
        return new Attempt(s, null);
    }

    private static QuotaSet subtract(QuotaSet s, Usage u) {
        for (QuotaKind kind : CHECK_ORDER) {
            for (Usage.Key key : u.keys(kind)) {
                QuotaEntry e = s.entry(kind, key.id());
                if (e == null) {
                    continue;
                }
                for (int i = 0; i < kind.metrics().size(); i++) {
                    Long req = u.at(key, i);
                    if (req != null) {
                        e = e.withUsed(i, Math.max(0, e.usedAt(i) - req));
                    }
                }
                s = e.isRedundant(Amounts.DEFAULT) ? s.without(kind, key.id()) : s.with(e);
            }
        }
        return s;
    }
}
