package dev.nimbo.core.state;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The pools as maps from ID to immutable object version, with a name index. Writes come from one thread
 * (the controller applying committed records); any number of readers iterate without locks and see each
 * object either in its old or its new version.
 */
public final class ObjectTable implements ObjectsView {
    private final Map<ObjectType, ConcurrentSkipListMap<Integer, PoolObject>> byId = new EnumMap<>(ObjectType.class);
    private final Map<ObjectType, ConcurrentHashMap<String, Integer>> byName = new EnumMap<>(ObjectType.class);
    private final Map<ObjectType, Integer> lastIds = new ConcurrentHashMap<>();

    public ObjectTable() {
        for (ObjectType t : ObjectType.values()) {
            byId.put(t, new ConcurrentSkipListMap<>());
            byName.put(t, new ConcurrentHashMap<>());
        }
    }

    static String nameKey(ObjectType type, int ownerUid, String name) {
        return switch (type.nameScope()) {
            case GLOBAL -> name;
            case OWNER -> ownerUid + "\u0000" + name;
            case NONE -> null;
        };
    }

    @Override
    public PoolObject get(ObjectType type, int id) {
        return byId.get(type).get(id);
    }

    @Override
    public Collection<PoolObject> list(ObjectType type) {
        return Collections.unmodifiableCollection(byId.get(type).values());
    }

    @Override
    public PoolObject byName(ObjectType type, int ownerUid, String name) {
        String key = nameKey(type, ownerUid, name);
        if (key == null) {
            return null;
        }
        Integer id = byName.get(type).get(key);
        return id == null ? null : get(type, id);
    }

    @Override
    public int lastId(ObjectType type) {
        return lastIds.getOrDefault(type, -1);
    }

    public int size(ObjectType type) {
        return byId.get(type).size();
    }

    /** Applies one record. Single writer only. */
    public void apply(Record record) {
        switch (record) {
            case Record.Put put -> {
                PoolObject o = put.object();
                String key = nameKey(o.type(), o.uid(), o.name());
                // The new name goes in before the old one comes out, and an unchanged name is never removed:
                // a concurrent reader (login looks users up by name) must always find the object.
                if (key != null) {
                    byName.get(o.type()).put(key, o.id());
                }
                PoolObject old = byId.get(o.type()).put(o.id(), o);
                if (old != null && !java.util.Objects.equals(key, nameKey(old.type(), old.uid(), old.name()))) {
                    unindex(old);
                }
            }
            case Record.Delete del -> unindex(byId.get(del.type()).remove(del.id()));
            case Record.LastId last -> lastIds.merge(last.type(), last.lastId(), Math::max);
        }
    }

    public void applyAll(Iterable<Record> records) {
        for (Record r : records) {
            apply(r);
        }
    }

    private void unindex(PoolObject old) {
        if (old == null) {
            return;
        }
        String key = nameKey(old.type(), old.uid(), old.name());
        if (key != null) {
            byName.get(old.type()).remove(key, old.id());
        }
    }

    /** Makes this table's entry for (type, id) equal to the other table's: used to undo a failed batch. */
    void copyEntry(ObjectTable from, ObjectType type, int id) {
        PoolObject wanted = from.get(type, id);
        if (wanted == null) {
            unindex(byId.get(type).remove(id));
        } else {
            apply(new Record.Put(wanted));
        }
    }

    void copyLastId(ObjectTable from, ObjectType type) {
        int v = from.lastId(type);
        if (v < 0) {
            lastIds.remove(type);
        } else {
            lastIds.put(type, v);
        }
    }
}
