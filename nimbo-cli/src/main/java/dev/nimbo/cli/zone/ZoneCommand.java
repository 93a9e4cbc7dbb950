package dev.nimbo.cli.zone;

import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.WatchOption;
import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.output.Table;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code nimbo zone}: zones of the federation and the HA (Raft) status of this front-end (one.zone*). */
@Command(name = "zone", header = "Show zones and the front-end's Raft status.", description = {"Example:", "  nimbo zone list"})
public final class ZoneCommand extends Family {

    public static final Kind KIND = new Kind("zone", "one.zonepool.info", List.of(), "one.zone.info", "ZONE",
            List.of(
                    Column.right("ID", (z, p) -> z.text("ID")),
                    Column.wide("NAME", (z, p) -> z.text("NAME")),
                    Column.wide("ENDPOINT", (z, p) -> z.text("TEMPLATE/ENDPOINT")),
                    Column.left("STATE", (z, p) -> state(z.text("STATE"))),
                    Column.right("SERVERS", (z, p) -> String.valueOf(z.all("SERVER_POOL/SERVER").size()))),
            List.of("ID", "NAME", "ENDPOINT", "STATE"));

    @Command(name = "list", header = "List zones.", description = {"Example:", "  nimbo zone list -j"})
    int list(@Mixin WatchOption watch) {
        return list(KIND, watch);
    }

    @Command(name = "show", header = "Show a zone.", description = {"Example:", "  nimbo zone show 0"})
    int show(@Parameters(paramLabel = "ZONE", description = "ID or name") String zone) {
        return show(KIND, resolve(KIND, zone), ZoneCommand::detail);
    }

    @Command(name = "raftstatus", header = "Show this front-end's Raft (HA) status.",
            description = {"Example:", "  nimbo zone raftstatus"})
    int raftstatus() {
        XmlNode raft = api().xml("one.zone.raftstatus");
        print(printer().document(raft, () -> new Detail().section("RAFT STATUS")
                .field("SERVER_ID", raft.text("SERVER_ID"))
                .field("STATE", raftState(raft.text("STATE")))
                .field("TERM", raft.text("TERM"))
                .field("VOTEDFOR", raft.text("VOTEDFOR"))
                .field("COMMIT", raft.text("COMMIT"))
                .field("LOG_INDEX", raft.text("LOG_INDEX"))
                .field("LOG_TERM", raft.text("LOG_TERM"))
                .field("FEDLOG_INDEX", raft.text("FEDLOG_INDEX"))
                .toString()));
        return ExitCodes.OK;
    }

    static String state(String s) {
        return switch (s) {
            case "0" -> "ENABLED";
            case "1" -> "DISABLED";
            default -> s.isEmpty() ? "-" : s;
        };
    }

    /** OpenNebula's Raft states; -1 is what a front-end without HA reports for some fields. */
    static String raftState(String s) {
        return switch (s) {
            case "0" -> "solo";
            case "1" -> "candidate";
            case "2" -> "follower";
            case "3" -> "leader";
            default -> "error (" + s + ")";
        };
    }

    static String detail(XmlNode z) {
        Detail d = new Detail().section("ZONE " + z.text("ID") + " INFORMATION");
        d.field("ID", z.text("ID")).field("NAME", z.text("NAME")).field("STATE", state(z.text("STATE")))
                .field("ENDPOINT", z.text("TEMPLATE/ENDPOINT"));
        List<XmlNode> servers = z.all("SERVER_POOL/SERVER");
        if (!servers.isEmpty()) {
            d.section("ZONE SERVERS");
            List<List<String>> rows = new ArrayList<>();
            for (XmlNode s : servers) {
                rows.add(List.of(s.text("ID"), s.text("NAME"), s.text("ENDPOINT")));
            }
            d.block(Table.render(List.of(new Table.Header("ID", true, false), new Table.Header("NAME", false, false),
                    new Table.Header("ENDPOINT", false, false)), rows, 0, true));
        }
        d.section("ZONE TEMPLATE").block(TemplateText.render(z.at("TEMPLATE")));
        return d.toString();
    }
}
