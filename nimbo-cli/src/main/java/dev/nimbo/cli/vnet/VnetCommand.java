package dev.nimbo.cli.vnet;

import dev.nimbo.cli.CliException;
import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.WatchOption;
import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.output.Table;
import dev.nimbo.cli.template.OwnerVerbs;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nimbo vnet}: virtual networks, their address ranges, leases, holds and reservations
 * (one.vn.*, one.vnpool.info).
 */
@Command(name = "vnet", header = "Manage virtual networks.",
        description = {"Example:", "  nimbo vnet create public --bridge br0 --ar ip4:10.0.0.10:50"})
public final class VnetCommand extends Family {
    static final String P = "one.vn";
    static final String[] STATES = {"init", "rdy", "lock", "lock", "done", "err", "upd_err"};

    public static final Kind KIND = new Kind("vnet", "one.vnpool.info", List.of(-2, -1, -1), "one.vn.info", "VNET",
            List.of(
                    Column.right("ID", (v, p) -> v.text("ID")),
                    Column.left("USER", (v, p) -> v.text("UNAME")),
                    Column.left("GROUP", (v, p) -> v.text("GNAME")),
                    Column.wide("NAME", (v, p) -> v.text("NAME")),
                    Column.left("CLUSTERS", (v, p) -> ids(v.all("CLUSTERS/ID"))),
                    Column.left("BRIDGE", (v, p) -> v.text("BRIDGE")),
                    Column.left("STATE", (v, p) -> state(v.text("STATE"))),
                    Column.right("LEASES", (v, p) -> v.text("USED_LEASES")),
                    Column.right("SIZE", (v, p) -> String.valueOf(size(v))),
                    Column.left("VN_MAD", (v, p) -> v.text("VN_MAD")),
                    Column.right("VLAN", (v, p) -> v.text("VLAN_ID")),
                    Column.right("PARENT", (v, p) -> v.text("PARENT_NETWORK_ID"))),
            List.of("ID", "USER", "GROUP", "NAME", "CLUSTERS", "BRIDGE", "STATE", "LEASES"));

    static final Kind CLUSTERS = new Kind("cluster", "one.clusterpool.info", List.of(), "one.cluster.info", "CLUSTER",
            List.of(), List.of());

    @Command(name = "list", header = "List virtual networks.",
            description = {"Columns: ID, USER, GROUP, NAME, CLUSTERS, BRIDGE, STATE, LEASES (used), SIZE, VN_MAD, VLAN, PARENT.",
                "Example:", "  nimbo vnet list --list ID,NAME,LEASES,SIZE"})
    int list(@Mixin WatchOption watch) {
        return list(KIND, watch);
    }

    @Command(name = "show", header = "Show a virtual network with its address ranges and leases.",
            description = {"Example:", "  nimbo vnet show public"})
    int show(@Parameters(paramLabel = "VNET", description = "ID or name") String vnet) {
        return show(KIND, resolve(KIND, vnet), VnetCommand::detail);
    }

    @Command(name = "create", header = "Create a virtual network from a file or from options.",
            description = {"--ar takes ip4:IP:SIZE, ip6:SIZE[:GLOBAL_PREFIX], ip4_6:IP:SIZE[:GLOBAL_PREFIX], ether:SIZE[:MAC]",
                "or KEY=VALUE,... (e.g. TYPE=IP6_STATIC,IP6=fd00::1,PREFIX_LENGTH=64,SIZE=16); repeatable.",
                "Example:", "  nimbo vnet create public --bridge br0 --ar ip4:10.0.0.10:50"})
    int create(@Parameters(index = "0", arity = "0..1", paramLabel = "NAME") String name,
            @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Template file ('-': standard input).") String file,
            @Option(names = "--vn-mad", paramLabel = "DRIVER", description = "Network driver (default bridge when no file).") String vnMad,
            @Option(names = "--bridge", paramLabel = "BRIDGE", description = "Host bridge (default onebrID).") String bridge,
            @Option(names = "--phydev", paramLabel = "DEV", description = "Physical device for 802.1Q and VXLAN.") String phydev,
            @Option(names = "--vlan-id", paramLabel = "ID", description = "VLAN ID (or VNI for vxlan).") Integer vlanId,
            @Option(names = "--auto-vlan", description = "Let the server pick a free VLAN ID.") boolean autoVlan,
            @Option(names = "--ar", paramLabel = "SPEC", description = "An address range; repeatable.") List<String> ars,
            @Option(names = "--cluster", paramLabel = "CLUSTER", description = "Cluster ID or name (default: the default cluster).")
            String cluster) {
        StringBuilder t = new StringBuilder(file == null ? "" : readFile(file));
        if (!t.isEmpty() && t.charAt(t.length() - 1) != '\n') {
            t.append('\n');
        }
        line(t, "NAME", name);
        line(t, "VN_MAD", vnMad != null ? vnMad : file == null ? "bridge" : null);
        line(t, "BRIDGE", bridge);
        line(t, "PHYDEV", phydev);
        line(t, "VLAN_ID", vlanId == null ? null : vlanId.toString());
        line(t, "AUTOMATIC_VLAN_ID", autoVlan ? "YES" : null);
        for (String ar : ars == null ? List.<String>of() : ars) {
            t.append(arVector(ar)).append('\n');
        }
        int cid = cluster == null ? -1 : CLUSTERS.resolve(api(), cluster);
        return printId(api().id(P + ".allocate", t.toString(), cid));
    }

