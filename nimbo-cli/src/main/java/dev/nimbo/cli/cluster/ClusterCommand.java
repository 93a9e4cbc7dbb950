package dev.nimbo.cli.cluster;

import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.WatchOption;
import dev.nimbo.cli.host.HostCommand;
import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nimbo cluster}: clusters and what they group (one.cluster.*, one.clusterpool.info). A host is in one
 * cluster ({@code delhost} returns it to {@code default}); datastores and networks may be in several.
 */
@Command(name = "cluster", header = "Manage clusters.", description = {"Example:", "  nimbo cluster addhost edge edge-01"})
public final class ClusterCommand extends Family {

    public static final Kind KIND = new Kind("cluster", "one.clusterpool.info", List.of(), "one.cluster.info", "CLUSTER",
            List.of(
                    Column.right("ID", (c, p) -> c.text("ID")),
                    Column.wide("NAME", (c, p) -> c.text("NAME")),
                    Column.right("HOSTS", (c, p) -> String.valueOf(c.all("HOSTS/ID").size())),
                    Column.right("VNETS", (c, p) -> String.valueOf(c.all("VNETS/ID").size())),
                    Column.right("DATASTORES", (c, p) -> String.valueOf(c.all("DATASTORES/ID").size())),
                    Column.right("RESERVED_CPU", (c, p) -> dash(c.text("TEMPLATE/RESERVED_CPU"))),
                    Column.right("RESERVED_MEM", (c, p) -> dash(c.text("TEMPLATE/RESERVED_MEM")))),
            List.of("ID", "NAME", "HOSTS", "VNETS", "DATASTORES"));

    /** For resolving datastore names (one.datastorepool.info takes no filter). */
    static final Kind DATASTORES = new Kind("datastore", "one.datastorepool.info", List.of(), "one.datastore.info",
            "DATASTORE", List.of(), List.of());
    /** For resolving network names: every network the user may use. */
    static final Kind VNETS = new Kind("virtual network", "one.vnpool.info", List.of(-2, -1, -1), "one.vn.info", "VNET",
            List.of(), List.of());

    private static String dash(String s) {
        return s.isEmpty() ? "-" : s;
    }

    @Command(name = "list", header = "List clusters.",
            description = {"Columns: ID, NAME, HOSTS, VNETS, DATASTORES, RESERVED_CPU, RESERVED_MEM.",
                "Example:", "  nimbo cluster list"})
    int list(@Mixin WatchOption watch) {
        return list(KIND, watch);
    }

    @Command(name = "show", header = "Show a cluster.", description = {"Example:", "  nimbo cluster show edge"})
    int show(@Parameters(paramLabel = "CLUSTER", description = "ID or name") String cluster) {
        return show(KIND, resolve(KIND, cluster), ClusterCommand::detail);
    }

    @Command(name = "create", header = "Create a cluster.", description = {"Example:", "  nimbo cluster create edge"})
    int create(@Parameters(paramLabel = "NAME") String name) {
        return printId(api().id("one.cluster.allocate", name));
    }

    @Command(name = "delete", header = "Delete a cluster (it must be empty).", description = {"Example:", "  nimbo cluster delete edge"})
    int delete(@Parameters(paramLabel = "CLUSTER") String cluster) {
        api().call("one.cluster.delete", resolve(KIND, cluster));
        return ExitCodes.OK;
    }

    @Command(name = "update", header = "Replace or merge a cluster's template (e.g. RESERVED_CPU, RESERVED_MEM).",
            description = {"Without FILE, $EDITOR opens on the current template; '-' reads standard input.",
                "Example:", "  echo 'RESERVED_CPU=100' | nimbo cluster update edge - --append"})
    int update(@Parameters(index = "0", paramLabel = "CLUSTER") String cluster,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file,
            @Option(names = {"-a", "--append"}, description = "Merge into the template instead of replacing it.") boolean append) {
        int id = resolve(KIND, cluster);
        String text = templateInput(file, () -> TemplateText.render(api().xml(KIND.infoMethod(), id, false).at("TEMPLATE")));
        if (text != null) {
            api().call("one.cluster.update", id, text, append ? 1 : 0);
        }
        return ExitCodes.OK;
    }

