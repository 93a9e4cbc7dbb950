package dev.nimbo.core.obj;

import dev.nimbo.core.xml.XmlWriter;
import dev.nimbo.core.xml.XmlNode;

/**
 * Owner/group/other × use/manage/admin bits, kept as the octal number `chmod` uses (e.g. 0640 means
 * owner use+manage, group use). Immutable.
 */
public record Permissions(int octal) {

    public static final int USE = 4;
    public static final int MANAGE = 2;
    public static final int ADMIN = 1;

    public Permissions {
        if (octal < 0 || octal > 0777) {
            throw new IllegalArgumentException("permissions out of range: " + Integer.toOctalString(octal));
        }
    }

    /** Parses "640" style octal strings. */
    public static Permissions parse(String octalDigits) {
        if (!octalDigits.matches("[0-7]{3}")) {
            throw new IllegalArgumentException("permissions must be three octal digits, got '" + octalDigits + "'");
        }
        return new Permissions(Integer.parseInt(octalDigits, 8));
    }

    public int owner() {
        return (octal >> 6) & 7;
    }

    public int group() {
        return (octal >> 3) & 7;
    }

    public int other() {
        return octal & 7;
    }

    /**
     * Applies OpenNebula's chmod argument list: nine values in the order owner u/m/a, group u/m/a,
     * other u/m/a, each 1 (set), 0 (clear) or -1 (leave as is).
     */
    public Permissions chmod(int[] nine) {
        if (nine.length != 9) {
            throw new IllegalArgumentException("chmod needs nine values");
        }
        int result = octal;
        for (int i = 0; i < 9; i++) {
            int v = nine[i];
            if (v == -1) {
                continue;
            }
            if (v != 0 && v != 1) {
                throw new IllegalArgumentException("chmod values must be -1, 0 or 1, got " + v);
            }
            int bit = 1 << (8 - i);
            result = v == 1 ? (result | bit) : (result & ~bit);
        }
        return new Permissions(result);
    }

    public boolean bit(int index) {
        return ((octal >> (8 - index)) & 1) == 1;
    }

    public void writeXml(XmlWriter w) {
        w.open("PERMISSIONS");
        String[] names = {"OWNER_U", "OWNER_M", "OWNER_A", "GROUP_U", "GROUP_M", "GROUP_A", "OTHER_U", "OTHER_M", "OTHER_A"};
        for (int i = 0; i < 9; i++) {
            w.element(names[i], bit(i) ? 1 : 0);
        }
        w.close("PERMISSIONS");
    }

    public static Permissions fromXml(XmlNode perms) {
        if (perms == null) {
            return new Permissions(0);
        }
        String[] names = {"OWNER_U", "OWNER_M", "OWNER_A", "GROUP_U", "GROUP_M", "GROUP_A", "OTHER_U", "OTHER_M", "OTHER_A"};
        int v = 0;
        for (int i = 0; i < 9; i++) {
            if (perms.integer(names[i], 0) == 1) {
                v |= 1 << (8 - i);
            }
        }
        return new Permissions(v);
    }

    @Override
    public String toString() {
        return String.format("%03o", octal);
    }
}
