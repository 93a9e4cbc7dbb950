package dev.nimbo.cli.vmgroup;

import dev.nimbo.cli.CliException;
import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.WatchOption;
import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.output.Table;
import dev.nimbo.cli.owned.Owned;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nimbo vmgroup}: VM groups, their roles and (anti-)affinity rules (one.vmgroup.*). */
@Command(name = "vmgroup", header = "Manage VM groups (placement roles and affinity).",
        description = {"Example:", "  nimbo vmgroup show app"})
public final class VmgroupCommand extends Family {

    public static final Kind KIND = new Kind("vm group", "one.vmgrouppool.info", List.of(-2, -1, -1), "one.vmgroup.info",
            "VM_GROUP",
            List.of(
                    Column.right("ID", (g, p) -> g.text("ID")),
                    Owned.USER,
                    Owned.GROUP,
                    Column.wide("NAME", (g, p) -> g.text("NAME")),
                    Column.right("VMS", (g, p) -> String.valueOf(vmCount(g))),
                    Column.left("ROLES", (g, p) -> g.all("ROLES/ROLE").stream().map(r -> r.text("NAME"))
                            .collect(Collectors.joining(", ")))),
            List.of("ID", "USER", "GROUP", "NAME", "VMS", "ROLES"));

    @Command(name = "list", header = "List VM groups.", description = {"Example:", "  nimbo vmgroup list"})
    int list(@Mixin WatchOption watch) {
        return list(KIND, watch);
    }

    @Command(name = "show", header = "Show a VM group, its roles and rules.", description = {"Example:", "  nimbo vmgroup show app"})
    int show(@Parameters(paramLabel = "VMGROUP", description = "ID or name") String group) {
        return show(KIND, resolve(KIND, group), VmgroupCommand::detail);
    }

    @Command(name = "create", header = "Create a VM group from a template file ('-': standard input).",
            description = {"Example:", "  printf 'NAME=app\\nROLE=[NAME=web,POLICY=ANTI_AFFINED]\\nROLE=[NAME=db]' | nimbo vmgroup create -"})
    int create(@Parameters(paramLabel = "FILE") String file) {
        return printId(api().id("one.vmgroup.allocate", readFile(file)));
    }

    @Command(name = "delete", header = "Delete VM groups.", description = {"Example:", "  nimbo vmgroup delete app"})
    int delete(@Parameters(paramLabel = "VMGROUP", arity = "1..*") List<String> groups) {
        for (String g : groups) {
            api().call("one.vmgroup.delete", resolve(KIND, g));
        }
        return ExitCodes.OK;
    }

    @Command(name = "update", header = "Replace or merge a VM group's template (AFFINED / ANTI_AFFINED rules).",
            description = {"Without FILE, $EDITOR opens on the current template; '-' reads standard input.",
                "Example:", "  echo 'ANTI_AFFINED=\"web,db\"' | nimbo vmgroup update app - --append"})
    int update(@Parameters(index = "0", paramLabel = "VMGROUP") String group,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file,
            @Option(names = {"-a", "--append"}, description = "Merge into the template instead of replacing it.") boolean append) {
        int id = resolve(KIND, group);
        String text = templateInput(file, () -> TemplateText.render(api().xml(KIND.infoMethod(), id, false).at("TEMPLATE")));
        if (text != null) {
            api().call("one.vmgroup.update", id, text, append ? 1 : 0);
        }
        return ExitCodes.OK;
    }

    @Command(name = "role-add", header = "Add a role.",
            description = {"FILE holds a ROLE = [ NAME = ..., POLICY = ... ] vector; without it the options build one.",
                "Example:", "  nimbo vmgroup role-add app --name cache --policy AFFINED --host-affined 3,4"})
    int roleAdd(@Parameters(index = "0", paramLabel = "VMGROUP") String group,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file, @Mixin RoleOptions role) {
        api().call("one.vmgroup.roleadd", resolve(KIND, group), file != null ? readFile(file) : role.template(true));
        return ExitCodes.OK;
    }

    @Command(name = "role-update", header = "Change a role (ID or name); VMS and ID cannot change.",
            description = {"Example:", "  nimbo vmgroup role-update app cache --policy NONE"})
    int roleUpdate(@Parameters(index = "0", paramLabel = "VMGROUP") String group, @Parameters(index = "1", paramLabel = "ROLE") String role,
            @Parameters(index = "2", arity = "0..1", paramLabel = "FILE") String file, @Mixin RoleOptions options) {
        int id = resolve(KIND, group);
        api().call("one.vmgroup.roleupdate", id, roleId(id, role), file != null ? readFile(file) : options.template(false));
        return ExitCodes.OK;
    }

    @Command(name = "role-delete", header = "Delete a role (ID or name).", description = {"Example:", "  nimbo vmgroup role-delete app cache"})
    int roleDelete(@Parameters(index = "0", paramLabel = "VMGROUP") String group, @Parameters(index = "1", paramLabel = "ROLE") String role) {
        int id = resolve(KIND, group);
        api().call("one.vmgroup.roledelete", id, roleId(id, role));
        return ExitCodes.OK;
    }

    @Command(name = "rename", header = "Rename a VM group.", description = {"Example:", "  nimbo vmgroup rename app shop"})
    int rename(@Parameters(index = "0", paramLabel = "VMGROUP") String group, @Parameters(index = "1", paramLabel = "NAME") String name) {
        api().call("one.vmgroup.rename", resolve(KIND, group), name);
        return ExitCodes.OK;
    }

