package dev.nimbo.core.auth;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import java.util.Set;

/**
 * What an authorization check is about (OpenNebula's PoolObjectAuth): the object's type, ID, owner,
 * group, permission bits and, for hosts, datastores and networks, the clusters it belongs to (so
 * cluster-scoped rules such as {@code HOST/%100} apply). ID -1 means "an object to be created".
 * Immutable.
 */
public record ObjectAuth(ObjectType type, int id, int uid, int gid, Permissions perms, Set<Integer> clusterIds) {

    private static final Permissions NONE = new Permissions(0);

    public ObjectAuth {
        if (type == null) {
            throw new IllegalArgumentException("object type is required");
        }
        perms = perms == null ? NONE : perms;
        clusterIds = clusterIds == null ? Set.of() : Set.copyOf(clusterIds);
    }

    /** The object's own authorization attributes, without clusters. */
    public static ObjectAuth of(PoolObject o) {
        return new ObjectAuth(o.type(), o.id(), o.uid(), o.gid(), o.permissions(), Set.of());
    }

    /**
     * A new object of this type created by the caller. The authorizer then matches group-scoped
     * CREATE rules against the caller's effective group, as OpenNebula's allocate calls do.
     */
    public static ObjectAuth forCreate(ObjectType type) {
        return new ObjectAuth(type, -1, -1, -1, NONE, Set.of());
    }

    /** A new object of this type that will be owned by uid/gid (e.g. a user created into a group). */
    public static ObjectAuth forCreate(ObjectType type, int uid, int gid) {
        return new ObjectAuth(type, -1, uid, gid, NONE, Set.of());
    }

    public ObjectAuth withClusters(Set<Integer> clusters) {
        return new ObjectAuth(type, id, uid, gid, perms, clusters);
    }
}
