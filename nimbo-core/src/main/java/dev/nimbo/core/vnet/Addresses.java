package dev.nimbo.core.vnet;

import java.util.Locale;

/**
 * Parsing and printing of the addresses address ranges hand out, with OpenNebula's rules: a MAC is six
 * colon-separated hex octets (ff:ff:ff:ff:ff:ff refused), an IPv4 address four dotted decimals, IPv6 as
 * inet_pton reads and inet_ntop prints it. SLAAC addresses put the MAC's EUI-64 interface ID after a /64
 * prefix. MACs are 48-bit longs, IPv4 addresses 32-bit longs, IPv6 addresses two longs (high, low).
 * Pure functions; thread-safe.
 */
public final class Addresses {

    /** OpenNebula's default MAC_PREFIX "02:00": the first two octets of generated MACs. */
    public static final int DEFAULT_MAC_PREFIX = 0x0200;
    /** The highest 48-bit value; OpenNebula refuses the broadcast MAC. */
    public static final long MAC_MAX = 0xFFFF_FFFF_FFFFL;
    /** fe80::/64, the link-local prefix (high 64 bits). */
    public static final long LINK_LOCAL_PREFIX = 0xFE80_0000_0000_0000L;

    private Addresses() {
    }

    // ------------------------------------------------------------------ MAC

    /** The MAC as a 48-bit number, or -1 when the text is not a MAC OpenNebula accepts. */
    public static long parseMac(String text) {
        if (text == null) {
            return -1;
        }
        String s = text.strip();
        String[] octets = s.split(":", -1);
        if (octets.length != 6) {
            return -1;
        }
        long v = 0;
        for (String o : octets) {
            if (o.isEmpty() || o.length() > 2) {
                return -1;
            }
            int b = 0;
            for (int i = 0; i < o.length(); i++) {
                int d = Character.digit(o.charAt(i), 16);
                if (d < 0) {
                    return -1;
                }
                b = b * 16 + d;
            }
            v = (v << 8) | b;
        }
        return v == MAC_MAX ? -1 : v;
    }