    private static void line(StringBuilder t, String key, String value) {
        if (value != null) {
            t.append(key).append('=').append(TemplateText.quote(value)).append('\n');
        }
    }

    /** An --ar spec as an AR vector. */
    public static String arVector(String spec) {
        List<String> kv = new ArrayList<>();
        if (spec.contains("=")) {
            for (String part : spec.split(",")) {
                int eq = part.indexOf('=');
                if (eq <= 0) {
                    throw CliException.usage("--ar: expected KEY=VALUE, got '" + part + "'");
                }
                kv.add(part.substring(0, eq).strip().toUpperCase(Locale.ROOT) + "=" + TemplateText.quote(part.substring(eq + 1).strip()));
            }
        } else {
            String type = spec.contains(":") ? spec.substring(0, spec.indexOf(':')).toLowerCase(Locale.ROOT) : spec;
            String[] p;
            switch (type) {
                case "ip4" -> {
                    p = split(spec, 3, 3);
                    kv.add("TYPE=\"IP4\"");
                    kv.add("IP=" + TemplateText.quote(p[1]));
                    kv.add("SIZE=" + TemplateText.quote(p[2]));
                }
                case "ip4_6" -> {
                    p = split(spec, 3, 4);
                    kv.add("TYPE=\"IP4_6\"");
                    kv.add("IP=" + TemplateText.quote(p[1]));
                    kv.add("SIZE=" + TemplateText.quote(p[2]));
                    if (p.length > 3) {
                        kv.add("GLOBAL_PREFIX=" + TemplateText.quote(p[3]));
                    }
                }
                case "ip6" -> {
                    p = split(spec, 2, 3);
                    kv.add("TYPE=\"IP6\"");
                    kv.add("SIZE=" + TemplateText.quote(p[1]));
                    if (p.length > 2) {
                        kv.add("GLOBAL_PREFIX=" + TemplateText.quote(p[2]));
                    }
                }
                case "ether" -> {
                    p = split(spec, 2, 3);
                    kv.add("TYPE=\"ETHER\"");
                    kv.add("SIZE=" + TemplateText.quote(p[1]));
                    if (p.length > 2) {
                        kv.add("MAC=" + TemplateText.quote(p[2]));
                    }
                }
                default -> throw CliException.usage("--ar: unknown form '" + spec
                        + "'; use ip4:IP:SIZE, ip6:SIZE[:PREFIX], ip4_6:IP:SIZE[:PREFIX], ether:SIZE[:MAC] or KEY=VALUE,...");
            }
        }
        return "AR=[ " + String.join(", ", kv) + " ]";
    }

    /** type:a:b… with at least {@code min} and at most {@code max} parts; the last part keeps its colons. */
    private static String[] split(String spec, int min, int max) {
        String[] p = spec.split(":", max);
        if (p.length < min || p[p.length - 1].isEmpty()) {
            throw CliException.usage("--ar: '" + spec + "' is incomplete");
        }
        return p;
    }

    @Command(name = "delete", header = "Delete a virtual network (it must have no leases in use).",
            description = {"Example:", "  nimbo vnet delete public"})
    int delete(@Parameters(paramLabel = "VNET") String vnet) {
        api().call(P + ".delete", resolve(KIND, vnet));
        return ExitCodes.OK;
    }

    @Command(name = "update", header = "Replace or merge a virtual network's template.",
            description = {"Without FILE, $EDITOR opens on the current template; '-' reads standard input.",
                "Example:", "  echo 'MTU=9000' | nimbo vnet update public - --append"})
    int update(@Parameters(index = "0", paramLabel = "VNET") String vnet,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file,
            @Option(names = {"-a", "--append"}, description = "Merge instead of replacing.") boolean append) {
        int id = resolve(KIND, vnet);
        String text = templateInput(file, () -> TemplateText.render(api().xml(KIND.infoMethod(), id, false).at("TEMPLATE")));
        if (text != null) {
            api().call(P + ".update", id, text, append ? 1 : 0);
        }
        return ExitCodes.OK;
    }

