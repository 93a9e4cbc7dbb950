package dev.nimbo.core.state;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;

/**
 * One change to the pools, as an action emits it. Records are domain-level and deterministic to apply,
 * so the same list can be committed to SQL now and replicated through Raft later.
 */
public sealed interface Record {

    /** Creates or replaces the object with this type and ID. */
    record Put(PoolObject object) implements Record {
    }

    /** Removes the object. */
    record Delete(ObjectType type, int id) implements Record {
    }

    /** The last ID handed out for a type; IDs are never reused. */
    record LastId(ObjectType type, int lastId) implements Record {
    }
}
