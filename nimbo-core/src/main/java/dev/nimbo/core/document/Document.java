package dev.nimbo.core.document;

import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.SharedObject;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;

/** A generic document (document.xsd): a typed, owned template that tools store in the front-end. Immutable. */
public record Document(int id, String name, int uid, int gid, String uname, String gname, int docType,
                       Permissions permissions, Lock lock, Template template) implements SharedObject<Document> {

    @Override
    public ObjectType type() {
        return ObjectType.DOCUMENT;
    }

    @Override
    public Document withName(String n) {
        return new Document(id, n, uid, gid, uname, gname, docType, permissions, lock, template);
    }

    @Override
    public Document withOwner(int u, String un, int g, String gn) {
        return new Document(id, name, u, g, un, gn, docType, permissions, lock, template);
    }

    @Override
    public Document withPermissions(Permissions p) {
        return new Document(id, name, uid, gid, uname, gname, docType, p, lock, template);
    }

    @Override
    public Document withLock(Lock l) {
        return new Document(id, name, uid, gid, uname, gname, docType, permissions, l, template);
    }

    @Override
    public Document withTemplate(Template t) {
        return new Document(id, name, uid, gid, uname, gname, docType, permissions, lock, t);
    }

    public Document withId(int newId) {
        return new Document(newId, name, uid, gid, uname, gname, docType, permissions, Lock.NONE, template);
    }

    @Override
    public void writeXml(XmlWriter w) {
        w.open("DOCUMENT").element("ID", id).element("UID", uid).element("GID", gid).element("UNAME", uname)
                .element("GNAME", gname).element("NAME", name).element("TYPE", docType);
        permissions.writeXml(w);
        lock.writeXml(w);
        template.writeXml(w);
        w.close("DOCUMENT");
    }

    public static Document fromXml(XmlNode d) {
        XmlNode t = d.child("TEMPLATE");
        return new Document(d.integer("ID", -1), d.text("NAME"), d.integer("UID", 0), d.integer("GID", 0),
                d.text("UNAME"), d.text("GNAME"), d.integer("TYPE", 0), Permissions.fromXml(d.child("PERMISSIONS")),
                Lock.fromXml(d.child("LOCK")), t == null ? Template.EMPTY : Template.fromXml(t));
    }
}