    @Command(name = "rename", header = "Rename a virtual network.", description = {"Example:", "  nimbo vnet rename public outside"})
    int rename(@Parameters(index = "0", paramLabel = "VNET") String vnet, @Parameters(index = "1", paramLabel = "NAME") String name) {
        return OwnerVerbs.rename(this, P, KIND, vnet, name);
    }

    @Command(name = "chmod", header = "Change a virtual network's permissions.", description = {"Example:", "  nimbo vnet chmod public 644"})
    int chmod(@Parameters(index = "0", paramLabel = "VNET") String vnet, @Parameters(index = "1", paramLabel = "OCTAL") String octal) {
        return OwnerVerbs.chmod(this, P, KIND, vnet, octal);
    }

    @Command(name = "chown", header = "Change a virtual network's owner (and group).", description = {"Example:", "  nimbo vnet chown public alice"})
    int chown(@Parameters(index = "0", paramLabel = "VNET") String vnet, @Parameters(index = "1", paramLabel = "USER") String user,
            @Parameters(index = "2", arity = "0..1", paramLabel = "GROUP") String group) {
        return OwnerVerbs.chown(this, P, KIND, vnet, user, group);
    }

    @Command(name = "chgrp", header = "Change a virtual network's group.", description = {"Example:", "  nimbo vnet chgrp public users"})
    int chgrp(@Parameters(index = "0", paramLabel = "VNET") String vnet, @Parameters(index = "1", paramLabel = "GROUP") String group) {
        return OwnerVerbs.chgrp(this, P, KIND, vnet, group);
    }

    @Command(name = "lock", header = "Lock a virtual network.",
            description = {"Levels: use (blocks everything, default), manage, admin, all.", "Example:", "  nimbo vnet lock public --level manage"})
    int lock(@Parameters(paramLabel = "VNET") String vnet,
            @Option(names = "--level", paramLabel = "L", description = "use, manage, admin or all.") String level) {
        return OwnerVerbs.lock(this, P, KIND, vnet, level);
    }

    @Command(name = "unlock", header = "Unlock a virtual network.", description = {"Example:", "  nimbo vnet unlock public"})
    int unlock(@Parameters(paramLabel = "VNET") String vnet) {
        return OwnerVerbs.unlock(this, P, KIND, vnet);
    }

    // ------------------------------------------------------------------ address ranges

