package dev.nimbo.core.vntemplate;

import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.SharedObject;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;

/**
 * A virtual network template (vntemplate.xsd): an owned, lockable network definition that users instantiate
 * into networks. VN_MAD is mandatory. Immutable.
 */
public record VnTemplate(int id, String name, int uid, int gid, String uname, String gname, Permissions permissions,
                         Lock lock, long regtime, Template template) implements SharedObject<VnTemplate> {

    @Override
    public ObjectType type() {
        return ObjectType.VNTEMPLATE;
    }

    @Override
    public VnTemplate withName(String n) {
        return new VnTemplate(id, n, uid, gid, uname, gname, permissions, lock, regtime, template);
    }

    @Override
    public VnTemplate withOwner(int u, String un, int g, String gn) {
        return new VnTemplate(id, name, u, g, un, gn, permissions, lock, regtime, template);
    }

    @Override
    public VnTemplate withPermissions(Permissions p) {
        return new VnTemplate(id, name, uid, gid, uname, gname, p, lock, regtime, template);
    }

    @Override
    public VnTemplate withLock(Lock l) {
        return new VnTemplate(id, name, uid, gid, uname, gname, permissions, l, regtime, template);
    }

    @Override
    public VnTemplate withTemplate(Template t) {
        return new VnTemplate(id, name, uid, gid, uname, gname, permissions, lock, regtime, t);
    }

    @Override
    public void writeXml(XmlWriter w) {
        w.open("VNTEMPLATE").element("ID", id).element("UID", uid).element("GID", gid).element("UNAME", uname)
                .element("GNAME", gname).element("NAME", name);
        lock.writeXml(w);
        permissions.writeXml(w);
        w.element("REGTIME", regtime);
        template.writeXml(w);
        w.close("VNTEMPLATE");
    }

    public static VnTemplate fromXml(XmlNode n) {
        XmlNode t = n.child("TEMPLATE");
        return new VnTemplate(n.integer("ID", -1), n.text("NAME"), n.integer("UID", 0), n.integer("GID", 0),
                n.text("UNAME"), n.text("GNAME"), Permissions.fromXml(n.child("PERMISSIONS")), Lock.fromXml(n.child("LOCK")),
                n.longValue("REGTIME", 0), t == null ? Template.EMPTY : Template.fromXml(t));
    }
}
