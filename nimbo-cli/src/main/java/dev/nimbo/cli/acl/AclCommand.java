package dev.nimbo.cli.acl;

import dev.nimbo.cli.CliException;
import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.WatchOption;
import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.xml.XmlNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code nimbo acl}: ACL rules (one.acl.*), listed in {@code oneacl}'s mask format. */
@Command(name = "acl", header = "Manage ACL rules.", description = {"Example:", "  nimbo acl create \"@1 VM+NET/* CREATE #0\""})
public final class AclCommand extends Family {

    public static final Kind KIND = new Kind("acl", "one.acl.info", List.of(), null, "ACL",
            List.of(
                    Column.right("ID", (a, p) -> a.text("ID")),
                    Column.left("USER", (a, p) -> part(a, 0)),
                    Column.left(AclRule.RESOURCE_COLUMN, (a, p) -> AclRule.resourceMask(part(a, 1))),
                    Column.right("RID", (a, p) -> {
                        String[] r = part(a, 1).split("/", 2);
                        return r.length > 1 ? r[1] : "";
                    }),
                    Column.left("OPE_UMAC", (a, p) -> AclRule.rightsMask(part(a, 2))),
                    Column.right("ZONE", (a, p) -> part(a, 3)),
                    Column.wide("STRING", (a, p) -> text(a))),
            List.of("ID", "USER", AclRule.RESOURCE_COLUMN, "RID", "OPE_UMAC", "ZONE"));

    @Command(name = "list", header = "List ACL rules.",
            description = {"Resource letters: V VM, H host, N net, I image, U user, T template, G group, D datastore, "
                    + "C cluster, O document, Z zone, S secgroup, v VDC, R vrouter, M marketplace, A app, P vmgroup, "
                    + "t vntemplate, B backupjob. Rights: u use, m manage, a admin, c create.",
                "Example:", "  nimbo acl list --list ID,STRING"})
    int list(@Mixin WatchOption watch) {
        return list(KIND, watch);
    }

    @Command(name = "create", header = "Create an ACL rule.",
            description = {"RULE is \"USER RESOURCES/ID RIGHTS [ZONE]\" (one argument or several), or 3-4 hex numbers.",
                "Example:", "  nimbo acl create \"@1 VM+NET/* CREATE #0\"", "  nimbo acl create 0x200000001 0x5400000000 0x8"})
    int create(@Parameters(arity = "1..4", paramLabel = "RULE") List<String> args) {
        List<Object> params = new ArrayList<>();
        if ((args.size() == 3 || args.size() == 4) && AclRule.isHex(args)) {
            args.forEach(a -> params.add(AclRule.normalizeHex(a)));
        } else {
            AclRule.Hex hex;
            try {
                hex = AclRule.parse(String.join(" ", args));
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
            params.addAll(List.of(hex.user(), hex.resource(), hex.rights()));
            if (hex.zone() != null) {
                params.add(hex.zone());
            }
        }
        return printId(api().id("one.acl.addrule", params.toArray()));
    }

    @Command(name = "delete", header = "Delete an ACL rule.", description = {"Example:", "  nimbo acl delete 7"})
    int delete(@Parameters(paramLabel = "ID") int id) {
        api().call("one.acl.delrule", id);
        return ExitCodes.OK;
    }

    /** The rule as text: the server's STRING, else rebuilt from the hex fields. */
    static String text(XmlNode acl) {
        String s = acl.text("STRING");
        if (!s.isEmpty()) {
            return s;
        }
        return AclRule.toText(hex(acl.text("USER")), hex(acl.text("RESOURCE")), hex(acl.text("RIGHTS")), hex(acl.text("ZONE")));
    }

    private static long hex(String s) {
        try {
            return Long.parseUnsignedLong(AclRule.normalizeHex(s.trim()), 16);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String part(XmlNode acl, int i) {
        String[] parts = text(acl).trim().split("\\s+");
        return i < parts.length ? parts[i] : "";
    }
}
