package dev.nimbo.cli.vdc;

import dev.nimbo.cli.CliException;
import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.WatchOption;
import dev.nimbo.cli.group.GroupCommand;
import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import dev.nimbo.cli.zone.ZoneCommand;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nimbo vdc}: virtual data centers, the groups in them and the clusters, hosts, datastores and networks
 * (per zone) those groups get (one.vdc.*). Resources are IDs, names (looked up in the local zone) or ALL.
 */
@Command(name = "vdc", header = "Manage VDCs (groups and the resources they get).",
        description = {"Example:", "  nimbo vdc addcluster tenants 0 ALL"})
public final class VdcCommand extends Family {
    /** OpenNebula's "every resource of the kind". */
    static final int ALL = -10;

    public static final Kind KIND = new Kind("VDC", "one.vdcpool.info", List.of(), "one.vdc.info", "VDC",
            List.of(
                    Column.right("ID", (v, p) -> v.text("ID")),
                    Column.wide("NAME", (v, p) -> v.text("NAME")),
                    Column.right("GROUPS", (v, p) -> String.valueOf(v.all("GROUPS/ID").size())),
                    Column.right("CLUSTERS", (v, p) -> count(v, "CLUSTERS/CLUSTER", "CLUSTER_ID")),
                    Column.right("HOSTS", (v, p) -> count(v, "HOSTS/HOST", "HOST_ID")),
                    Column.right("VNETS", (v, p) -> count(v, "VNETS/VNET", "VNET_ID")),
                    Column.right("DATASTORES", (v, p) -> count(v, "DATASTORES/DATASTORE", "DATASTORE_ID"))),
            List.of("ID", "NAME", "GROUPS", "CLUSTERS", "HOSTS", "VNETS", "DATASTORES"));

    /** The resource kinds a VDC holds, with their pools for name lookup. */
    enum Resource {
        CLUSTER(new Kind("cluster", "one.clusterpool.info", List.of(), "one.cluster.info", "CLUSTER", List.of(), List.of())),
        HOST(new Kind("host", "one.hostpool.info", List.of(), "one.host.info", "HOST", List.of(), List.of())),
        DATASTORE(new Kind("datastore", "one.datastorepool.info", List.of(), "one.datastore.info", "DATASTORE", List.of(), List.of())),
        VNET(new Kind("vnet", "one.vnpool.info", List.of(-2, -1, -1), "one.vn.info", "VNET", List.of(), List.of()));

        final Kind kind;

        Resource(Kind kind) {
            this.kind = kind;
        }

        String verb() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Command(name = "list", header = "List VDCs.", description = {"Example:", "  nimbo vdc list"})
    int list(@Mixin WatchOption watch) {
        return list(KIND, watch);
    }

    @Command(name = "show", header = "Show a VDC.", description = {"Example:", "  nimbo vdc show default"})
    int show(@Parameters(paramLabel = "VDC", description = "ID or name") String vdc) {
        return show(KIND, resolve(KIND, vdc), VdcCommand::detail);
    }

    @Command(name = "create", header = "Create a VDC: NAME, or a template file with --file.",
            description = {"Example:", "  nimbo vdc create tenants"})
    int create(@Parameters(arity = "0..1", paramLabel = "NAME") String name,
            @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Template file ('-': standard input).") String file) {
        if ((name == null) == (file == null)) {
            throw CliException.usage("give either NAME or --file");
        }
        String template = file != null ? readFile(file) : "NAME = " + TemplateText.quote(name);
        return printId(api().id("one.vdc.allocate", template));
    }

    @Command(name = "delete", header = "Delete VDCs (their ACL rules go with them).", description = {"Example:", "  nimbo vdc delete tenants"})
    int delete(@Parameters(paramLabel = "VDC", arity = "1..*") List<String> vdcs) {
        for (String v : vdcs) {
            api().call("one.vdc.delete", resolve(KIND, v));
        }
        return ExitCodes.OK;
    }

