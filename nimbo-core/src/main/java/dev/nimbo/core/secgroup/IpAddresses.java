package dev.nimbo.core.secgroup;

/**
 * Literal IP address checks with the strictness of inet_pton (no host names, no DNS, no zone IDs): IPv4 as four
 * decimal octets, IPv6 as up to eight hex groups with one optional "::" and an optional dotted IPv4 tail.
 */
public final class IpAddresses {
    private IpAddresses() {
    }

    public static boolean isIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3) {
                return false;
            }
            for (int i = 0; i < p.length(); i++) {
                if (p.charAt(i) < '0' || p.charAt(i) > '9') {
                    return false;
                }
            }
            if (p.length() > 1 && p.charAt(0) == '0') {
                return false; // inet_pton refuses octal-looking octets
            }
            if (Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    public static boolean isIpv6(String s) {
        if (s.isEmpty() || s.length() > 45) {
            return false;
        }
        int doubleColon = s.indexOf("::");
        if (doubleColon >= 0 && s.indexOf("::", doubleColon + 1) >= 0) {
            return false;
        }
        String head = doubleColon >= 0 ? s.substring(0, doubleColon) : s;
        String tail = doubleColon >= 0 ? s.substring(doubleColon + 2) : "";
        int groups = 0;
        String[] sections = doubleColon >= 0 ? new String[] {head, tail} : new String[] {head};
        for (int sec = 0; sec < sections.length; sec++) {
            String part = sections[sec];
            if (part.isEmpty()) {
                if (doubleColon < 0) {
                    return false;
                }
                continue;
            }
            String[] pieces = part.split(":", -1);
            for (int i = 0; i < pieces.length; i++) {
                String g = pieces[i];
                boolean last = sec == sections.length - 1 && i == pieces.length - 1;
                if (last && g.contains(".")) {
                    if (!isIpv4(g)) {
                        return false;
                    }
                    groups += 2;
                    continue;
                }
                if (g.isEmpty() || g.length() > 4 || !hex(g)) {
                    return false;
                }
                groups++;
            }
        }
        return doubleColon >= 0 ? groups <= 7 : groups == 8;
    }

    private static boolean hex(String g) {
        for (int i = 0; i < g.length(); i++) {
            if (Character.digit(g.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }
}
