package dev.nimbo.core.vnet;

import dev.nimbo.core.group.Group;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.quota.DefaultQuotas;
import dev.nimbo.core.quota.Quotas;
import dev.nimbo.core.quota.Usage;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.user.User;

/**
 * The NETWORK quota (LEASES per network ID) of a lease holder's user and group, charged and released inside
 * an action so the quota moves atomically with the leases. A refused charge throws AUTHORIZATION with
 * oned's message and stages nothing. Users or groups that no longer exist are skipped on release.
 * Controller thread only (it works on a {@link Transaction}).
 */
public final class NetworkQuota {

    private NetworkQuota() {
    }

    /** Charges {@code leases} leases of network {@code netId} to uid/gid, on behalf of {@code requesterUid}. */
    public static void charge(Transaction tx, int requesterUid, int uid, int gid, int netId, long leases) {
        if (leases <= 0) {
            return;
        }
        User user = tx.require(ObjectType.USER, uid);
        Group group = tx.require(ObjectType.GROUP, gid);
        DefaultQuotas ud = (DefaultQuotas) tx.get(ObjectType.SETTING, DefaultQuotas.USER_ID);
        DefaultQuotas gd = (DefaultQuotas) tx.get(ObjectType.SETTING, DefaultQuotas.GROUP_ID);
        Quotas.Charged c = Quotas.charge(requesterUid, Quotas.Account.user(uid, user.quotas(), ud),
                Quotas.Account.group(gid, group.quotas(), gd), Usage.network(netId, Math.toIntExact(leases)));
        tx.put(user.withQuotas(c.user()));
        tx.put(group.withQuotas(c.group()));
    }

    /** Gives back {@code leases} leases of network {@code netId} to uid/gid (those still existing). */
    public static void release(Transaction tx, int uid, int gid, int netId, long leases) {
        if (leases <= 0) {
            return;
        }
        Usage u = Usage.network(netId, Math.toIntExact(leases));
        if (tx.get(ObjectType.USER, uid) instanceof User user) {
            tx.put(user.withQuotas(Quotas.release(user.quotas(), u)));
        }
        if (tx.get(ObjectType.GROUP, gid) instanceof Group group) {
            tx.put(group.withQuotas(Quotas.release(group.quotas(), u)));
        }
    }
}
