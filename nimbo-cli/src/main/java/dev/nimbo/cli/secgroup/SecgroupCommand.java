package dev.nimbo.cli.secgroup;

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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nimbo secgroup}: security groups, their firewall rules and their VMs (one.secgroup.*). */
@Command(name = "secgroup", header = "Manage security groups.", description = {"Example:", "  nimbo secgroup list"})
public final class SecgroupCommand extends Family {

    public static final Kind KIND = new Kind("security group", "one.secgrouppool.info", List.of(-2, -1, -1),
            "one.secgroup.info", "SECURITY_GROUP",
            List.of(
                    Column.right("ID", (s, p) -> s.text("ID")),
                    Owned.USER,
                    Owned.GROUP,
                    Column.wide("NAME", (s, p) -> s.text("NAME")),
                    Column.right("UPDATED", (s, p) -> count(s, "UPDATED_VMS")),
                    Column.right("OUTDATED", (s, p) -> count(s, "OUTDATED_VMS")),
                    Column.right("ERROR", (s, p) -> count(s, "ERROR_VMS")),
                    Column.right("RULES", (s, p) -> String.valueOf(s.all("TEMPLATE/RULE").size()))),
            List.of("ID", "USER", "GROUP", "NAME", "UPDATED", "OUTDATED", "ERROR"));

    @Command(name = "list", header = "List security groups.", description = {"Example:", "  nimbo secgroup list --list ID,NAME,RULES"})
    int list(@Mixin WatchOption watch) {
        return list(KIND, watch);
    }

    @Command(name = "show", header = "Show a security group and its rules.", description = {"Example:", "  nimbo secgroup show web"})
    int show(@Parameters(paramLabel = "SECGROUP", description = "ID or name") String sg) {
        return show(KIND, resolve(KIND, sg), SecgroupCommand::detail);
    }

    @Command(name = "create", header = "Create a security group from a template file ('-': standard input).",
            description = {"Example:", "  printf 'NAME=web\\nRULE=[PROTOCOL=TCP,RULE_TYPE=inbound,RANGE=\"80,443\"]' | nimbo secgroup create -"})
    int create(@Parameters(paramLabel = "FILE") String file) {
        return printId(api().id("one.secgroup.allocate", readFile(file)));
    }

    @Command(name = "clone", header = "Copy a security group under a new name.", description = {"Example:", "  nimbo secgroup clone web web2"})
    int cloneGroup(@Parameters(index = "0", paramLabel = "SECGROUP") String sg, @Parameters(index = "1", paramLabel = "NAME") String name) {
        return printId(api().id("one.secgroup.clone", resolve(KIND, sg), name));
    }

    @Command(name = "delete", header = "Delete security groups.", description = {"Example:", "  nimbo secgroup delete web"})
    int delete(@Parameters(paramLabel = "SECGROUP", arity = "1..*") List<String> sgs) {
        for (String sg : sgs) {
            api().call("one.secgroup.delete", resolve(KIND, sg));
        }
        return ExitCodes.OK;
    }

    @Command(name = "update", header = "Replace or merge a security group's template (its rules are checked, then committed to its VMs).",
            description = {"Without FILE, $EDITOR opens on the current template; '-' reads standard input.",
                "Example:", "  nimbo secgroup update web rules.tmpl"})
    int update(@Parameters(index = "0", paramLabel = "SECGROUP") String sg,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file,
            @Option(names = {"-a", "--append"}, description = "Merge into the template instead of replacing it.") boolean append) {
        int id = resolve(KIND, sg);
        String text = templateInput(file, () -> TemplateText.render(api().xml(KIND.infoMethod(), id, false).at("TEMPLATE")));
        if (text != null) {
            api().call("one.secgroup.update", id, text, append ? 1 : 0);
        }
        return ExitCodes.OK;
    }

