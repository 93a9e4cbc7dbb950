package dev.nimbo.cli.datastore;

import dev.nimbo.cli.CliException;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.group.GroupCommand;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.user.UserCommand;
import dev.nimbo.cli.xml.XmlNode;

/**
 * The owner verbs datastores and images share: chmod with an octal mode, chown to a user (and group), chgrp;
 * and the PERMISSIONS section of their show views. Stateless.
 */
public final class Ownership {
    private static final String[] BITS = {"OWNER_U", "OWNER_M", "OWNER_A", "GROUP_U", "GROUP_M", "GROUP_A", "OTHER_U",
        "OTHER_M", "OTHER_A"};

    private Ownership() {
    }

    /** "640" → the nine 0/1 values one.*.chmod takes (owner u/m/a, group u/m/a, other u/m/a). */
    public static Object[] chmodBits(String octal) {
        if (!octal.matches("[0-7]{3}")) {
            throw CliException.usage("permissions must be three octal digits like 640, got '" + octal + "'");
        }
        Object[] out = new Object[9];
        for (int i = 0; i < 3; i++) {
            int d = octal.charAt(i) - '0';
            out[i * 3] = (d & 4) != 0 ? 1 : 0;
            out[i * 3 + 1] = (d & 2) != 0 ? 1 : 0;
            out[i * 3 + 2] = (d & 1) != 0 ? 1 : 0;
        }
        return out;
    }

    public static void chmod(Family f, String method, int id, String octal) {
        Object[] bits = chmodBits(octal);
        Object[] params = new Object[10];
        params[0] = id;
        System.arraycopy(bits, 0, params, 1, 9);
        f.api().call(method, params);
    }

    /** chown to USER (and GROUP when given; -1 keeps it). */
    public static void chown(Family f, String method, Kind kind, String object, String user, String group) {
        int id = f.resolve(kind, object);
        int uid = f.resolve(UserCommand.KIND, user);
        int gid = group == null ? -1 : f.resolve(GroupCommand.KIND, group);
        f.api().call(method, id, uid, gid);
    }

    public static void chgrp(Family f, String method, Kind kind, String object, String group) {
        f.api().call(method, f.resolve(kind, object), -1, f.resolve(GroupCommand.KIND, group));
    }

    /** OWNER/GROUP/OTHER lines as OpenNebula's show: "um-" for use+manage. */
    public static void permissions(Detail d, XmlNode doc) {
        XmlNode p = doc.at("PERMISSIONS");
        d.section("PERMISSIONS");
        String[] who = {"OWNER", "GROUP", "OTHER"};
        for (int i = 0; i < 3; i++) {
            StringBuilder s = new StringBuilder();
            s.append(bit(p, BITS[i * 3]) ? 'u' : '-').append(bit(p, BITS[i * 3 + 1]) ? 'm' : '-')
                    .append(bit(p, BITS[i * 3 + 2]) ? 'a' : '-');
            d.field(who[i], s.toString());
        }
    }

    private static boolean bit(XmlNode perms, String name) {
        return perms != null && perms.text(name).equals("1");
    }
}
