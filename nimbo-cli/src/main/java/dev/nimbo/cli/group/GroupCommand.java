package dev.nimbo.cli.group;

import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.WatchOption;
import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.quota.QuotaOptions;
import dev.nimbo.cli.quota.QuotaView;
import dev.nimbo.cli.user.UserCommand;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nimbo group}: groups, their administrators and quotas (one.group.*, one.grouppool.info). */
@Command(name = "group", header = "Manage groups.", description = {"Example:", "  nimbo group list"})
public final class GroupCommand extends Family {

    public static final Kind KIND = new Kind("group", "one.grouppool.info", List.of(), "one.group.info", "GROUP",
            List.of(
                    Column.right("ID", (g, p) -> g.text("ID")),
                    Column.wide("NAME", (g, p) -> g.text("NAME")),
                    Column.right("USERS", (g, p) -> String.valueOf(g.all("USERS/ID").size())),
                    Column.right("ADMINS", (g, p) -> String.valueOf(g.all("ADMINS/ID").size())),
                    Column.right("VMS", (g, p) -> QuotaView.poolCell(g, p, "VMS", "DEFAULT_GROUP_QUOTAS")),
                    Column.right("MEMORY", (g, p) -> QuotaView.poolCell(g, p, "MEMORY", "DEFAULT_GROUP_QUOTAS")),
                    Column.right("CPU", (g, p) -> QuotaView.poolCell(g, p, "CPU", "DEFAULT_GROUP_QUOTAS"))),
            List.of("ID", "NAME", "USERS", "ADMINS"));

    @Command(name = "list", header = "List groups.",
            description = {"Example:", "  nimbo group list --list ID,NAME,VMS,MEMORY"})
    int list(@Mixin WatchOption watch) {
        return list(KIND, watch);
    }

    @Command(name = "show", header = "Show a group (default: your own).", description = {"Example:", "  nimbo group show users"})
    int show(@Parameters(arity = "0..1", paramLabel = "GROUP", description = "ID or name") String group) {
        return show(KIND, group == null ? -1 : resolve(KIND, group), GroupCommand::detail);
    }

    @Command(name = "create", header = "Create a group.", description = {"Example:", "  nimbo group create devs"})
    int create(@Parameters(paramLabel = "NAME") String name) {
        return printId(api().id("one.group.allocate", name));
    }

    @Command(name = "delete", header = "Delete a group.", description = {"Example:", "  nimbo group delete devs"})
    int delete(@Parameters(paramLabel = "GROUP", description = "ID or name") String group) {
        api().call("one.group.delete", resolve(KIND, group));
        return ExitCodes.OK;
    }

    @Command(name = "update", header = "Replace or merge a group's template.",
            description = {"Without FILE, $EDITOR opens on the current template; '-' reads standard input.",
                "Example:", "  nimbo group update devs extra.tmpl --append"})
    int update(@Parameters(index = "0", paramLabel = "GROUP") String group,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file,
            @Option(names = {"-a", "--append"}, description = "Merge into the template instead of replacing it.") boolean append) {
        int id = resolve(KIND, group);
        String text = templateInput(file, () -> TemplateText.render(api().xml(KIND.infoMethod(), id, false).at("TEMPLATE")));
        if (text != null) {
            api().call("one.group.update", id, text, append ? 1 : 0);
        }
        return ExitCodes.OK;
    }

    @Command(name = "addadmin", header = "Make a user an administrator of a group.",
            description = {"Example:", "  nimbo group addadmin devs alice"})
    int addadmin(@Parameters(index = "0", paramLabel = "GROUP") String group,
            @Parameters(index = "1", paramLabel = "USER") String user) {
        api().call("one.group.addadmin", resolve(KIND, group), resolve(UserCommand.KIND, user));
        return ExitCodes.OK;
    }

    @Command(name = "deladmin", header = "Remove a user from a group's administrators.",
            description = {"Example:", "  nimbo group deladmin devs alice"})
    int deladmin(@Parameters(index = "0", paramLabel = "GROUP") String group,
            @Parameters(index = "1", paramLabel = "USER") String user) {
        api().call("one.group.deladmin", resolve(KIND, group), resolve(UserCommand.KIND, user));
        return ExitCodes.OK;
    }

    @Command(name = "quota", header = "Set a group's quotas.",
            description = {"FILE holds quota vectors; without FILE or limit options, $EDITOR opens on the current quotas.",
                "Example:", "  nimbo group quota devs --vms 50 --memory 64g"})
    int quota(@Parameters(index = "0", paramLabel = "GROUP") String group,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file,
            @Mixin QuotaOptions limits) {
        int id = resolve(KIND, group);
        String template = limits.template(this, file, () -> api().xml(KIND.infoMethod(), id, false));
        if (template != null) {
            api().call("one.group.quota", id, template);
        }
        return ExitCodes.OK;
    }

    static String detail(XmlNode g) {
        Detail d = new Detail().section("GROUP " + g.text("ID") + " INFORMATION");
        d.field("ID", g.text("ID")).field("NAME", g.text("NAME"));
        d.field("USERS", ids(g.all("USERS/ID"))).field("ADMINS", ids(g.all("ADMINS/ID")));
        d.section("GROUP TEMPLATE").block(TemplateText.render(g.at("TEMPLATE")));
        QuotaView.detail(d, g, g.at("DEFAULT_GROUP_QUOTAS"), true);
        return d.toString();
    }

    private static String ids(List<XmlNode> ids) {
        return ids.isEmpty() ? "-" : ids.stream().map(XmlNode::text).collect(Collectors.joining(", "));
    }
}
