package dev.nimbo.core.vmtemplate;

import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.SharedObject;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;

/**
 * A VM template (vmtemplate.xsd), the "flavor" VMs are instantiated from: an owned, lockable template with its
 * registration time. Immutable.
 */
public record VmTemplate(int id, String name, int uid, int gid, String uname, String gname, Permissions permissions,
                         Lock lock, long regtime, Template template) implements SharedObject<VmTemplate> {

    @Override
    public ObjectType type() {
        return ObjectType.TEMPLATE;
    }

    @Override
    public VmTemplate withName(String n) {
        return new VmTemplate(id, n, uid, gid, uname, gname, permissions, lock, regtime, template);
    }

    @Override
    public VmTemplate withOwner(int u, String un, int g, String gn) {
        return new VmTemplate(id, name, u, g, un, gn, permissions, lock, regtime, template);
    }

    @Override
    public VmTemplate withPermissions(Permissions p) {
        return new VmTemplate(id, name, uid, gid, uname, gname, p, lock, regtime, template);
    }

    @Override
    public VmTemplate withLock(Lock l) {
        return new VmTemplate(id, name, uid, gid, uname, gname, permissions, l, regtime, template);
    }

    @Override
    public VmTemplate withTemplate(Template t) {
        return new VmTemplate(id, name, uid, gid, uname, gname, permissions, lock, regtime, t);
    }

    @Override
    public void writeXml(XmlWriter w) {
        w.open("VMTEMPLATE").element("ID", id).element("UID", uid).element("GID", gid).element("UNAME", uname)
                .element("GNAME", gname).element("NAME", name);
        lock.writeXml(w);
        permissions.writeXml(w);
        w.element("REGTIME", regtime);
        template.writeXml(w);
        w.close("VMTEMPLATE");
    }

    public static VmTemplate fromXml(XmlNode n) {
        XmlNode t = n.child("TEMPLATE");
        return new VmTemplate(n.integer("ID", -1), n.text("NAME"), n.integer("UID", 0), n.integer("GID", 0),
                n.text("UNAME"), n.text("GNAME"), Permissions.fromXml(n.child("PERMISSIONS")), Lock.fromXml(n.child("LOCK")),
                n.longValue("REGTIME", 0), t == null ? Template.EMPTY : Template.fromXml(t));
    }
}
