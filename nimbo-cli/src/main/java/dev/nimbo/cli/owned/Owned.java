package dev.nimbo.cli.owned;

import dev.nimbo.cli.CliException;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.group.GroupCommand;
import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.user.UserCommand;
import dev.nimbo.cli.xml.XmlNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What the families of owned objects (security groups, VM groups, documents, …) share on the command line:
 * octal chmod, chown by name or ID, lock levels, the USER/GROUP columns and the PERMISSIONS section of
 * {@code show}. Stateless.
 */
public final class Owned {
    private Owned() {
    }

    public static final Column USER = Column.left("USER", (o, p) -> o.text("UNAME"));
    public static final Column GROUP = Column.left("GROUP", (o, p) -> o.text("GNAME"));

    /** "640" to the nine 0/1 values {@code one.*.chmod} takes after the ID. */
    public static List<Object> chmodBits(String octal) {
        if (!octal.matches("[0-7]{3}")) {
            throw CliException.usage("permissions must be three octal digits such as 640, got '" + octal + "'");
        }
        List<Object> bits = new ArrayList<>(9);
        for (int i = 0; i < 3; i++) {
            int digit = octal.charAt(i) - '0';
            bits.add((digit >> 2) & 1);
            bits.add((digit >> 1) & 1);
            bits.add(digit & 1);
        }
        return bits;
    }

    /** Calls {@code method} (a chmod) on {@code id} with the octal permissions. */
    public static void chmod(Family f, String method, int id, String octal) {
        List<Object> args = new ArrayList<>(10);
        args.add(id);
        args.addAll(chmodBits(octal));
        f.api().call(method, args.toArray());
    }

    /** Calls {@code method} (a chown) with the user and, optionally, group, each an ID or a name. */
    public static void chown(Family f, String method, int id, String user, String group) {
        int uid = user == null || user.equals("-") ? -1 : f.resolve(UserCommand.KIND, user);
        int gid = group == null ? -1 : f.resolve(GroupCommand.KIND, group);
        f.api().call(method, id, uid, gid);
    }

    /** The lock level one.*.lock takes: 1 use, 2 manage, 3 admin, 4 all. */
    public static int lockLevel(String level) {
        return switch (level == null ? "use" : level.toLowerCase(java.util.Locale.ROOT)) {
            case "use" -> 1;
            case "manage" -> 2;
            case "admin" -> 3;
            case "all" -> 4;
            default -> throw CliException.usage("lock level must be use, manage, admin or all, got '" + level + "'");
        };
    }

    public static String lockText(XmlNode o) {
        return switch (o.text("LOCK/LOCKED")) {
            case "" -> "None";
            case "1" -> "Use";
            case "2" -> "Manage";
            case "3" -> "Admin";
            case "4" -> "All";
            default -> o.text("LOCK/LOCKED");
        };
    }

    /** USER, GROUP and the PERMISSIONS section as OpenNebula's show prints them ("um-"). */
    public static void ownership(Detail d, XmlNode o) {
        d.field("USER", o.text("UNAME")).field("GROUP", o.text("GNAME"));
    }

    public static void permissions(Detail d, XmlNode o) {
        d.section("PERMISSIONS");
        for (String who : List.of("OWNER", "GROUP", "OTHER")) {
            String um = (o.text("PERMISSIONS/" + who + "_U").equals("1") ? "u" : "-")
                    + (o.text("PERMISSIONS/" + who + "_M").equals("1") ? "m" : "-")
                    + (o.text("PERMISSIONS/" + who + "_A").equals("1") ? "a" : "-");
            d.field(who, um);
        }
    }
}
