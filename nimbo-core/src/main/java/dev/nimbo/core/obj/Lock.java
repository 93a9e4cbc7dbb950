package dev.nimbo.core.obj;

import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;

/**
 * An object lock: level 1 USE, 2 MANAGE, 3 ADMIN (4 ALL is stored as ADMIN as OpenNebula does), the
 * user who locked it, when, and the request. {@link #NONE} means unlocked. A lock at level L blocks
 * operations needing level L or more; level USE blocks everything.
 */
public record Lock(int level, int owner, long time, int requestId) {
    public static final Lock NONE = new Lock(0, -1, 0, -1);
    public static final int USE = 1;
    public static final int MANAGE = 2;
    public static final int ADMIN = 3;
    /** The API's "all" level, which OpenNebula stores as USE (it blocks everything). */
    public static final int ALL = 4;

    public boolean isLocked() {
        return level > 0;
    }

    public void writeXml(XmlWriter w) {
        if (!isLocked()) {
            return;
        }
        w.open("LOCK").element("LOCKED", level).element("OWNER", owner).element("TIME", time)
                .element("REQ_ID", requestId).close("LOCK");
    }

    public static Lock fromXml(XmlNode lock) {
        if (lock == null) {
            return NONE;
        }
        return new Lock(lock.integer("LOCKED", 0), lock.integer("OWNER", -1), lock.longValue("TIME", 0),
                lock.integer("REQ_ID", -1));
    }
}
