package dev.nimbo.cli.datastore;

import dev.nimbo.cli.CliException;
import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.WatchOption;
import dev.nimbo.cli.cluster.ClusterCommand;
import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.output.Sizes;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nimbo datastore}: image, system and file datastores, their drivers and capacity (one.datastore.*,
 * one.datastorepool.info). Lists show size and the share still free as OpenNebula's onedatastore does.
 */
@Command(name = "datastore", header = "Manage datastores.",
        description = {"Example:", "  nimbo datastore list --filter TYPE=img"})
public final class DatastoreCommand extends Family {
    private static final String[] TYPES = {"img", "sys", "fil", "bck"};

    public static final Kind KIND = new Kind("datastore", "one.datastorepool.info", List.of(), "one.datastore.info",
            "DATASTORE",
            List.of(
                    Column.right("ID", (d, p) -> d.text("ID")),
                    Column.wide("NAME", (d, p) -> d.text("NAME")),
                    Column.right("SIZE", (d, p) -> Sizes.formatMb(number(d.text("TOTAL_MB")))),
                    Column.right("AVAIL", (d, p) -> avail(d)),
                    Column.right("FREE", (d, p) -> Sizes.formatMb(number(d.text("FREE_MB")))),
                    Column.right("USED", (d, p) -> Sizes.formatMb(number(d.text("USED_MB")))),
                    Column.left("CLUSTERS", (d, p) -> ids(d.all("CLUSTERS/ID"))),
                    Column.right("IMAGES", (d, p) -> String.valueOf(d.all("IMAGES/ID").size())),
                    Column.left("TYPE", (d, p) -> type(d)),
                    Column.left("DS", (d, p) -> d.text("DS_MAD")),
                    Column.left("TM", (d, p) -> d.text("TM_MAD")),
                    Column.left("STAT", (d, p) -> d.text("STATE").equals("1") ? "off" : "on"),
                    Column.left("USER", (d, p) -> d.text("UNAME")),
                    Column.left("GROUP", (d, p) -> d.text("GNAME"))),
            List.of("ID", "NAME", "SIZE", "AVAIL", "CLUSTERS", "IMAGES", "TYPE", "DS", "TM", "STAT"));

    @Command(name = "list", header = "List datastores with their capacity.",
            description = {"Columns: ID, NAME, SIZE, AVAIL (% free), FREE, USED, CLUSTERS, IMAGES, TYPE (img, sys, fil),",
                "DS, TM, STAT (on, off), USER, GROUP.", "Example:", "  nimbo datastore list --list ID,NAME,FREE,IMAGES"})
    int list(@Mixin WatchOption watch) {
        return list(KIND, watch);
    }

    @Command(name = "show", header = "Show a datastore.", description = {"Example:", "  nimbo datastore show default"})
    int show(@Parameters(paramLabel = "DATASTORE", description = "ID or name") String ds) {
        return show(KIND, resolve(KIND, ds), DatastoreCommand::detail);
    }

    @Command(name = "create", header = "Create a datastore from a template file or from options.",
            description = {"FILE ('-' for standard input) holds the template; options add to or replace it.",
                "Examples:", "  nimbo datastore create images.tmpl",
                "  nimbo datastore create --name fast --ds-mad fs --tm-mad shared --safe-dirs /srv/images"})
    int create(@Parameters(arity = "0..1", paramLabel = "FILE") String file,
            @Option(names = "--name", paramLabel = "NAME") String name,
            @Option(names = "--type", paramLabel = "TYPE", description = "image (default), system or file.") String type,
            @Option(names = "--ds-mad", paramLabel = "DS_MAD", description = "Datastore driver: fs or dummy.") String dsMad,
            @Option(names = "--tm-mad", paramLabel = "TM_MAD",
                    description = "Transfer driver: shared, ssh, local, qcow2 or dummy.") String tmMad,
            @Option(names = "--safe-dirs", paramLabel = "DIRS", description = "Where local image files may come from.")
            String safeDirs,
            @Option(names = "--limit", paramLabel = "SIZE", description = "Most space images may take, e.g. 500g.")
            String limit,
            @Option(names = {"-c", "--cluster"}, paramLabel = "CLUSTER", description = "Cluster ID or name (default: default).")
            String cluster) {
        StringBuilder t = new StringBuilder(file == null ? "" : readFile(file));
        if (!t.isEmpty() && t.charAt(t.length() - 1) != '\n') {
            t.append('\n');
        }
        append(t, "NAME", name);
        if (type != null) {
            String u = type.toUpperCase(Locale.ROOT);
            append(t, "TYPE", u.endsWith("_DS") ? u : u + "_DS");
        }
        append(t, "DS_MAD", dsMad);
        append(t, "TM_MAD", tmMad);
        append(t, "SAFE_DIRS", safeDirs);
        if (limit != null) {
            append(t, "LIMIT_MB", String.valueOf(mb(limit)));
        }
        if (t.toString().isBlank()) {
            throw CliException.usage("give a template FILE or at least --name, --ds-mad and --tm-mad");
        }
        int cid = cluster == null ? -1 : resolve(ClusterCommand.KIND, cluster);
        return printId(api().id("one.datastore.allocate", t.toString(), cid));
    }

    @Command(name = "delete", header = "Delete an empty datastore.", description = {"Example:", "  nimbo datastore delete old"})
    int delete(@Parameters(paramLabel = "DATASTORE") String ds) {
        api().call("one.datastore.delete", resolve(KIND, ds));
        return ExitCodes.OK;
    }