    @Command(name = "update", header = "Replace or merge a VDC's template.",
            description = {"Without FILE, $EDITOR opens on the current template; '-' reads standard input.",
                "Example:", "  nimbo vdc update tenants notes.tmpl --append"})
    int update(@Parameters(index = "0", paramLabel = "VDC") String vdc,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file,
            @Option(names = {"-a", "--append"}, description = "Merge into the template instead of replacing it.") boolean append) {
        int id = resolve(KIND, vdc);
        String text = templateInput(file, () -> TemplateText.render(api().xml(KIND.infoMethod(), id, false).at("TEMPLATE")));
        if (text != null) {
            api().call("one.vdc.update", id, text, append ? 1 : 0);
        }
        return ExitCodes.OK;
    }

    @Command(name = "rename", header = "Rename a VDC.", description = {"Example:", "  nimbo vdc rename tenants customers"})
    int rename(@Parameters(index = "0", paramLabel = "VDC") String vdc, @Parameters(index = "1", paramLabel = "NAME") String name) {
        api().call("one.vdc.rename", resolve(KIND, vdc), name);
        return ExitCodes.OK;
    }

    @Command(name = "addgroup", header = "Add groups to a VDC.", description = {"Example:", "  nimbo vdc addgroup tenants devs ops"})
    int addgroup(@Parameters(index = "0", paramLabel = "VDC") String vdc, @Parameters(index = "1..*", arity = "1..*", paramLabel = "GROUP") List<String> groups) {
        return groups("one.vdc.addgroup", vdc, groups);
    }

    @Command(name = "delgroup", header = "Remove groups from a VDC.", description = {"Example:", "  nimbo vdc delgroup tenants ops"})
    int delgroup(@Parameters(index = "0", paramLabel = "VDC") String vdc, @Parameters(index = "1..*", arity = "1..*", paramLabel = "GROUP") List<String> groups) {
        return groups("one.vdc.delgroup", vdc, groups);
    }

    @Command(name = "addcluster", header = "Give a VDC's groups clusters of a zone (or ALL).", description = {"Example:", "  nimbo vdc addcluster tenants 0 100 101"})
    int addcluster(@Parameters(index = "0", paramLabel = "VDC") String vdc, @Parameters(index = "1", paramLabel = "ZONE") String zone,
            @Parameters(index = "2..*", arity = "1..*", paramLabel = "CLUSTER") List<String> ids) {
        return resources(true, Resource.CLUSTER, vdc, zone, ids);
    }

    @Command(name = "delcluster", header = "Take clusters away from a VDC.", description = {"Example:", "  nimbo vdc delcluster tenants 0 ALL"})
    int delcluster(@Parameters(index = "0", paramLabel = "VDC") String vdc, @Parameters(index = "1", paramLabel = "ZONE") String zone,
            @Parameters(index = "2..*", arity = "1..*", paramLabel = "CLUSTER") List<String> ids) {
        return resources(false, Resource.CLUSTER, vdc, zone, ids);
    }

    @Command(name = "addhost", header = "Give a VDC's groups hosts of a zone (or ALL).", description = {"Example:", "  nimbo vdc addhost tenants 0 node1"})
    int addhost(@Parameters(index = "0", paramLabel = "VDC") String vdc, @Parameters(index = "1", paramLabel = "ZONE") String zone,
            @Parameters(index = "2..*", arity = "1..*", paramLabel = "HOST") List<String> ids) {
        return resources(true, Resource.HOST, vdc, zone, ids);
    }

    @Command(name = "delhost", header = "Take hosts away from a VDC.", description = {"Example:", "  nimbo vdc delhost tenants 0 node1"})
    int delhost(@Parameters(index = "0", paramLabel = "VDC") String vdc, @Parameters(index = "1", paramLabel = "ZONE") String zone,
            @Parameters(index = "2..*", arity = "1..*", paramLabel = "HOST") List<String> ids) {
        return resources(false, Resource.HOST, vdc, zone, ids);
    }

    @Command(name = "adddatastore", header = "Give a VDC's groups datastores of a zone (or ALL).", description = {"Example:", "  nimbo vdc adddatastore tenants 0 1"})
    int adddatastore(@Parameters(index = "0", paramLabel = "VDC") String vdc, @Parameters(index = "1", paramLabel = "ZONE") String zone,
            @Parameters(index = "2..*", arity = "1..*", paramLabel = "DATASTORE") List<String> ids) {
        return resources(true, Resource.DATASTORE, vdc, zone, ids);
    }

