package dev.nimbo.core.image;

import dev.nimbo.core.group.Group;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.quota.DefaultQuotas;
import dev.nimbo.core.quota.Quotas;
import dev.nimbo.core.quota.Usage;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.user.User;

/**
 * Datastore quotas (IMAGES, SIZE per datastore) of an image's owner and group, charged and released inside the
 * transaction that creates, moves or drops the image, so usage and images never disagree. Used on the
 * controller thread only.
 */
public final class ImageQuotas {
    private ImageQuotas() {
    }

    /** The usage one image holds: 1 image and its size plus snapshots in its datastore. */
    public static Usage of(Image img) {
        return Usage.datastore(img.dsId(), 1, img.quotaSizeMb());
    }

    /**
     * Charges {@code u} to user {@code uid} and group {@code gid}, refusing with AUTHORIZATION and oned's message
     * when a limit would be passed; {@code requesterUid} is who asked (named in the message).
     */
    public static void charge(Transaction tx, int requesterUid, int uid, int gid, Usage u) {
        charge(tx, requesterUid, uid, gid, u, false);
    }

    /** As {@link #charge}, never refusing (usage that already exists, e.g. a snapshot revert growing a disk). */
    public static void chargeUnchecked(Transaction tx, int uid, int gid, Usage u) {
        charge(tx, uid, uid, gid, u, true);
    }

    private static void charge(Transaction tx, int requesterUid, int uid, int gid, Usage u, boolean exempt) {
        User user = (User) tx.get(ObjectType.USER, uid);
        Group group = (Group) tx.get(ObjectType.GROUP, gid);
        if (user == null || group == null) {
            return; // the owner is gone: nothing to account against
        }
        DefaultQuotas ud = (DefaultQuotas) tx.get(ObjectType.SETTING, DefaultQuotas.USER_ID);
        DefaultQuotas gd = (DefaultQuotas) tx.get(ObjectType.SETTING, DefaultQuotas.GROUP_ID);
        Quotas.Account ua = exempt ? new Quotas.Account(uid, user.quotas(), ud, true)
                : Quotas.Account.user(uid, user.quotas(), ud);
        Quotas.Account ga = exempt ? new Quotas.Account(gid, group.quotas(), gd, true)
                : Quotas.Account.group(gid, group.quotas(), gd);
        Quotas.Charged c = Quotas.charge(requesterUid, ua, ga, u);
        tx.put(user.withQuotas(c.user()));
        tx.put(group.withQuotas(c.group()));
    }

    /** Gives back {@code u} from user {@code uid} and group {@code gid} (either may be gone). */
    public static void release(Transaction tx, int uid, int gid, Usage u) {
        User user = (User) tx.get(ObjectType.USER, uid);
        if (user != null) {
            tx.put(user.withQuotas(Quotas.release(user.quotas(), u)));
        }
        Group group = (Group) tx.get(ObjectType.GROUP, gid);
        if (group != null) {
            tx.put(group.withQuotas(Quotas.release(group.quotas(), u)));
        }
    }
}
