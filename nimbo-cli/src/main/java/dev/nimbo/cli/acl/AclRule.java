package dev.nimbo.cli.acl;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * OpenNebula ACL rules as text ({@code "@1 VM+NET/* CREATE #0"}) and as the four hex numbers the API
 * takes. The text → hex conversion gives the same results (and error messages) as OpenNebula's Ruby
 * {@code Acl.parse_rule}, so rules written for {@code oneacl} mean the same here. Pure functions.
 */
public final class AclRule {
    static final long INDIVIDUAL = 0x100000000L;
    static final long GROUP = 0x200000000L;
    static final long ALL = 0x400000000L;
    static final long CLUSTER = 0x800000000L;

    /** Object types in bit order; the letters are the mask {@code oneacl list} shows for each. */
    enum Resource {
        VM(0x1000000000L, 'V'), HOST(0x2000000000L, 'H'), NET(0x4000000000L, 'N'), IMAGE(0x8000000000L, 'I'),
        USER(0x10000000000L, 'U'), TEMPLATE(0x20000000000L, 'T'), GROUP(0x40000000000L, 'G'),
        DATASTORE(0x100000000000L, 'D'), CLUSTER(0x200000000000L, 'C'), DOCUMENT(0x400000000000L, 'O'),
        ZONE(0x800000000000L, 'Z'), SECGROUP(0x1000000000000L, 'S'), VDC(0x2000000000000L, 'v'),
        VROUTER(0x4000000000000L, 'R'), MARKETPLACE(0x8000000000000L, 'M'), MARKETPLACEAPP(0x10000000000000L, 'A'),
        VMGROUP(0x20000000000000L, 'P'), VNTEMPLATE(0x40000000000000L, 't'), BACKUPJOB(0x100000000000000L, 'B');

        final long bit;
        final char letter;

        Resource(long bit, char letter) {
            this.bit = bit;
            this.letter = letter;
        }
    }

    enum Right {
        USE(0x1, 'u'), MANAGE(0x2, 'm'), ADMIN(0x4, 'a'), CREATE(0x8, 'c');

        final long bit;
        final char letter;

        Right(long bit, char letter) {
            this.bit = bit;
            this.letter = letter;
        }
    }

    /** Header of the resource-mask column, one letter per type as in {@code oneacl list}. */
    public static final String RESOURCE_COLUMN;

    static {
        StringBuilder b = new StringBuilder("RES_");
        for (Resource r : Resource.values()) {
            b.append(r.letter);
        }
        RESOURCE_COLUMN = b.toString();
    }

    private static final Pattern ID = Pattern.compile("[#@%]\\d+|\\*");

    /** The API form of a rule: lower-case hex without prefix; {@code zone} is null when not given. */
    public record Hex(String user, String resource, String rights, String zone) {}

    private AclRule() {}