    @Command(name = "chmod", header = "Change a VM group's permissions.", description = {"Example:", "  nimbo vmgroup chmod app 640"})
    int chmod(@Parameters(index = "0", paramLabel = "VMGROUP") String group, @Parameters(index = "1", paramLabel = "OCTAL") String octal) {
        Owned.chmod(this, "one.vmgroup.chmod", resolve(KIND, group), octal);
        return ExitCodes.OK;
    }

    @Command(name = "chown", header = "Change a VM group's owner (and group).", description = {"Example:", "  nimbo vmgroup chown app alice"})
    int chown(@Parameters(index = "0", paramLabel = "VMGROUP") String group, @Parameters(index = "1", paramLabel = "USER") String user,
            @Parameters(index = "2", arity = "0..1", paramLabel = "GROUP") String owner) {
        Owned.chown(this, "one.vmgroup.chown", resolve(KIND, group), user, owner);
        return ExitCodes.OK;
    }

    @Command(name = "lock", header = "Lock a VM group (level use, manage, admin or all; default use).",
            description = {"Example:", "  nimbo vmgroup lock app --level manage"})
    int lock(@Parameters(paramLabel = "VMGROUP") String group,
            @Option(names = "--level", paramLabel = "LEVEL", defaultValue = "use") String level) {
        api().call("one.vmgroup.lock", resolve(KIND, group), Owned.lockLevel(level), false);
        return ExitCodes.OK;
    }

    @Command(name = "unlock", header = "Unlock a VM group.", description = {"Example:", "  nimbo vmgroup unlock app"})
    int unlock(@Parameters(paramLabel = "VMGROUP") String group) {
        api().call("one.vmgroup.unlock", resolve(KIND, group));
        return ExitCodes.OK;
    }

    /** Role options for role-add / role-update. */
    public static final class RoleOptions {
        @Option(names = "--name", paramLabel = "NAME") String name;
        @Option(names = "--policy", paramLabel = "POLICY", description = "AFFINED, ANTI_AFFINED or NONE.") String policy;
        @Option(names = "--host-affined", paramLabel = "IDS", description = "Hosts the role's VMs must run on, e.g. 1,2.") String hostAffined;
        @Option(names = "--host-anti-affined", paramLabel = "IDS", description = "Hosts the role's VMs must avoid.") String hostAntiAffined;

        String template(boolean needName) {
            if (needName && name == null) {
                throw CliException.usage("give a FILE with a ROLE vector or at least --name");
            }
            List<String> parts = new ArrayList<>();
            add(parts, "NAME", name);
            add(parts, "POLICY", policy);
            add(parts, "HOST_AFFINED", hostAffined);
            add(parts, "HOST_ANTI_AFFINED", hostAntiAffined);
            if (parts.isEmpty()) {
                throw CliException.usage("nothing to change: give a FILE or role options");
            }
            return "ROLE = [ " + String.join(", ", parts) + " ]";
        }

        private static void add(List<String> parts, String key, String value) {
            if (value != null) {
                parts.add(key + " = " + TemplateText.quote(value));
            }
        }
    }

    private int roleId(int group, String role) {
        if (role.matches("\\d+")) {
            return Integer.parseInt(role);
        }
        for (XmlNode r : api().xml(KIND.infoMethod(), group, false).all("ROLES/ROLE")) {
            if (r.text("NAME").equals(role)) {
                return Integer.parseInt(r.text("ID"));
            }
        }
        throw CliException.server("vm group " + group + " has no role '" + role + "'");
    }

    static int vmCount(XmlNode g) {
        int n = 0;
        for (XmlNode r : g.all("ROLES/ROLE")) {
            n += r.text("VMS").isEmpty() ? 0 : r.text("VMS").split(",").length;
        }
        return n;
    }

    static String detail(XmlNode g) {
        Detail d = new Detail().section("VM GROUP " + g.text("ID") + " INFORMATION");
        d.field("ID", g.text("ID")).field("NAME", g.text("NAME"));
        Owned.ownership(d, g);
        d.field("LOCK", Owned.lockText(g));
        Owned.permissions(d, g);
        d.section("ROLES");
        List<List<String>> rows = new ArrayList<>();
        for (XmlNode r : g.all("ROLES/ROLE")) {
            rows.add(List.of(r.text("ID"), r.text("NAME"), dash(r.text("POLICY")), dash(r.text("HOST_AFFINED")),
                    dash(r.text("HOST_ANTI_AFFINED")), dash(r.text("VMS"))));
        }
        d.block(rows.isEmpty() ? "-" : Table.render(List.of(new Table.Header("ID", true, false), new Table.Header("NAME", false, true),
                new Table.Header("POLICY", false, false), new Table.Header("AFFINED_HOSTS", false, false),
                new Table.Header("ANTI_AFFINED_HOSTS", false, false), new Table.Header("VMS", false, false)), rows, 0, true));
        d.section("RULES");
        List<String> rules = new ArrayList<>();
        for (String policy : List.of("AFFINED", "ANTI_AFFINED")) {
            for (XmlNode rule : g.all("TEMPLATE/" + policy)) {
                rules.add(policy + ": " + rule.text());
            }
        }
        d.block(rules.isEmpty() ? "-" : String.join("\n", rules));
        d.section("TEMPLATE CONTENTS").block(TemplateText.render(g.at("TEMPLATE")));
        return d.toString();
    }

    private static String dash(String s) {
        return s.isEmpty() ? "-" : s;
    }
}
