package dev.nimbo.core.state;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import java.util.Collection;

/** Read access to the pools: the published state, or a transaction's view of it. */
public interface ObjectsView {

    PoolObject get(ObjectType type, int id);

    /** All objects of a type in ascending ID order. */
    Collection<PoolObject> list(ObjectType type);

    /**
     * The object with this name: across the pool for GLOBAL-scoped types, among the owner's objects for
     * OWNER-scoped ones (ownerUid ignored for GLOBAL). Null when none.
     */
    PoolObject byName(ObjectType type, int ownerUid, String name);

    /** Last ID handed out for the type, -1 when none yet. */
    int lastId(ObjectType type);

    /** The object, or NO_EXISTS with OpenNebula's message. */
    @SuppressWarnings("unchecked")
    default <T extends PoolObject> T require(ObjectType type, int id) {
        PoolObject o = get(type, id);
        if (o == null) {
            throw ApiException.noExists(type.humanName(), id);
        }
        return (T) o;
    }
}
