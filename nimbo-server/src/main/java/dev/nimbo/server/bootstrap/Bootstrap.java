package dev.nimbo.server.bootstrap;

import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.auth.DefaultAcls;
import dev.nimbo.core.cluster.Cluster;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.group.Group;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.quota.DefaultQuotas;
import dev.nimbo.core.quota.QuotaSet;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.user.User;
import dev.nimbo.core.zone.Zone;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a first start creates, as OpenNebula does: groups oneadmin (0) and users (1), users oneadmin (0) and
 * serveradmin (1), the default ACL rules, cluster default (0), datastores system (0), default (1), files (2),
 * zone OpenNebula (0), and the default quotas. User-made groups, clusters, datastores and zones start at 100.
 */
public final class Bootstrap {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Bootstrap() {
    }

    public static String randomSecret() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * Stages the bootstrap objects in the transaction. Passwords arrive already hashed: the KDF is slow and
     * must not run on the controller thread.
     */
    public static void create(Transaction tx, String oneadminName, String oneadminHash, String serveradminHash,
                              String endpoint, int zoneId, String datastoresDir) {
        tx.put(new Group(Group.ONEADMIN_ID, "oneadmin", Template.EMPTY, Set.of(0, 1), Set.of(), QuotaSet.EMPTY));
        tx.put(new Group(Group.USERS_ID, "users", Template.EMPTY, Set.of(), Set.of(), QuotaSet.EMPTY));
        tx.reserveIdsUpTo(ObjectType.GROUP, Group.FIRST_USER_GROUP_ID - 1);

        tx.put(user(0, oneadminName, User.CORE_DRIVER, oneadminHash));
        tx.put(user(1, "serveradmin", User.SERVER_CIPHER_DRIVER, serveradminHash));
        tx.reserveIdsUpTo(ObjectType.USER, 1);

        for (AclRule rule : DefaultAcls.bootstrap(zoneId)) {
            tx.put(rule);
            tx.reserveIdsUpTo(ObjectType.ACL, rule.id());
        }

        tx.put(new Cluster(Cluster.DEFAULT_ID, "default", Set.of(), Set.of(0, 1, 2), Set.of(), Template.EMPTY));
        tx.reserveIdsUpTo(ObjectType.CLUSTER, Cluster.FIRST_USER_CLUSTER_ID - 1);

        tx.put(datastore(0, "system", Datastore.SYSTEM_DS, "-", "local", "SYSTEM_DS", datastoresDir));
        tx.put(datastore(1, "default", Datastore.IMAGE_DS, "fs", "local", "IMAGE_DS", datastoresDir));
        tx.put(datastore(2, "files", Datastore.FILE_DS, "fs", "local", "FILE_DS", datastoresDir));
        tx.reserveIdsUpTo(ObjectType.DATASTORE, 99);

        tx.put(new Zone(zoneId, "OpenNebula", Zone.ENABLED, Template.EMPTY.with("ENDPOINT", endpoint), List.of()));
        tx.reserveIdsUpTo(ObjectType.ZONE, 99);

        tx.put(DefaultQuotas.initialUser());
        tx.put(DefaultQuotas.initialGroup());
        dev.nimbo.core.secgroup.SecurityGroup.bootstrap(tx, oneadminName);
        dev.nimbo.core.vdc.VdcActions.bootstrap(tx, zoneId);
    }

    private static User user(int id, String name, String driver, String password) {
        Template t = Template.EMPTY.with("TOKEN_PASSWORD", randomSecret());
        return new User(id, name, Group.ONEADMIN_ID, "oneadmin", new TreeSet<>(Set.of(Group.ONEADMIN_ID)), password,
                driver, true, List.of(), t, QuotaSet.EMPTY);
    }

    private static Datastore datastore(int id, String name, int type, String dsMad, String tmMad, String typeName,
                                       String datastoresDir) {
        Template t = Template.EMPTY.with("TYPE", typeName).with("TM_MAD", tmMad);
        if (!dsMad.equals("-")) {
            t = t.with("DS_MAD", dsMad);
        }
        // umask 0137 on 0777, as oned creates its default datastores: owner use+manage, group use.
        return new Datastore(id, name, 0, 0, "oneadmin", "oneadmin", new Permissions(0640), dsMad, tmMad,
                datastoresDir + "/" + id, type, 0, 0, Set.of(0), 0, 0, 0, Set.of(), t);
    }
}
