package dev.nimbo.core.vmgroup;

import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.SharedObject;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A VM group (vm_group.xsd): named ROLEs with a placement POLICY and host (anti-)affinity, plus AFFINED and
 * ANTI_AFFINED rules between roles kept in the template ({@code AFFINED = "web, db"}). Every factory and
 * modifier checks the whole group as OpenNebula does and throws {@link VmGroupException} with its message.
 * {@link #constraintsFor} is the read API the scheduler uses. Immutable.
 */
public record VmGroup(int id, String name, int uid, int gid, String uname, String gname, Permissions permissions,
                      Lock lock, List<VmGroupRole> roles, Template template) implements SharedObject<VmGroup> {

    /** OpenNebula's limit on roles per group (the rule bitsets are 32 wide). */
    public static final int MAX_ROLES = 32;

    public VmGroup {
        List<VmGroupRole> sorted = new ArrayList<>(roles);
        sorted.sort(Comparator.comparingInt(VmGroupRole::id));
        roles = List.copyOf(sorted);
    }

    /**
     * A new group from an allocate template: ROLE vectors become roles with IDs 0, 1, … (their VMS dropped), the
     * rest stays the template; NAME must have been taken out by the caller. Throws when a role has no NAME, two
     * share one, there are more than {@value #MAX_ROLES}, or the rules are inconsistent.
     */
    public static VmGroup create(int id, String name, int uid, int gid, String uname, String gname,
                                 Permissions permissions, Template template) {
        List<Attribute> roleAttrs = template.all("ROLE");
        if (roleAttrs.size() > MAX_ROLES) {
            throw new VmGroupException("Maximum number of roles in a VM Group reached");
        }
        VmGroup g = new VmGroup(id, name, uid, gid, uname, gname, permissions, Lock.NONE, List.of(),
                template.without("ROLE"));
        List<VmGroupRole> roles = new ArrayList<>();
        for (Attribute a : roleAttrs) {
            if (a instanceof VectorAttribute v) { // a plain ROLE = x is ignored, as OpenNebula does
                roles = addRole(roles, v);
            }
        }
        g = g.withRoles(roles);
        g.checkConsistency();
        return g;
    }

    @Override
    public ObjectType type() {
        return ObjectType.VMGROUP;
    }

    // ------------------------------------------------------------------ roles

    public VmGroupRole role(int roleId) {
        for (VmGroupRole r : roles) {
            if (r.id() == roleId) {
                return r;
            }
        }
        return null;
    }

    public VmGroupRole role(String roleName) {
        for (VmGroupRole r : roles) {
            if (r.name().equals(roleName)) {
                return r;
            }
        }
        return null;
    }

    /** Every VM in any role. */
    public int vmCount() {
        int n = 0;
        for (VmGroupRole r : roles) {
            n += r.vms().size();
        }
        return n;
    }

    /** one.vmgroup.roleadd: a new role with the next free ID, then the whole group is checked. */
    public VmGroup withRoleAdded(VectorAttribute role) {
        VmGroup g = withRoles(addRole(roles, role));
        g.checkConsistency();
        return g;
    }

    /** one.vmgroup.roledelete: refused when the role does not exist or has VMs, or the rules still name it. */
    public VmGroup withRoleDeleted(int roleId) {
        VmGroupRole r = role(roleId);
        if (r == null) {
            throw new VmGroupException("Unable to delete role " + roleId + ", the role doesn't exists");
        }
        if (!r.vms().isEmpty()) {
            throw new VmGroupException("Unable to delete role " + roleId + ", the role has assigned VMs ");
        }
        List<VmGroupRole> rest = new ArrayList<>(roles);
        rest.remove(r);
        VmGroup g = withRoles(rest);
        g.checkConsistency();
        return g;
    }

    /** one.vmgroup.roleupdate: merges the given attributes into the role (not ID or VMS; NAME must stay unique). */
    public VmGroup withRoleUpdated(int roleId, VectorAttribute update) {
        VmGroupRole r = role(roleId);
        if (r == null) {
            throw new VmGroupException("VMGroup " + id + " doesn't have role " + roleId);
        }
        if (!r.vms().isEmpty()) {
            throw new VmGroupException("VMGroup " + id + " Role " + roleId + " has VMs, unable to update");
        }
        String newName = update.get("NAME");
        if (newName != null && !newName.isEmpty() && !newName.equals(r.name()) && role(newName) != null) {
            throw new VmGroupException("VMGroup " + id + " Role " + roleId + " can not update name, role with name "
                    + newName + " already exists");
        }
        VmGroupRole updated = r.merged(update);
        if (updated.name().isEmpty()) {
            throw new VmGroupException("Missing NAME in VM group role");
        }
        checkHosts(updated);
        List<VmGroupRole> next = new ArrayList<>(roles);
        next.set(next.indexOf(r), updated);
        VmGroup g = withRoles(next);
        g.checkConsistency();
        return g;
    }

    /**
     * one.vmgroup.update: the new template (ROLEs in it are ignored: roles change through the role calls);
     * refused while the group has VMs or when its rules do not fit the roles.
     */
    public VmGroup withTemplateUpdated(Template next) {
        int vms = vmCount();
        if (vms > 0) {
            throw new VmGroupException("VM Group has " + vms + " VMs");
        }
        VmGroup g = withTemplate(next.without("ROLE"));
        g.checkConsistency();
        return g;
    }

    /** The group with a VM placed in (or removed from) a role: the bookkeeping VMs will do. */
    public VmGroup withVm(String roleName, int vmId, boolean add) {
        VmGroupRole r = role(roleName);
        if (r == null) {
            throw new VmGroupException("Role does not exist in VM Group");
        }
        TreeSet<Integer> vms = new TreeSet<>(r.vms());
        if (add) {
            vms.add(vmId);
        } else {
            vms.remove(vmId);
        }
        List<VmGroupRole> next = new ArrayList<>(roles);
        next.set(next.indexOf(r), r.withVms(vms));
        return withRoles(next);
    }

    private static List<VmGroupRole> addRole(List<VmGroupRole> current, VectorAttribute v) {
        String name = v.get("NAME");
        if (name == null || name.isEmpty()) {
            throw new VmGroupException("Missing NAME in VM group role");
        }
        if (current.size() >= MAX_ROLES) {
            throw new VmGroupException("Maximum number of roles in a VM Group reached");
        }
        int next = 0;
        for (VmGroupRole r : current) {
            next = Math.max(next, r.id() + 1);
            if (r.name().equals(name)) {
                throw new VmGroupException("Role already exists");
            }
        }
        VmGroupRole role = new VmGroupRole(v.without("VMS").with("ID", String.valueOf(next)));
        checkHosts(role);
        List<VmGroupRole> out = new ArrayList<>(current);
        out.add(role);
        return out;
    }

    /** Nimbo is stricter than OpenNebula here: host lists must be IDs, not silently ignored text. */
    private static void checkHosts(VmGroupRole role) {
        String p = VmGroupRole.idListProblem("HOST_AFFINED", role.attributes().get("HOST_AFFINED"));
        if (p == null) {
            p = VmGroupRole.idListProblem("HOST_ANTI_AFFINED", role.attributes().get("HOST_ANTI_AFFINED"));
        }
        if (p != null) {
            throw new VmGroupException(p + " in role " + role.name());
        }
        p = role.policyProblem();
        if (p != null) {
            throw new VmGroupException(p);
        }
    }

    // ------------------------------------------------------------------ rules

    /** The role-name sets of every AFFINED (or ANTI_AFFINED) rule, in template order. */
    public List<SortedSet<String>> rules(VmGroupPolicy policy) {
        List<SortedSet<String>> out = new ArrayList<>();
        for (Attribute a : template.all(policy.name())) {
            if (a instanceof SingleAttribute s) {
                out.add(Collections.unmodifiableSortedSet(new TreeSet<>(names(s.value()))));
            }
        }
        return out;
    }

    private static Set<String> names(String list) {
        Set<String> out = new LinkedHashSet<>();
        for (String part : list.split(",", -1)) {
            out.add(part.strip());
        }
        return out;
    }

    /**
     * OpenNebula's consistency check, in its order and with its messages: every role named in AFFINED and
     * ANTI_AFFINED rules exists; no rule is repeated; no ANTI_AFFINED role is in an AFFINED rule; no role is both
     * in an AFFINED and an ANTI_AFFINED rule.
     */
    public void checkConsistency() {
        for (VmGroupPolicy p : List.of(VmGroupPolicy.AFFINED, VmGroupPolicy.ANTI_AFFINED)) {
            for (Attribute a : template.all(p.name())) {
                if (a instanceof SingleAttribute s) {
                    for (String n : names(s.value())) {
                        if (role(n) == null) {
                            throw new VmGroupException("Some roles used in " + p.name() + " attribute ("
                                    + s.value() + ") are not defined");
                        }
                    }
                }
            }
        }
        Set<Integer> affined = ruleRoles(VmGroupPolicy.AFFINED);
        for (int rid : affined) {
            VmGroupRole r = role(rid);
            if (r.policy() == VmGroupPolicy.ANTI_AFFINED || r.policy() == VmGroupPolicy.SOFT_ANTI_AFFINED) {
                // an AFFINED rule keeps the role's VMs on one host: wanting them apart cannot be honoured
                throw new VmGroupException("Role " + r.name() + " is in an AFFINED rule but the role policy is "
                        + r.policy().name());
            }
        }
        Set<Integer> anti = ruleRoles(VmGroupPolicy.ANTI_AFFINED);
        StringBuilder both = new StringBuilder();
        for (VmGroupRole r : roles) {
            if (affined.contains(r.id()) && anti.contains(r.id())) {
                both.append(' ').append(r.name());
            }
        }
        if (!both.isEmpty()) {
            throw new VmGroupException("Roles defined in AFFINED and ANTI_AFFINED rules:" + both);
        }
    }

    /** The IDs of all roles in rules of this policy; refuses a rule naming the same roles as an earlier one. */
    private Set<Integer> ruleRoles(VmGroupPolicy policy) {
        Set<Set<Integer>> seen = new java.util.HashSet<>();
        TreeSet<Integer> all = new TreeSet<>();
        for (Attribute a : template.all(policy.name())) {
            if (a instanceof SingleAttribute s) {
                TreeSet<Integer> ids = new TreeSet<>();
                for (String n : names(s.value())) {
                    ids.add(role(n).id());
                }
                if (!seen.add(ids)) {
                    throw new VmGroupException("Duplicated " + policy.name() + " rule (" + s.value() + ") detected.");
                }
                all.addAll(ids);
            }
        }
        return all;
    }

    // ------------------------------------------------------------------ scheduler read API

    /**
     * The placement constraints of a role, or null when the group has no role of that name. AFFINED rules are
     * merged transitively; ANTI_AFFINED ones are not (a apart from b and b apart from c says nothing of a and c).
     */
    public RoleConstraints constraintsFor(String roleName) {
        VmGroupRole me = role(roleName);
        if (me == null) {
            return null;
        }
        Set<String> affined = new TreeSet<>();
        affined.add(me.name());
        boolean grew = true;
        List<SortedSet<String>> affinedRules = rules(VmGroupPolicy.AFFINED);
        while (grew) {
            grew = false;
            for (SortedSet<String> rule : affinedRules) {
                if (!Collections.disjoint(rule, affined) && !affined.containsAll(rule)) {
                    affined.addAll(rule);
                    grew = true;
                }
            }
        }
        affined.remove(me.name());
        Set<String> anti = new TreeSet<>();
        for (SortedSet<String> rule : rules(VmGroupPolicy.ANTI_AFFINED)) {
            if (rule.contains(me.name())) {
                anti.addAll(rule);
            }
        }
        anti.remove(me.name());
        return new RoleConstraints(id, me.name(), me.id(), me.policy(), me.vms(), me.hostAffined(),
                me.hostAntiAffined(), Collections.unmodifiableSet(affined), Collections.unmodifiableSet(anti),
                vmsOf(affined), vmsOf(anti));
    }

    private Set<Integer> vmsOf(Set<String> roleNames) {
        TreeSet<Integer> out = new TreeSet<>();
        for (String n : roleNames) {
            out.addAll(role(n).vms());
        }
        return Collections.unmodifiableSortedSet(out);
    }

    // ------------------------------------------------------------------ SharedObject

    public VmGroup withRoles(List<VmGroupRole> r) {
        return new VmGroup(id, name, uid, gid, uname, gname, permissions, lock, r, template);
    }

    public VmGroup withId(int newId) {
        return new VmGroup(newId, name, uid, gid, uname, gname, permissions, Lock.NONE, roles, template);
    }

    @Override
    public VmGroup withName(String n) {
        return new VmGroup(id, n, uid, gid, uname, gname, permissions, lock, roles, template);
    }

    @Override
    public VmGroup withOwner(int u, String un, int g, String gn) {
        return new VmGroup(id, name, u, g, un, gn, permissions, lock, roles, template);
    }

    @Override
    public VmGroup withPermissions(Permissions p) {
        return new VmGroup(id, name, uid, gid, uname, gname, p, lock, roles, template);
    }

    @Override
    public VmGroup withLock(Lock l) {
        return new VmGroup(id, name, uid, gid, uname, gname, permissions, l, roles, template);
    }

    @Override
    public VmGroup withTemplate(Template t) {
        return new VmGroup(id, name, uid, gid, uname, gname, permissions, lock, roles, t);
    }

    /** vm_group.xsd: roles under ROLES (keys sorted, values in CDATA as OpenNebula prints vectors), then TEMPLATE. */
    @Override
    public void writeXml(XmlWriter w) {
        w.open("VM_GROUP").element("ID", id).element("UID", uid).element("GID", gid).element("UNAME", uname)
                .element("GNAME", gname).element("NAME", name);
        permissions.writeXml(w);
        lock.writeXml(w);
        List<Attribute> roleAttrs = new ArrayList<>(roles.size());
        for (VmGroupRole r : roles) {
            roleAttrs.add(r.attributes());
        }
        Template.of(roleAttrs).writeXml(w, "ROLES");
        template.writeXml(w);
        w.close("VM_GROUP");
    }

    public static VmGroup fromXml(XmlNode g) {
        List<VmGroupRole> roles = new ArrayList<>();
        XmlNode rolesNode = g.child("ROLES");
        if (rolesNode != null) {
            for (Attribute a : Template.fromXml(rolesNode).all("ROLE")) {
                if (a instanceof VectorAttribute v) {
                    roles.add(new VmGroupRole(v));
                }
            }
        }
        XmlNode t = g.child("TEMPLATE");
        return new VmGroup(g.integer("ID", -1), g.text("NAME"), g.integer("UID", 0), g.integer("GID", 0),
                g.text("UNAME"), g.text("GNAME"), Permissions.fromXml(g.child("PERMISSIONS")), Lock.fromXml(g.child("LOCK")),
                roles, t == null ? Template.EMPTY : Template.fromXml(t));
    }
}