    @Command(name = "update", header = "Replace or merge a datastore's template.",
            description = {"Without FILE, $EDITOR opens on the current template; '-' reads standard input.",
                "Example:", "  echo 'LIMIT_MB=512000' | nimbo datastore update default - --append"})
    int update(@Parameters(index = "0", paramLabel = "DATASTORE") String ds,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file,
            @Option(names = {"-a", "--append"}, description = "Merge into the template instead of replacing it.") boolean append) {
        int id = resolve(KIND, ds);
        String text = templateInput(file, () -> TemplateText.render(api().xml(KIND.infoMethod(), id, false).at("TEMPLATE")));
        if (text != null) {
            api().call("one.datastore.update", id, text, append ? 1 : 0);
        }
        return ExitCodes.OK;
    }

    @Command(name = "rename", header = "Rename a datastore.", description = {"Example:", "  nimbo datastore rename 100 fast"})
    int rename(@Parameters(index = "0", paramLabel = "DATASTORE") String ds, @Parameters(index = "1", paramLabel = "NAME") String name) {
        api().call("one.datastore.rename", resolve(KIND, ds), name);
        return ExitCodes.OK;
    }

    @Command(name = "chmod", header = "Change a datastore's permissions.", description = {"Example:", "  nimbo datastore chmod fast 644"})
    int chmod(@Parameters(index = "0", paramLabel = "DATASTORE") String ds, @Parameters(index = "1", paramLabel = "OCTAL") String octal) {
        Ownership.chmod(this, "one.datastore.chmod", resolve(KIND, ds), octal);
        return ExitCodes.OK;
    }

    @Command(name = "chown", header = "Change a datastore's owner (and group).", description = {"Example:", "  nimbo datastore chown fast alice users"})
    int chown(@Parameters(index = "0", paramLabel = "DATASTORE") String ds, @Parameters(index = "1", paramLabel = "USER") String user,
            @Parameters(index = "2", arity = "0..1", paramLabel = "GROUP") String group) {
        Ownership.chown(this, "one.datastore.chown", KIND, ds, user, group);
        return ExitCodes.OK;
    }

    @Command(name = "chgrp", header = "Change a datastore's group.", description = {"Example:", "  nimbo datastore chgrp fast users"})
    int chgrp(@Parameters(index = "0", paramLabel = "DATASTORE") String ds, @Parameters(index = "1", paramLabel = "GROUP") String group) {
        Ownership.chgrp(this, "one.datastore.chown", KIND, ds, group);
        return ExitCodes.OK;
    }

    @Command(name = "enable", header = "Enable a system datastore.", description = {"Example:", "  nimbo datastore enable system"})
    int enable(@Parameters(paramLabel = "DATASTORE") String ds) {
        api().call("one.datastore.enable", resolve(KIND, ds), true);
        return ExitCodes.OK;
    }

    @Command(name = "disable", header = "Disable a system datastore (no new VMs are placed on it).",
            description = {"Example:", "  nimbo datastore disable system"})
    int disable(@Parameters(paramLabel = "DATASTORE") String ds) {
        api().call("one.datastore.enable", resolve(KIND, ds), false);
        return ExitCodes.OK;
    }

    static String detail(XmlNode d) {
        Detail out = new Detail().section("DATASTORE " + d.text("ID") + " INFORMATION");
        out.field("ID", d.text("ID")).field("NAME", d.text("NAME")).field("USER", d.text("UNAME"))
                .field("GROUP", d.text("GNAME")).field("CLUSTERS", ids(d.all("CLUSTERS/ID")))
                .field("TYPE", d.text("TEMPLATE/TYPE").isEmpty() ? type(d) : d.text("TEMPLATE/TYPE"))
                .field("DS_MAD", d.text("DS_MAD")).field("TM_MAD", d.text("TM_MAD"))
                .field("BASE PATH", d.text("BASE_PATH")).field("DISK_TYPE", d.text("TEMPLATE/DISK_TYPE"))
                .field("STATE", d.text("STATE").equals("1") ? "DISABLED" : "READY");
        out.section("DATASTORE CAPACITY");
        out.field("TOTAL", Sizes.formatMb(number(d.text("TOTAL_MB")))).field("FREE", Sizes.formatMb(number(d.text("FREE_MB"))))
                .field("USED", Sizes.formatMb(number(d.text("USED_MB"))))
                .field("LIMIT", d.text("TEMPLATE/LIMIT_MB").isEmpty() ? "-" : Sizes.formatMb(number(d.text("TEMPLATE/LIMIT_MB"))));
        Ownership.permissions(out, d);
        out.section("DATASTORE TEMPLATE").block(TemplateText.render(d.at("TEMPLATE")));
        out.section("IMAGES").block(ids(d.all("IMAGES/ID")));
        return out.toString();
    }

    static String type(XmlNode d) {
        int t = (int) number(d.text("TYPE"));
        return t >= 0 && t < TYPES.length ? TYPES[t] : "-";
    }

    static String avail(XmlNode d) {
        long total = number(d.text("TOTAL_MB"));
        return total <= 0 ? "-" : Math.round(100.0 * number(d.text("FREE_MB")) / total) + "%";
    }

    static String ids(List<XmlNode> ids) {
        return ids.isEmpty() ? "-" : ids.stream().map(XmlNode::text).collect(Collectors.joining(","));
    }

    static long number(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static long mb(String size) {
        try {
            return Sizes.parseMb(size);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    private static void append(StringBuilder t, String key, String value) {
        if (value != null) {
            t.append(key).append('=').append(TemplateText.quote(value)).append('\n');
        }
    }
}
