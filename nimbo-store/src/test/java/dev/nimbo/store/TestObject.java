package dev.nimbo.store;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.xml.XmlWriter;

/** A minimal pool object; {@code failXml} makes toXml() throw, to break a batch midway. */
record TestObject(ObjectType type, int id, String name, int uid, int gid, String payload, boolean failXml)
        implements PoolObject {

    static TestObject of(ObjectType type, int id, String payload) {
        return new TestObject(type, id, "obj-" + id, 0, 0, payload, false);
    }

    static TestObject failing(ObjectType type, int id) {
        return new TestObject(type, id, "bad-" + id, 0, 0, "", true);
    }

    @Override
    public Permissions permissions() {
        return new Permissions(0640);
    }

    @Override
    public void writeXml(XmlWriter w) {
        if (failXml) {
            throw new IllegalStateException("toXml failed on purpose");
        }
        w.open(type.xmlRoot()).element("ID", id).element("NAME", name).element("PAYLOAD", payload)
                .close(type.xmlRoot());
    }
}