    @Command(name = "deldatastore", header = "Take datastores away from a VDC.", description = {"Example:", "  nimbo vdc deldatastore tenants 0 1"})
    int deldatastore(@Parameters(index = "0", paramLabel = "VDC") String vdc, @Parameters(index = "1", paramLabel = "ZONE") String zone,
            @Parameters(index = "2..*", arity = "1..*", paramLabel = "DATASTORE") List<String> ids) {
        return resources(false, Resource.DATASTORE, vdc, zone, ids);
    }

    @Command(name = "addvnet", header = "Give a VDC's groups virtual networks of a zone (or ALL).", description = {"Example:", "  nimbo vdc addvnet tenants 0 public"})
    int addvnet(@Parameters(index = "0", paramLabel = "VDC") String vdc, @Parameters(index = "1", paramLabel = "ZONE") String zone,
            @Parameters(index = "2..*", arity = "1..*", paramLabel = "VNET") List<String> ids) {
        return resources(true, Resource.VNET, vdc, zone, ids);
    }

    @Command(name = "delvnet", header = "Take virtual networks away from a VDC.", description = {"Example:", "  nimbo vdc delvnet tenants 0 public"})
    int delvnet(@Parameters(index = "0", paramLabel = "VDC") String vdc, @Parameters(index = "1", paramLabel = "ZONE") String zone,
            @Parameters(index = "2..*", arity = "1..*", paramLabel = "VNET") List<String> ids) {
        return resources(false, Resource.VNET, vdc, zone, ids);
    }

    private int groups(String method, String vdc, List<String> groups) {
        int id = resolve(KIND, vdc);
        for (String g : groups) {
            api().call(method, id, resolve(GroupCommand.KIND, g));
        }
        return ExitCodes.OK;
    }

    private int resources(boolean add, Resource kind, String vdc, String zone, List<String> ids) {
        int id = resolve(KIND, vdc);
        int zoneId = resolve(ZoneCommand.KIND, zone);
        String method = "one.vdc." + (add ? "add" : "del") + kind.verb();
        for (String r : ids) {
            int rid = r.equalsIgnoreCase("ALL") ? ALL : resolve(kind.kind, r);
            api().call(method, id, zoneId, rid);
        }
        return ExitCodes.OK;
    }

    static String count(XmlNode v, String path, String idElement) {
        List<XmlNode> items = v.all(path);
        if (items.stream().anyMatch(i -> i.text(idElement).equals(String.valueOf(ALL)))) {
            return "ALL";
        }
        return String.valueOf(items.size());
    }

    static String detail(XmlNode v) {
        Detail d = new Detail().section("VDC " + v.text("ID") + " INFORMATION");
        d.field("ID", v.text("ID")).field("NAME", v.text("NAME"));
        List<String> groups = v.all("GROUPS/ID").stream().map(XmlNode::text).toList();
        d.section("GROUPS").block(groups.isEmpty() ? "-" : String.join(", ", groups));
        d.section("CLUSTERS").block(resources(v, "CLUSTERS/CLUSTER", "CLUSTER_ID"));
        d.section("HOSTS").block(resources(v, "HOSTS/HOST", "HOST_ID"));
        d.section("DATASTORES").block(resources(v, "DATASTORES/DATASTORE", "DATASTORE_ID"));
        d.section("VNETS").block(resources(v, "VNETS/VNET", "VNET_ID"));
        d.section("VDC TEMPLATE").block(TemplateText.render(v.at("TEMPLATE")));
        return d.toString();
    }

    /** "zone 0: 100, 101" lines, ALL for -10. */
    private static String resources(XmlNode v, String path, String idElement) {
        List<XmlNode> items = v.all(path);
        if (items.isEmpty()) {
            return "-";
        }
        return items.stream().collect(Collectors.groupingBy(i -> i.text("ZONE_ID"), java.util.TreeMap::new,
                        Collectors.mapping(i -> i.text(idElement).equals(String.valueOf(ALL)) ? "ALL" : i.text(idElement),
                                Collectors.joining(", "))))
                .entrySet().stream().map(e -> "zone " + e.getKey() + ": " + e.getValue()).collect(Collectors.joining("\n"));
    }
}
