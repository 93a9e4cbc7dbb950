package dev.nimbo.server.api.host;

import dev.nimbo.core.auth.Authorizer;
import dev.nimbo.core.auth.ObjectAuth;
import dev.nimbo.core.auth.Right;
import dev.nimbo.core.cluster.ClusterMember;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.server.api.Call;

/**
 * Authorization of cluster members (hosts, datastores, networks) with their clusters, so cluster-scoped ACL
 * rules such as {@code @100 HOST/%101 MANAGE} apply; other objects as {@link Call#authorize} does.
 */
public final class HostAccess {
    private HostAccess() {
    }

    /** The object's authorization attributes, with its clusters when it has some. */
    public static ObjectAuth auth(PoolObject o) {
        ObjectAuth a = ObjectAuth.of(o);
        return o instanceof ClusterMember m ? a.withClusters(m.clusters()) : a;
    }

    /** Refuses with LOCKED or AUTHORIZATION unless the caller holds {@code right} on the object. */
    public static void authorize(Call call, Right right, PoolObject o) {
        if (!(o instanceof ClusterMember)) {
            call.authorize(right, o);
            return;
        }
        if (Authorizer.blockedByLock(o.lock(), right)) {
            throw ApiException.locked(o.type().humanName(), o.id());
        }
        call.ctx().authorizer().check(call.method(), call.subject(), right, auth(o));
    }

    /** Whether the caller may USE the object (pool listings). */
    public static boolean visible(Call call, PoolObject o) {
        return call.subject().isOneadmin() || call.ctx().authorizer().allowed(call.subject(), Right.USE, auth(o));
    }
}
