package dev.nimbo.core.group;

import dev.nimbo.core.obj.IdSet;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.Templated;
import dev.nimbo.core.quota.QuotaSet;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.Set;

/** A group (group.xsd): its members, its administrators, its quotas. Immutable. */
public record Group(int id, String name, Template template, Set<Integer> users, Set<Integer> admins,
                    QuotaSet quotas) implements Templated<Group> {

    public static final int ONEADMIN_ID = 0;
    public static final int USERS_ID = 1;
    /** IDs below this are reserved for the groups created at bootstrap, as in OpenNebula. */
    public static final int FIRST_USER_GROUP_ID = 100;

    public Group {
        users = IdSet.of(users);
        admins = IdSet.of(admins);
    }

    @Override
    public ObjectType type() {
        return ObjectType.GROUP;
    }

    @Override
    public int uid() {
        return 0;
    }

    @Override
    public int gid() {
        return id;
    }

    @Override
    public Permissions permissions() {
        return new Permissions(0);
    }

    public Group withUser(int uid) {
        return new Group(id, name, template, IdSet.with(users, uid), admins, quotas);
    }

    public Group withoutUser(int uid) {
        return new Group(id, name, template, IdSet.without(users, uid), IdSet.without(admins, uid), quotas);
    }

    public Group withAdmin(int uid) {
        return new Group(id, name, template, users, IdSet.with(admins, uid), quotas);
    }

    public Group withoutAdmin(int uid) {
        return new Group(id, name, template, users, IdSet.without(admins, uid), quotas);
    }

    @Override
    public Group withTemplate(Template t) {
        return new Group(id, name, t, users, admins, quotas);
    }

    public Group withQuotas(QuotaSet q) {
        return new Group(id, name, template, users, admins, q);
    }

    @Override
    public void writeXml(XmlWriter w) {
        w.open("GROUP");
        writeBody(w);
        quotas.writeXml(w);
        w.close("GROUP");
    }

    /** The part the pool listing shows per group. */
    public void writeBody(XmlWriter w) {
        w.element("ID", id).element("NAME", name);
        template.writeXml(w);
        IdSet.write(w, "USERS", users);
        IdSet.write(w, "ADMINS", admins);
    }

    /** VLAN_RULES as oned renders for a group without rules. */
    public void writeVlanRules(XmlWriter w) {
        w.open("VLAN_RULES").element("ID", id).close("VLAN_RULES");
    }

    public static Group fromXml(XmlNode g) {
        XmlNode t = g.child("TEMPLATE");
        return new Group(g.integer("ID", -1), g.text("NAME"), t == null ? Template.EMPTY : Template.fromXml(t),
                IdSet.read(g, "USERS"), IdSet.read(g, "ADMINS"), QuotaSet.fromXml(g));
    }
}