    /**
     * Converts a rule string with 3 or 4 space-separated components.
     *
     * @throws IllegalArgumentException with every component's error joined by ", "
     */
    public static Hex parse(String rule) {
        String[] parts = rule.trim().isEmpty() ? new String[0] : rule.trim().split("\\s+");
        if (parts.length != 3 && parts.length != 4) {
            throw new IllegalArgumentException("String needs three components: User, Resource, Rights");
        }
        List<String> errors = new ArrayList<>();
        String user = attempt(errors, () -> hex(ids(parts[0])));
        String resource = attempt(errors, () -> hex(resources(parts[1])));
        String rights = attempt(errors, () -> hex(rights(parts[2])));
        String zone = parts.length > 3 ? attempt(errors, () -> hex(ids(parts[3]))) : null;
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", errors));
        }
        return new Hex(user, resource, rights, zone);
    }

    private static String attempt(List<String> errors, java.util.function.Supplier<String> step) {
        try {
            return step.get();
        } catch (IllegalArgumentException e) {
            errors.add(e.getMessage());
            return null;
        }
    }

    private static String hex(long v) {
        return Long.toHexString(v);
    }

    /** {@code #5}, {@code @2}, {@code %1} or {@code *} to its bits plus id. */
    static long ids(String s) {
        if (!ID.matcher(s).matches()) {
            throw new IllegalArgumentException("ID string '" + s + "' malformed");
        }
        if (s.equals("*")) {
            return ALL;
        }
        long flag = switch (s.charAt(0)) {
            case '#' -> INDIVIDUAL;
            case '@' -> GROUP;
            default -> CLUSTER;
        };
        try {
            return Math.addExact(Long.parseLong(s.substring(1)), flag);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("ID string '" + s + "' malformed", e);
        }
    }

    static long resources(String s) {
        String[] halves = s.split("/");
        if (halves.length != 2) {
            throw new IllegalArgumentException("Resource '" + s + "' malformed");
        }
        long v = 0;
        for (String type : plusList(halves[0])) {
            v += resource(type).bit; // a repeated type adds twice, as in the Ruby client
        }
        return v + ids(halves[1]);
    }

    private static Resource resource(String type) {
        for (Resource r : Resource.values()) {
            if (r.name().equals(type.toUpperCase(Locale.ROOT))) {
                return r;
            }
        }
        throw new IllegalArgumentException("Resource '" + type + "' does not exist");
    }

    static long rights(String s) {
        long v = 0;
        for (String right : plusList(s)) {
            Right r = null;
            for (Right candidate : Right.values()) {
                if (candidate.name().equals(right.toUpperCase(Locale.ROOT))) {
                    r = candidate;
                }
            }
            if (r == null) {
                throw new IllegalArgumentException("Right '" + right + "' does not exist");
            }
            v += r.bit;
        }
        return v;
    }

    // Ruby's split: "" gives no items and trailing empty items are dropped (Java's split keeps "" for "")
    private static List<String> plusList(String s) {
        return s.isEmpty() ? List.of() : List.of(s.split("\\+"));
    }

    /** True when every argument is a hex number, i.e. the rule is given in API form. */
    public static boolean isHex(List<String> args) {
        return args.stream().allMatch(a -> a.matches("(?i)(0x)?[0-9a-f]+"));
    }

    /** Normalizes a user-given hex component (drops 0x, lower-case). */
    public static String normalizeHex(String s) {
        String t = s.toLowerCase(Locale.ROOT);
        return t.startsWith("0x") ? t.substring(2) : t;
    }

    /** The rule string for hex components (used when a server omits STRING). */
    public static String toText(long user, long resource, long rights, long zone) {
        StringBuilder b = new StringBuilder(idText(user, false)).append(' ');
        List<String> types = new ArrayList<>();
        for (Resource r : Resource.values()) {
            if ((resource & r.bit) != 0) {
                types.add(r.name());
            }
        }
        b.append(String.join("+", types)).append('/').append(idText(resource, true)).append(' ');
        List<String> ops = new ArrayList<>();
        for (Right r : Right.values()) {
            if ((rights & r.bit) != 0) {
                ops.add(r.name());
            }
        }
        b.append(String.join("+", ops)).append(' ').append(idText(zone, false));
        return b.toString();
    }

    private static String idText(long v, boolean clusterAllowed) {
        long id = v & 0xFFFFFFFFL;
        if ((v & GROUP) != 0) {
            return "@" + id;
        }
        if ((v & INDIVIDUAL) != 0) {
            return "#" + id;
        }
        if (clusterAllowed && (v & CLUSTER) != 0) {
            return "%" + id;
        }
        return (v & ALL) != 0 ? "*" : "??";
    }

    /** {@code "VM+NET/*"} → {@code "V-N----------------"}: one position per type as oneacl shows. */
    public static String resourceMask(String resourcePart) {
        char[] mask = "-".repeat(Resource.values().length).toCharArray();
        String types = resourcePart.split("/", -1)[0];
        for (String t : plusList(types)) {
            for (Resource r : Resource.values()) {
                if (r.name().equals(t)) {
                    mask[r.ordinal()] = r.letter;
                }
            }
        }
        return new String(mask);
    }

    /** {@code "USE+CREATE"} → {@code "u--c"}. */
    public static String rightsMask(String rightsPart) {
        char[] mask = "----".toCharArray();
        for (String t : plusList(rightsPart)) {
            for (Right r : Right.values()) {
                if (r.name().equals(t)) {
                    mask[r.ordinal()] = r.letter;
                }
            }
        }
        return new String(mask);
    }
}