    @Command(name = "addar", header = "Add an address range.",
            description = {"From --ar SPEC (see create) or a FILE holding one AR vector.", "Example:", "  nimbo vnet addar public --ar ip4:10.0.1.1:100"})
    int addar(@Parameters(index = "0", paramLabel = "VNET") String vnet,
            @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "File with AR = [ ... ].") String file,
            @Option(names = "--ar", paramLabel = "SPEC", description = "The range, as for create.") String ar) {
        if ((file == null) == (ar == null)) {
            throw CliException.usage("give either --ar SPEC or --file FILE");
        }
        api().call(P + ".add_ar", resolve(KIND, vnet), file != null ? readFile(file) : arVector(ar));
        return ExitCodes.OK;
    }

    @Command(name = "rmar", header = "Remove an address range.", description = {"Example:", "  nimbo vnet rmar public 1"})
    int rmar(@Parameters(index = "0", paramLabel = "VNET") String vnet, @Parameters(index = "1", paramLabel = "AR_ID") int arId,
            @Option(names = "--force", description = "Remove it even with leases in use.") boolean force) {
        api().call(P + ".rm_ar", resolve(KIND, vnet), arId, force);
        return ExitCodes.OK;
    }

    @Command(name = "updatear", header = "Update an address range's attributes.",
            description = {"FILE ('-' for standard input) holds AR = [ AR_ID = N, ... ].",
                "Example:", "  echo 'AR=[AR_ID=0,GATEWAY=10.0.0.1]' | nimbo vnet updatear public -"})
    int updatear(@Parameters(index = "0", paramLabel = "VNET") String vnet, @Parameters(index = "1", paramLabel = "FILE") String file) {
        api().call(P + ".update_ar", resolve(KIND, vnet), readFile(file));
        return ExitCodes.OK;
    }

    @Command(name = "free", header = "Free a reserved address range (gives the addresses back to the parent).",
            description = {"Example:", "  nimbo vnet free my-reservation 0"})
    int free(@Parameters(index = "0", paramLabel = "VNET") String vnet, @Parameters(index = "1", paramLabel = "AR_ID") int arId) {
        api().call(P + ".free_ar", resolve(KIND, vnet), arId);
        return ExitCodes.OK;
    }

    // ------------------------------------------------------------------ leases

    /** LEASES = [ IP|IP6|MAC = address (, AR_ID = n) ]. */
    static String leaseTemplate(String address, Integer arId) {
        return "LEASES=[ " + addressKey(address) + "=" + TemplateText.quote(address) + (arId == null ? "" : ", AR_ID=" + arId) + " ]";
    }

    /** MAC, IP6 or IP: which attribute names this address. */
    static String addressKey(String address) {
        return address.matches("(?i)[0-9a-f]{1,2}(:[0-9a-f]{1,2}){5}") ? "MAC" : address.contains(":") ? "IP6" : "IP";
    }

    @Command(name = "hold", header = "Put an address on hold so it is not handed out.",
            description = {"Example:", "  nimbo vnet hold public 10.0.0.20"})
    int hold(@Parameters(index = "0", paramLabel = "VNET") String vnet, @Parameters(index = "1", paramLabel = "ADDRESS") String address,
            @Option(names = "--ar-id", paramLabel = "N", description = "Only in this address range.") Integer arId) {
        api().call(P + ".hold", resolve(KIND, vnet), leaseTemplate(address, arId));
        return ExitCodes.OK;
    }

    @Command(name = "release", header = "Release an address on hold.", description = {"Example:", "  nimbo vnet release public 10.0.0.20"})
    int release(@Parameters(index = "0", paramLabel = "VNET") String vnet, @Parameters(index = "1", paramLabel = "ADDRESS") String address,
            @Option(names = "--ar-id", paramLabel = "N", description = "Only in this address range.") Integer arId) {
        api().call(P + ".release", resolve(KIND, vnet), leaseTemplate(address, arId));
        return ExitCodes.OK;
    }

    /** Where a reservation goes: a new network or an existing reservation. */
    static final class Target {
        @Option(names = "--name", paramLabel = "NAME", description = "Reserve into a new network with this name.")
        String name;
        @Option(names = "--into", paramLabel = "VNET", description = "Add to this existing reservation.")
        String into;
    }

    @Command(name = "reserve", header = "Reserve consecutive addresses into a network you own.",
            description = {"Example:", "  nimbo vnet reserve public 10 --name my-addresses",
                "  nimbo vnet reserve public 2 --into my-addresses --ar-id 0 --address 10.0.0.40"})
    int reserve(@Parameters(index = "0", paramLabel = "VNET") String vnet, @Parameters(index = "1", paramLabel = "SIZE") int size,
            @ArgGroup(exclusive = true, multiplicity = "1") Target target,
            @Option(names = "--ar-id", paramLabel = "N", description = "Take the addresses from this range.") Integer arId,
            @Option(names = "--address", paramLabel = "ADDR", description = "First IP, IP6 or MAC (needs --ar-id).") String address) {
        StringBuilder t = new StringBuilder("SIZE=" + size + "\n");
        if (target.name != null) {
            line(t, "NAME", target.name);
        } else {
            t.append("NETWORK_ID=").append(resolve(KIND, target.into)).append('\n');
        }
        if (arId != null) {
            t.append("AR_ID=").append(arId).append('\n');
        }
        if (address != null) {
            line(t, addressKey(address), address);
        }
        return printId(api().id(P + ".reserve", resolve(KIND, vnet), t.toString()));
    }

    @Command(name = "recover", header = "Recover a network stuck in a driver operation, or drop orphaned leases.",
            description = {"--leases drops leases whose VM or reservation no longer exists (holds stay).",
                "Example:", "  nimbo vnet recover public --leases"})
    int recover(@Parameters(paramLabel = "VNET") String vnet, @ArgGroup(exclusive = true, multiplicity = "1") Recovery how) {
        int op = how.failure ? 0 : how.success ? 1 : how.delete ? 2 : how.retry ? 3 : 4;
        api().call(P + ".recover", resolve(KIND, vnet), op);
        return ExitCodes.OK;
    }

    static final class Recovery {
        @Option(names = "--failure", description = "Fail the pending operation.") boolean failure;
        @Option(names = "--success", description = "Succeed the pending operation.") boolean success;
        @Option(names = "--delete", description = "Delete the network.") boolean delete;
        @Option(names = "--retry", description = "Retry a failed update.") boolean retry;
        @Option(names = "--leases", description = "Drop leases of VMs and reservations that are gone.") boolean leases;
    }

    // ------------------------------------------------------------------ views

    static String state(String s) {
        try {
            int i = Integer.parseInt(s);
            return i >= 0 && i < STATES.length ? STATES[i] : s;
        } catch (NumberFormatException e) {
            return s;
        }
    }

    static long size(XmlNode v) {
        long n = 0;
        for (XmlNode ar : v.all("AR_POOL/AR")) {
            try {
                n += Long.parseLong(ar.text("SIZE"));
            } catch (NumberFormatException ignored) {
                // a range without a size adds nothing
            }
        }
        return n;
    }

    static String ids(List<XmlNode> ids) {
        return ids.isEmpty() ? "-" : ids.stream().map(XmlNode::text).collect(Collectors.joining(","));
    }

    static String detail(XmlNode v) {
        Detail d = new Detail().section("VIRTUAL NETWORK " + v.text("ID") + " INFORMATION");
        OwnerVerbs.ownerFields(d, v);
        d.field("CLUSTERS", ids(v.all("CLUSTERS/ID"))).field("STATE", state(v.text("STATE")));
        d.field("BRIDGE", v.text("BRIDGE")).field("VN_MAD", v.text("VN_MAD"));
        if (!v.text("PHYDEV").isEmpty()) {
            d.field("PHYSICAL DEVICE", v.text("PHYDEV"));
        }
        if (!v.text("VLAN_ID").isEmpty()) {
            d.field("VLAN ID", v.text("VLAN_ID") + (v.text("VLAN_ID_AUTOMATIC").equals("1") ? " (automatic)" : ""));
        }
        if (!v.text("OUTER_VLAN_ID").isEmpty()) {
            d.field("OUTER VLAN ID", v.text("OUTER_VLAN_ID"));
        }
        if (!v.text("PARENT_NETWORK_ID").isEmpty()) {
            d.field("RESERVED FROM", v.text("PARENT_NETWORK_ID"));
        }
        if (!v.text("TEMPLATE_ID").isEmpty()) {
            d.field("VN TEMPLATE", v.text("TEMPLATE_ID"));
        }
        d.field("USED LEASES", v.text("USED_LEASES"));
        d.section("VIRTUAL NETWORK TEMPLATE").block(TemplateText.render(v.at("TEMPLATE")));
        List<XmlNode> ars = v.all("AR_POOL/AR");
        if (!ars.isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            List<List<String>> leases = new ArrayList<>();
            for (XmlNode ar : ars) {
                String ip = ar.text("IP").isEmpty() ? "-" : ar.text("IP") + " - " + ar.text("IP_END");
                String ip6 = !ar.text("IP6").isEmpty() ? ar.text("IP6") + " - " + ar.text("IP6_END")
                        : !ar.text("IP6_GLOBAL").isEmpty() ? ar.text("IP6_GLOBAL") + " - " + ar.text("IP6_GLOBAL_END") : "-";
                rows.add(List.of(ar.text("AR_ID"), ar.text("TYPE"), ar.text("SIZE"), ar.text("USED_LEASES"),
                        ar.text("MAC") + " - " + ar.text("MAC_END"), ip, ip6));
                for (XmlNode l : ar.all("LEASES/LEASE")) {
                    String owner = !l.text("VM").isEmpty() ? (l.text("VM").equals("-1") ? "hold" : "VM " + l.text("VM"))
                            : !l.text("VNET").isEmpty() ? "NET " + l.text("VNET") : "VR " + l.text("VROUTER");
                    String ip6l = !l.text("IP6").isEmpty() ? l.text("IP6") : !l.text("IP6_GLOBAL").isEmpty() ? l.text("IP6_GLOBAL") : "-";
                    leases.add(List.of(ar.text("AR_ID"), owner, l.text("MAC"), l.text("IP").isEmpty() ? "-" : l.text("IP"), ip6l));
                }
            }
            d.section("ADDRESS RANGES").block(Table.render(List.of(h("AR", true), h("TYPE", false), h("SIZE", true),
                    h("USED", true), h("MAC", false), h("IP", false), h("IP6", false)), rows, 0, true));
            if (!leases.isEmpty()) {
                d.section("LEASES").block(Table.render(List.of(h("AR", true), h("OWNER", false), h("MAC", false),
                        h("IP", false), h("IP6", false)), leases, 0, true));
            }
        }
        return d.toString();
    }

    private static Table.Header h(String name, boolean right) {
        return new Table.Header(name, right, false);
    }
}