    @Command(name = "commit", header = "Apply the rules to the group's VMs again.",
            description = {"Example:", "  nimbo secgroup commit web --recover"})
    int commit(@Parameters(paramLabel = "SECGROUP") String sg,
            @Option(names = "--recover", description = "Only VMs whose update failed or is pending.") boolean recover) {
        api().call("one.secgroup.commit", resolve(KIND, sg), recover);
        return ExitCodes.OK;
    }

    @Command(name = "rename", header = "Rename a security group.", description = {"Example:", "  nimbo secgroup rename web frontend"})
    int rename(@Parameters(index = "0", paramLabel = "SECGROUP") String sg, @Parameters(index = "1", paramLabel = "NAME") String name) {
        api().call("one.secgroup.rename", resolve(KIND, sg), name);
        return ExitCodes.OK;
    }

    @Command(name = "chmod", header = "Change a security group's permissions.", description = {"Example:", "  nimbo secgroup chmod web 640"})
    int chmod(@Parameters(index = "0", paramLabel = "SECGROUP") String sg, @Parameters(index = "1", paramLabel = "OCTAL") String octal) {
        Owned.chmod(this, "one.secgroup.chmod", resolve(KIND, sg), octal);
        return ExitCodes.OK;
    }

    @Command(name = "chown", header = "Change a security group's owner (and group).", description = {"Example:", "  nimbo secgroup chown web alice users"})
    int chown(@Parameters(index = "0", paramLabel = "SECGROUP") String sg, @Parameters(index = "1", paramLabel = "USER") String user,
            @Parameters(index = "2", arity = "0..1", paramLabel = "GROUP") String group) {
        Owned.chown(this, "one.secgroup.chown", resolve(KIND, sg), user, group);
        return ExitCodes.OK;
    }

    static String count(XmlNode sg, String set) {
        return String.valueOf(sg.all(set + "/ID").size());
    }

    static String detail(XmlNode s) {
        Detail d = new Detail().section("SECURITY GROUP " + s.text("ID") + " INFORMATION");
        d.field("ID", s.text("ID")).field("NAME", s.text("NAME"));
        Owned.ownership(d, s);
        Owned.permissions(d, s);
        d.section("VIRTUAL MACHINES");
        d.field("UPDATED", ids(s, "UPDATED_VMS")).field("OUTDATED", ids(s, "OUTDATED_VMS"))
                .field("UPDATING", ids(s, "UPDATING_VMS")).field("ERROR", ids(s, "ERROR_VMS"));
        List<XmlNode> rules = s.all("TEMPLATE/RULE");
        d.section("RULES");
        if (rules.isEmpty()) {
            d.block("-");
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (XmlNode r : rules) {
                String target = !r.text("IP").isEmpty() ? r.text("IP") + " (" + r.text("SIZE") + ")"
                        : !r.text("NETWORK_ID").isEmpty() ? "network " + r.text("NETWORK_ID") : "any";
                String icmp = r.text("ICMP_TYPE").isEmpty() ? r.text("ICMPV6_TYPE") : r.text("ICMP_TYPE");
                rows.add(List.of(r.text("RULE_TYPE").toUpperCase(java.util.Locale.ROOT),
                        r.text("PROTOCOL").toUpperCase(java.util.Locale.ROOT), target,
                        r.text("RANGE").isEmpty() ? "-" : r.text("RANGE"), icmp.isEmpty() ? "-" : icmp));
            }
            d.block(Table.render(List.of(new Table.Header("TYPE", false, false), new Table.Header("PROTOCOL", false, false),
                    new Table.Header("TARGET", false, true), new Table.Header("RANGE", false, false),
                    new Table.Header("ICMP_TYPE", false, false)), rows, 0, true));
        }
        XmlNode t = s.at("TEMPLATE");
        if (t != null) {
            t.all("RULE").forEach(XmlNode::remove);
        }
        d.section("TEMPLATE CONTENTS").block(TemplateText.render(t));
        return d.toString();
    }

    private static String ids(XmlNode s, String set) {
        List<String> ids = s.all(set + "/ID").stream().map(XmlNode::text).toList();
        return ids.isEmpty() ? "-" : String.join(",", ids);
    }
}
