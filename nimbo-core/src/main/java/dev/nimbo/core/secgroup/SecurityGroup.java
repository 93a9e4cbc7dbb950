package dev.nimbo.core.secgroup;

import dev.nimbo.core.obj.IdSet;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.SharedObject;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A security group (security_group.xsd): firewall RULEs in its template and the VMs using it, split by how
 * far the current rules have reached them: UPDATED (applied), OUTDATED (waiting), UPDATING (in progress),
 * ERROR (failed). Security groups are not lockable in OpenNebula (no LOCK element). Immutable.
 */
public record SecurityGroup(int id, String name, int uid, int gid, String uname, String gname, Permissions permissions,
                            Set<Integer> updatedVms, Set<Integer> outdatedVms, Set<Integer> updatingVms,
                            Set<Integer> errorVms, Template template) implements SharedObject<SecurityGroup> {

    /** The default security group every network gets; it cannot be deleted. */
    public static final int DEFAULT_ID = 0;
    public static final String DEFAULT_NAME = "default";
    /** IDs below this are reserved for system security groups, as in OpenNebula. */
    public static final int FIRST_USER_ID = 100;

    public SecurityGroup {
        updatedVms = IdSet.of(updatedVms);
        outdatedVms = IdSet.of(outdatedVms);
        updatingVms = IdSet.of(updatingVms);
        errorVms = IdSet.of(errorVms);
    }

    /** A new group without VMs. */
    public static SecurityGroup create(int id, String name, int uid, int gid, String uname, String gname,
                                       Permissions permissions, Template template) {
        return new SecurityGroup(id, name, uid, gid, uname, gname, permissions, Set.of(), Set.of(), Set.of(), Set.of(),
                template);
    }

    /**
     * Group 0 as OpenNebula creates it on first start: owned by oneadmin, permissions 744 (owner use, manage and
     * admin; group and others use), allowing all traffic in and out.
     */
    public static SecurityGroup defaultGroup(String oneadminName) {
        Template t = Template.parseText("""
                DESCRIPTION = "The default security group is added to every network. Use it to add default filter \
                rules for your networks. You may remove this security group from any network by updating its \
                properties."
                RULE = [ PROTOCOL = "ALL", RULE_TYPE = "OUTBOUND" ]
                RULE = [ PROTOCOL = "ALL", RULE_TYPE = "INBOUND" ]
                """);
        return create(DEFAULT_ID, DEFAULT_NAME, 0, 0, oneadminName, "oneadmin", new Permissions(0744), t);
    }

    /** Stages what a first start creates: the default group (ID 0); user-made ones start at 100. */
    public static void bootstrap(Transaction tx, String oneadminName) {
        tx.put(defaultGroup(oneadminName));
        tx.reserveIdsUpTo(ObjectType.SECGROUP, FIRST_USER_ID - 1);
    }

    @Override
    public ObjectType type() {
        return ObjectType.SECGROUP;
    }

    /** How many VMs use the group, in any of the four sets. */
    public int vmCount() {
        return updatedVms.size() + outdatedVms.size() + updatingVms.size() + errorVms.size();
    }

    /**
     * OpenNebula's commit: the rules must reach the VMs again. Without {@code recover} every VM becomes
     * outdated; with it only the ones being updated or in error do (the up-to-date ones stay).
     */
    public SecurityGroup commit(boolean recover) {
        SortedSet<Integer> outdated = new TreeSet<>(outdatedVms);
        Set<Integer> updated = updatedVms;
        if (!recover) {
            outdated.addAll(updatedVms);
            updated = Set.of();
        }
        outdated.addAll(updatingVms);
        outdated.addAll(errorVms);
        return new SecurityGroup(id, name, uid, gid, uname, gname, permissions, updated, outdated, Set.of(), Set.of(),
                template);
    }

    public SecurityGroup withId(int newId) {
        return new SecurityGroup(newId, name, uid, gid, uname, gname, permissions, updatedVms, outdatedVms,
                updatingVms, errorVms, template);
    }

    @Override
    public SecurityGroup withName(String n) {
        return new SecurityGroup(id, n, uid, gid, uname, gname, permissions, updatedVms, outdatedVms, updatingVms,
                errorVms, template);
    }

    @Override
    public SecurityGroup withOwner(int u, String un, int g, String gn) {
        return new SecurityGroup(id, name, u, g, un, gn, permissions, updatedVms, outdatedVms, updatingVms, errorVms,
                template);
    }

    @Override
    public SecurityGroup withPermissions(Permissions p) {
        return new SecurityGroup(id, name, uid, gid, uname, gname, p, updatedVms, outdatedVms, updatingVms, errorVms,
                template);
    }

    /** Security groups carry no lock (security_group.xsd has none): the group is returned unchanged. */
    @Override
    public SecurityGroup withLock(Lock l) {
        return this;
    }

    @Override
    public SecurityGroup withTemplate(Template t) {
        return new SecurityGroup(id, name, uid, gid, uname, gname, permissions, updatedVms, outdatedVms, updatingVms,
                errorVms, t);
    }

    @Override
    public void writeXml(XmlWriter w) {
        w.open("SECURITY_GROUP").element("ID", id).element("UID", uid).element("GID", gid).element("UNAME", uname)
                .element("GNAME", gname).element("NAME", name);
        permissions.writeXml(w);
        IdSet.write(w, "UPDATED_VMS", updatedVms);
        IdSet.write(w, "OUTDATED_VMS", outdatedVms);
        IdSet.write(w, "UPDATING_VMS", updatingVms);
        IdSet.write(w, "ERROR_VMS", errorVms);
        template.writeXml(w);
        w.close("SECURITY_GROUP");
    }

    public static SecurityGroup fromXml(XmlNode s) {
        XmlNode t = s.child("TEMPLATE");
        return new SecurityGroup(s.integer("ID", -1), s.text("NAME"), s.integer("UID", 0), s.integer("GID", 0),
                s.text("UNAME"), s.text("GNAME"), Permissions.fromXml(s.child("PERMISSIONS")),
                IdSet.read(s, "UPDATED_VMS"), IdSet.read(s, "OUTDATED_VMS"), IdSet.read(s, "UPDATING_VMS"),
                IdSet.read(s, "ERROR_VMS"), t == null ? Template.EMPTY : Template.fromXml(t));
    }
}