    @Command(name = "rename", header = "Rename a cluster.", description = {"Example:", "  nimbo cluster rename edge edge-west"})
    int rename(@Parameters(index = "0", paramLabel = "CLUSTER") String cluster,
            @Parameters(index = "1", paramLabel = "NAME") String name) {
        api().call("one.cluster.rename", resolve(KIND, cluster), name);
        return ExitCodes.OK;
    }

    @Command(name = "addhost", header = "Move a host into a cluster.", description = {"Example:", "  nimbo cluster addhost edge edge-01"})
    int addhost(@Parameters(index = "0", paramLabel = "CLUSTER") String cluster,
            @Parameters(index = "1", paramLabel = "HOST") String host) {
        return membership("one.cluster.addhost", cluster, resolve(HostCommand.KIND, host));
    }

    @Command(name = "delhost", header = "Take a host out of a cluster (back into default).",
            description = {"Example:", "  nimbo cluster delhost edge edge-01"})
    int delhost(@Parameters(index = "0", paramLabel = "CLUSTER") String cluster,
            @Parameters(index = "1", paramLabel = "HOST") String host) {
        return membership("one.cluster.delhost", cluster, resolve(HostCommand.KIND, host));
    }

    @Command(name = "adddatastore", header = "Add a datastore to a cluster.",
            description = {"Example:", "  nimbo cluster adddatastore edge default"})
    int adddatastore(@Parameters(index = "0", paramLabel = "CLUSTER") String cluster,
            @Parameters(index = "1", paramLabel = "DATASTORE") String ds) {
        return membership("one.cluster.adddatastore", cluster, resolve(DATASTORES, ds));
    }

    @Command(name = "deldatastore", header = "Remove a datastore from a cluster.",
            description = {"Example:", "  nimbo cluster deldatastore edge default"})
    int deldatastore(@Parameters(index = "0", paramLabel = "CLUSTER") String cluster,
            @Parameters(index = "1", paramLabel = "DATASTORE") String ds) {
        return membership("one.cluster.deldatastore", cluster, resolve(DATASTORES, ds));
    }

    @Command(name = "addvnet", header = "Add a virtual network to a cluster.",
            description = {"Example:", "  nimbo cluster addvnet edge public"})
    int addvnet(@Parameters(index = "0", paramLabel = "CLUSTER") String cluster,
            @Parameters(index = "1", paramLabel = "VNET") String vnet) {
        return membership("one.cluster.addvnet", cluster, resolve(VNETS, vnet));
    }

    @Command(name = "delvnet", header = "Remove a virtual network from a cluster.",
            description = {"Example:", "  nimbo cluster delvnet edge public"})
    int delvnet(@Parameters(index = "0", paramLabel = "CLUSTER") String cluster,
            @Parameters(index = "1", paramLabel = "VNET") String vnet) {
        return membership("one.cluster.delvnet", cluster, resolve(VNETS, vnet));
    }

    private int membership(String method, String cluster, int objectId) {
        api().call(method, resolve(KIND, cluster), objectId);
        return ExitCodes.OK;
    }

    static String detail(XmlNode c) {
        Detail d = new Detail().section("CLUSTER " + c.text("ID") + " INFORMATION");
        d.field("ID", c.text("ID")).field("NAME", c.text("NAME"));
        d.section("CLUSTER TEMPLATE").block(TemplateText.render(c.at("TEMPLATE")));
        d.section("HOSTS").block(ids(c.all("HOSTS/ID")));
        d.section("VNETS").block(ids(c.all("VNETS/ID")));
        d.section("DATASTORES").block(ids(c.all("DATASTORES/ID")));
        return d.toString();
    }

    private static String ids(List<XmlNode> ids) {
        return ids.isEmpty() ? "-" : ids.stream().map(XmlNode::text).collect(Collectors.joining(", "));
    }
}
