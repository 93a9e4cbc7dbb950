package dev.nimbo.core.state;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an action sees and emits: reads go to its own staged changes first, then to the controller's
 * working state; writes only stage records. If the action throws, its records are dropped, so nothing is
 * half-written. Used by the controller thread only.
 */
public final class Transaction implements ObjectsView {
    private static final PoolObject DELETED = null;

    private final ObjectsView base;
    private final long now;
    private final List<Record> records = new ArrayList<>();
    private final Map<ObjectType, TreeMap<Integer, PoolObject>> staged = new HashMap<>();
    private final Map<ObjectType, Integer> lastIds = new HashMap<>();

    public Transaction(ObjectsView base, long nowEpochSeconds) {
        this.base = base;
        this.now = nowEpochSeconds;
    }

    /** The time of this transaction, in seconds since the epoch, the same for every record it writes. */
    public long now() {
        return now;
    }

    @Override
    public PoolObject get(ObjectType type, int id) {
        TreeMap<Integer, PoolObject> s = staged.get(type);
        if (s != null && s.containsKey(id)) {
            return s.get(id);
        }
        return base.get(type, id);
    }

    @Override
    public Collection<PoolObject> list(ObjectType type) {
        TreeMap<Integer, PoolObject> s = staged.get(type);
        if (s == null || s.isEmpty()) {
            return base.list(type);
        }
        TreeMap<Integer, PoolObject> merged = new TreeMap<>();
        for (PoolObject o : base.list(type)) {
            merged.put(o.id(), o);
        }
        for (Map.Entry<Integer, PoolObject> e : s.entrySet()) {
            if (e.getValue() == DELETED) {
                merged.remove(e.getKey());
            } else {
                merged.put(e.getKey(), e.getValue());
            }
        }
        return merged.values();
    }

    @Override
    public PoolObject byName(ObjectType type, int ownerUid, String name) {
        String key = ObjectTable.nameKey(type, ownerUid, name);
        if (key == null) {
            return null;
        }
        TreeMap<Integer, PoolObject> s = staged.get(type);
        if (s != null) {
            for (PoolObject o : s.values()) {
                if (o != DELETED && key.equals(ObjectTable.nameKey(type, o.uid(), o.name()))) {
                    return o;
                }
            }
        }
        PoolObject fromBase = base.byName(type, ownerUid, name);
        if (fromBase == null) {
            return null;
        }
        // The base's holder of the name may have been renamed or deleted in this transaction.
        PoolObject current = get(type, fromBase.id());
        return current != null && key.equals(ObjectTable.nameKey(type, current.uid(), current.name())) ? current : null;
    }

    @Override
    public int lastId(ObjectType type) {
        Integer mine = lastIds.get(type);
        return mine != null ? mine : base.lastId(type);
    }

    /** Hands out the next ID of a type (never reused). */
    public int nextId(ObjectType type) {
        int id = lastId(type) + 1;
        lastIds.put(type, id);
        records.add(new Record.LastId(type, id));
        return id;
    }

    /** Sets the sequence so the next ID is at least {@code lastId + 1} (e.g. user groups start at 100). */
    public void reserveIdsUpTo(ObjectType type, int lastId) {
        if (lastId(type) < lastId) {
            lastIds.put(type, lastId);
            records.add(new Record.LastId(type, lastId));
        }
    }

    public void put(PoolObject object) {
        staged.computeIfAbsent(object.type(), t -> new TreeMap<>()).put(object.id(), object);
        records.add(new Record.Put(object));
    }

    public void delete(ObjectType type, int id) {
        staged.computeIfAbsent(type, t -> new TreeMap<>()).put(id, DELETED);
        records.add(new Record.Delete(type, id));
    }

    public List<Record> records() {
        return records;
    }
}
