package dev.nimbo.cli.template;

import dev.nimbo.cli.CliException;
import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.group.GroupCommand;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.output.Times;
import dev.nimbo.cli.user.UserCommand;
import dev.nimbo.cli.xml.XmlNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The verbs owned objects share in the network and template families: rename, chmod with an octal mode,
 * chown, chgrp, lock and unlock, and the ownership lines of their show views. Stateless.
 */
public final class OwnerVerbs {
    private static final String[] BITS = {"OWNER_U", "OWNER_M", "OWNER_A", "GROUP_U", "GROUP_M", "GROUP_A", "OTHER_U",
        "OTHER_M", "OTHER_A"};

    private OwnerVerbs() {
    }

    /** "640" → one.*.chmod's parameters after the ID: owner u/m/a, group u/m/a, other u/m/a as 0/1. */
    public static List<Object> chmodBits(String octal) {
        if (!octal.matches("[0-7]{3}")) {
            throw CliException.usage("permissions must be three octal digits like 640, got '" + octal + "'");
        }
        List<Object> out = new ArrayList<>(9);
        for (int i = 0; i < 3; i++) {
            int d = octal.charAt(i) - '0';
            out.add((d & 4) != 0 ? 1 : 0);
            out.add((d & 2) != 0 ? 1 : 0);
            out.add((d & 1) != 0 ? 1 : 0);
        }
        return out;
    }

    /** prefix.chmod(id, nine bits, extra…). */
    public static int chmod(Family f, String prefix, Kind kind, String object, String octal, Object... extra) {
        List<Object> params = new ArrayList<>();
        params.add(f.resolve(kind, object));
        params.addAll(chmodBits(octal));
        params.addAll(List.of(extra));
        f.api().call(prefix + ".chmod", params.toArray());
        return ExitCodes.OK;
    }

    /** prefix.chown to USER (and GROUP when given; -1 keeps the group). */
    public static int chown(Family f, String prefix, Kind kind, String object, String user, String group) {
        int id = f.resolve(kind, object);
        int uid = f.resolve(UserCommand.KIND, user);
        int gid = group == null ? -1 : f.resolve(GroupCommand.KIND, group);
        f.api().call(prefix + ".chown", id, uid, gid);
        return ExitCodes.OK;
    }

    public static int chgrp(Family f, String prefix, Kind kind, String object, String group) {
        f.api().call(prefix + ".chown", f.resolve(kind, object), -1, f.resolve(GroupCommand.KIND, group));
        return ExitCodes.OK;
    }

    public static int rename(Family f, String prefix, Kind kind, String object, String name) {
        f.api().call(prefix + ".rename", f.resolve(kind, object), name);
        return ExitCodes.OK;
    }

    /** Lock levels by name: use (1, blocks everything), manage (2), admin (3), all (4). */
    public static int lock(Family f, String prefix, Kind kind, String object, String level) {
        int l = switch (level == null ? "use" : level.toLowerCase(Locale.ROOT)) {
            case "use", "1" -> 1;
            case "manage", "2" -> 2;
            case "admin", "3" -> 3;
            case "all", "4" -> 4;
            default -> throw CliException.usage("lock level must be use, manage, admin or all, got '" + level + "'");
        };
        f.api().call(prefix + ".lock", f.resolve(kind, object), l, false);
        return ExitCodes.OK;
    }

    public static int unlock(Family f, String prefix, Kind kind, String object) {
        f.api().call(prefix + ".unlock", f.resolve(kind, object));
        return ExitCodes.OK;
    }

    /** "um-" style: use, manage, admin letters for owner, group and other. */
    public static String permissions(XmlNode doc) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            if (i > 0 && i % 3 == 0) {
                b.append(' ');
            }
            b.append(doc.text("PERMISSIONS/" + BITS[i]).equals("1") ? "uma".charAt(i % 3) : '-');
        }
        return b.toString();
    }

    /** The ID, NAME, USER, GROUP, LOCK and PERMISSIONS lines of a show view. */
    public static void ownerFields(Detail d, XmlNode doc) {
        d.field("ID", doc.text("ID")).field("NAME", doc.text("NAME")).field("USER", doc.text("UNAME"))
                .field("GROUP", doc.text("GNAME"));
        String lock = doc.text("LOCK/LOCKED");
        d.field("LOCK", lock.isEmpty() ? "None" : switch (lock) {
            case "1" -> "Use";
            case "2" -> "Manage";
            case "3" -> "Admin";
            default -> lock;
        });
        d.field("PERMISSIONS", permissions(doc));
    }

    public static String registered(XmlNode doc, Instant now) {
        long t;
        try {
            t = Long.parseLong(doc.text("REGTIME"));
        } catch (NumberFormatException e) {
            t = 0;
        }
        return Times.relative(t, now);
    }
}
