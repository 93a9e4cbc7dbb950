package dev.nimbo.core.obj;

import dev.nimbo.core.xml.XmlWriter;

/**
 * What every object in a pool has. Implementations are immutable: a change makes a new version,
 * which the controller publishes after commit; readers hold versions without locking.
 */
public interface PoolObject {
    ObjectType type();

    int id();

    String name();

    /** Owner user ID (a user's own ID for users). */
    int uid();

    /** Owner group ID (a user's primary group for users). */
    int gid();

    Permissions permissions();

    default Lock lock() {
        return Lock.NONE;
    }

    /** Writes the object's XML document exactly as OpenNebula's XSD for its type. */
    void writeXml(XmlWriter w);

    default String toXml() {
        XmlWriter w = new XmlWriter();
        writeXml(w);
        return w.toString();
    }
}