    /** "02:00:0a:00:00:01": lower-case, two digits per octet. */
    public static String formatMac(long mac) {
        StringBuilder b = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int octet = (int) ((mac >>> shift) & 0xFF);
            b.append(Character.forDigit(octet >> 4, 16)).append(Character.forDigit(octet & 0xF, 16));
            if (shift > 0) {
                b.append(':');
            }
        }
        return b.toString();
    }

    /** Whether the group (multicast) bit of the first octet is set: such a MAC cannot be a NIC's. */
    public static boolean isMulticastMac(long mac) {
        return ((mac >>> 40) & 0x01) != 0;
    }

    /** The first two octets of a MAC_PREFIX such as "02:00", or -1. */
    public static int parseMacPrefix(String text) {
        long v = parseMac(text + ":00:00:00:00");
        return v < 0 ? -1 : (int) (v >>> 32);
    }

    // ------------------------------------------------------------------ IPv4

    /** The IPv4 address as an unsigned 32-bit number, or -1. Accepts only "a.b.c.d" with 0..255 each. */
    public static long parseIp4(String text) {
        if (text == null) {
            return -1;
        }
        String s = text.strip();
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return -1;
        }
        long v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3) {
                return -1;
            }
            int n = 0;
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                n = n * 10 + (c - '0');
            }
            if (n > 255) {
                return -1;
            }
            v = (v << 8) | n;
        }
        return v;
    }

    public static String formatIp4(long ip) {
        return ((ip >>> 24) & 0xFF) + "." + ((ip >>> 16) & 0xFF) + "." + ((ip >>> 8) & 0xFF) + "." + (ip & 0xFF);
    }

    // ------------------------------------------------------------------ IPv6

    /** An IPv6 address as two 64-bit halves. */
    public record Ip6(long high, long low) {
        /** This address plus {@code n} in the low half (ranges never cross the /64 boundary). */
        public Ip6 plus(long n) {
            return new Ip6(high, low + n);
        }

        @Override
        public String toString() {
            return formatIp6(high, low);
        }
    }

    /** The address, or null when inet_pton would refuse it (no zone IDs, no prefix lengths). */
    public static Ip6 parseIp6(String text) {
        if (text == null) {
            return null;
        }
        String s = text.strip();
        if (s.isEmpty() || s.length() > 45) {
            return null;
        }
        int[] words = new int[8];
        int count = 0;
        int gap = -1;
        int i = 0;
        int n = s.length();
        if (s.startsWith("::")) {
            gap = 0;
            i = 2;
            if (i == n) {
                return new Ip6(0, 0);
            }
        } else if (s.charAt(0) == ':') {
            return null;
        }
        while (i < n) {
            int start = i;
            while (i < n && s.charAt(i) != ':' && s.charAt(i) != '.') {
                i++;
            }
            if (i < n && s.charAt(i) == '.') {
                // trailing dotted IPv4: takes two words and ends the address
                long v4 = parseIp4(s.substring(start));
                if (v4 < 0 || count > 6) {
                    return null;
                }
                words[count++] = (int) (v4 >>> 16);
                words[count++] = (int) (v4 & 0xFFFF);
                i = n;
                break;
            }
            String group = s.substring(start, i);
            if (group.isEmpty() || group.length() > 4 || count >= 8) {
                return null;
            }
            int w = 0;
            for (int k = 0; k < group.length(); k++) {
                int d = Character.digit(group.charAt(k), 16);
                if (d < 0) {
                    return null;
                }
                w = w * 16 + d;
            }
            words[count++] = w;
            if (i == n) {
                break;
            }
            i++; // the ':'
            if (i < n && s.charAt(i) == ':') {
                if (gap >= 0) {
                    return null;
                }
                gap = count;
                i++;
                if (i == n) {
                    break;
                }
            } else if (i == n) {
                return null; // trailing single ':'
            }
        }
        if (gap < 0 && count != 8) {
            return null;
        }
        if (gap >= 0) {
            if (count == 8) {
                return null;
            }
            int tail = count - gap;
            int[] full = new int[8];
            System.arraycopy(words, 0, full, 0, gap);
            System.arraycopy(words, gap, full, 8 - tail, tail);
            words = full;
        }
        long hi = 0;
        long lo = 0;
        for (int k = 0; k < 4; k++) {
            hi = (hi << 16) | words[k];
            lo = (lo << 16) | words[k + 4];
        }
        return new Ip6(hi, lo);
    }

    /** The high 64 bits of a /64 prefix such as "2001:db8::" (the low bits must be zero), or null. */
    public static Long parsePrefix64(String text) {
        Ip6 ip = parseIp6(text);
        return ip == null ? null : ip.high();
    }

    /** As glibc's inet_ntop: lower-case, the longest run of two or more zero words as "::", v4 tails. */
    public static String formatIp6(long high, long low) {
        int[] w = new int[8];
        for (int k = 0; k < 4; k++) {
            w[k] = (int) ((high >>> (48 - 16 * k)) & 0xFFFF);
            w[k + 4] = (int) ((low >>> (48 - 16 * k)) & 0xFFFF);
        }
        int bestBase = -1;
        int bestLen = 0;
        int curBase = -1;
        int curLen = 0;
        for (int k = 0; k < 8; k++) {
            if (w[k] == 0) {
                if (curBase < 0) {
                    curBase = k;
                    curLen = 1;
                } else {
                    curLen++;
                }
            } else if (curBase >= 0) {
                if (curLen > bestLen) {
                    bestBase = curBase;
                    bestLen = curLen;
                }
                curBase = -1;
            }
        }
        if (curBase >= 0 && curLen > bestLen) {
            bestBase = curBase;
            bestLen = curLen;
        }
        if (bestLen < 2) {
            bestBase = -1;
        }
        StringBuilder b = new StringBuilder(40);
        for (int k = 0; k < 8; k++) {
            if (bestBase >= 0 && k >= bestBase && k < bestBase + bestLen) {
                if (k == bestBase) {
                    b.append(':');
                }
                continue;
            }
            if (k != 0) {
                b.append(':');
            }
            if (k == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xFFFF))) {
                b.append(formatIp4(low & 0xFFFF_FFFFL));
                return b.toString();
            }
            b.append(Integer.toHexString(w[k]));
        }
        if (bestBase >= 0 && bestBase + bestLen == 8) {
            b.append(':');
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }

    /**
     * The modified EUI-64 interface identifier of a MAC (RFC 4291): the universal/local bit flipped and
     * ff:fe inserted in the middle, as OpenNebula derives SLAAC addresses.
     */
    public static long eui64(long mac) {
        long upper = (mac >>> 24) & 0xFF_FFFFL;
        long lower = mac & 0xFF_FFFFL;
        upper ^= 0x02_0000L;
        return (upper << 40) | (0xFFFEL << 24) | lower;
    }

    /** The SLAAC address of a MAC under a /64 prefix (given as its high 64 bits). */
    public static Ip6 slaac(long prefixHigh, long mac) {
        return new Ip6(prefixHigh, eui64(mac));
    }
}
