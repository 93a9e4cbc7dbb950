package dev.nimbo.core.auth;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One ACL rule in OpenNebula's model: four 64-bit values. {@code user}, {@code resource} and {@code zone}
 * keep a selector flag (individual #, group @, all *, cluster %) in bits 32-35 and an ID in the low 32
 * bits; {@code resource} also holds object-type bits from bit 36 up; {@code rights} holds
 * {@link Right} bits. Also a {@link PoolObject} of type ACL, so rules are stored and replicated like any
 * object. Immutable; the canonical constructor does not validate (stored rules load as they are), the
 * factories {@link #parse} and {@link #fromHex} do.
 */
public record AclRule(int id, long user, long resource, long rights, long zone) implements PoolObject {

    public static final long INDIVIDUAL_ID = 0x0000000100000000L;
    public static final long GROUP_ID = 0x0000000200000000L;
    public static final long ALL_ID = 0x0000000400000000L;
    public static final long CLUSTER_ID = 0x0000000800000000L;

    static final long ID_MASK = 0x00000000FFFFFFFFL;
    static final long SELECTOR_MASK = 0x0000000F00000000L;
    static final long TYPE_MASK = 0xFFFFFFF000000000L;
    /** Resource bits no rule may carry: unknown types, HOOK and OpenNebula's scheduled actions. */
    private static final long FORBIDDEN_RESOURCE_BITS = 0xFE80000000000000L;

    private static final Permissions NO_PERMISSIONS = new Permissions(0);

    /** The types a rule string can name, in the order OpenNebula prints them (ACL and HOOK are absent). */
    static final List<ObjectType> STRING_TYPES = List.of(
            ObjectType.VM, ObjectType.HOST, ObjectType.NET, ObjectType.IMAGE, ObjectType.USER,
            ObjectType.TEMPLATE, ObjectType.GROUP, ObjectType.DATASTORE, ObjectType.CLUSTER,
            ObjectType.DOCUMENT, ObjectType.ZONE, ObjectType.SECGROUP, ObjectType.VDC, ObjectType.VROUTER,
            ObjectType.MARKETPLACE, ObjectType.MARKETPLACEAPP, ObjectType.VMGROUP, ObjectType.VNTEMPLATE,
            ObjectType.BACKUPJOB);

    private static final long INVALID_CLUSTER_TYPES = bits(ObjectType.VM, ObjectType.IMAGE, ObjectType.USER,
            ObjectType.TEMPLATE, ObjectType.GROUP, ObjectType.ACL, ObjectType.CLUSTER, ObjectType.DOCUMENT,
            ObjectType.ZONE, ObjectType.SECGROUP, ObjectType.VDC, ObjectType.VROUTER, ObjectType.MARKETPLACE,
            ObjectType.MARKETPLACEAPP, ObjectType.VMGROUP, ObjectType.VNTEMPLATE);
    private static final long INVALID_GROUP_TYPES = bits(ObjectType.HOST, ObjectType.GROUP, ObjectType.CLUSTER,
            ObjectType.ZONE, ObjectType.VDC);
    /** Types shared by all zones of a federation: the only ones a #id resource may name in every zone. */
    private static final long FEDERATED_TYPES = bits(ObjectType.USER, ObjectType.GROUP, ObjectType.ZONE,
            ObjectType.ACL, ObjectType.VDC);

    // ---------------------------------------------------------------- PoolObject

    @Override
    public ObjectType type() {
        return ObjectType.ACL;
    }

    @Override
    public String name() {
        return "";
    }

    @Override
    public int uid() {
        return 0;
    }

    @Override
    public int gid() {
        return 0;
    }

    @Override
    public Permissions permissions() {
        return NO_PERMISSIONS;
    }

    // ---------------------------------------------------------------- parts

    /** The low 32 bits of {@code user}, as a signed int (as OpenNebula reads them). */
    public int userId() {
        return (int) user;
    }

    public int resourceId() {
        return (int) resource;
    }

    public int zoneId() {
        return (int) zone;
    }

    public AclRule withId(int newId) {
        return new AclRule(newId, user, resource, rights, zone);
    }

    /** Same user, resource, rights and zone; the ID does not count (addrule refuses such duplicates). */
    public boolean sameRuleAs(AclRule other) {
        return other != null && user == other.user && resource == other.resource && rights == other.rights
                && zone == other.zone;
    }

    // ---------------------------------------------------------------- string form

    /** OpenNebula's human form, exactly as oned prints it in {@code <STRING>}, e.g. "@1 VM+IMAGE/* CREATE *". */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(48);
        if ((user & GROUP_ID) != 0) {
            b.append('@').append(userId());
        } else if ((user & INDIVIDUAL_ID) != 0) {
            b.append('#').append(userId());
        } else if ((user & ALL_ID) != 0) {
            b.append('*');
        } else {
            b.append("??");
        }
        b.append(' ');
        boolean first = true;
        for (ObjectType t : STRING_TYPES) {
            if ((resource & t.aclBit()) != 0) {
                if (!first) {
                    b.append('+');
                }
                b.append(t.name());
                first = false;
            }
        }
        b.append('/');
        if ((resource & GROUP_ID) != 0) {
            b.append('@').append(resourceId());
        } else if ((resource & INDIVIDUAL_ID) != 0) {
            b.append('#').append(resourceId());
        } else if ((resource & CLUSTER_ID) != 0) {
            b.append('%').append(resourceId());
        } else if ((resource & ALL_ID) != 0) {
            b.append('*');
        } else {
            b.append("??");
        }
        b.append(' ');
        first = true;
        for (Right r : Right.values()) {
            if ((rights & r.bit()) != 0) {
                if (!first) {
                    b.append('+');
                }
                b.append(r.name());
                first = false;
            }
        }
        b.append(' ');
        if ((zone & INDIVIDUAL_ID) != 0) {
            b.append('#').append(zoneId());
        } else if ((zone & ALL_ID) != 0) {
            b.append('*');
        } else {
            b.append("??");
        }
        return b.toString();
    }

    /**
     * Parses the form {@code oneacl create} accepts: "USER RESOURCES/ID RIGHTS [ZONE]", e.g.
     * "#3 HOST/%100 MANAGE" or "* ZONE/* USE *"; names are case-insensitive, without a zone the rule
     * applies in {@code localZoneId}. Syntax errors carry the OpenNebula CLI's messages; a rule that parses
     * but is invalid fails as {@link #fromHex} does. Both are INTERNAL errors, the code oned gives any
     * rule it refuses.
     */
    public static AclRule parse(int id, String rule, int localZoneId) {
        String[] parts = rule == null ? new String[0] : rule.strip().split("\\s+");
        if (parts.length != 3 && parts.length != 4) {
            throw new ApiException(ErrorCode.INTERNAL, "String needs three components: User, Resource, Rights");
        }
        List<String> errors = new ArrayList<>(4);
        long u = 0;
        long res = 0;
        long r = 0;
        long z = INDIVIDUAL_ID | localZoneId;
        try {
            u = selector(parts[0]);
        } catch (IllegalArgumentException e) {
            errors.add(e.getMessage());
        }
        try {
            res = resources(parts[1]);
        } catch (IllegalArgumentException e) {
            errors.add(e.getMessage());
        }
        try {
            r = rightsOf(parts[2]);
        } catch (IllegalArgumentException e) {
            errors.add(e.getMessage());
        }
        if (parts.length == 4) {
            try {
                z = selector(parts[3]);
            } catch (IllegalArgumentException e) {
                errors.add(e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new ApiException(ErrorCode.INTERNAL, String.join(", ", errors));
        }
        return validated(new AclRule(id, u, res, r, z));
    }

    /** "#5", "@1", "%100" or "*" to its flag and ID. */
    private static long selector(String s) {
        if (s.equals("*")) {
            return ALL_ID;
        }
        if (s.length() >= 2 && "#@%".indexOf(s.charAt(0)) >= 0 && allDigits(s, 1)) {
            long flag = switch (s.charAt(0)) {
                case '#' -> INDIVIDUAL_ID;
                case '@' -> GROUP_ID;
                default -> CLUSTER_ID;
            };
            // IDs past 2^31-1 would spill into the flag bits; refuse them as malformed.
            if (s.length() - 1 <= 10) {
                long v = Long.parseLong(s.substring(1));
                if (v <= Integer.MAX_VALUE) {
                    return flag | v;
                }
            }
        }
        throw new IllegalArgumentException("ID string '" + s + "' malformed");
    }

    private static boolean allDigits(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static long resources(String s) {
        String[] halves = s.split("/");
        if (halves.length != 2) {
            throw new IllegalArgumentException("Resource '" + rubyArray(halves) + "' malformed");
        }
        long v = 0;
        if (!halves[0].isEmpty()) {
            for (String name : halves[0].split("\\+")) {
                ObjectType t = stringType(name);
                if (t == null) {
                    throw new IllegalArgumentException("Resource '" + name + "' does not exist");
                }
                v |= t.aclBit();
            }
        }
        return v | selector(halves[1]);
    }

    /** The CLI prints the split pieces the way Ruby shows an array. */
    private static String rubyArray(String[] pieces) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < pieces.length; i++) {
            b.append(i == 0 ? "" : ", ").append('"').append(pieces[i]).append('"');
        }
        return b.append(']').toString();
    }

    private static ObjectType stringType(String name) {
        String up = name.toUpperCase(Locale.ROOT);
        for (ObjectType t : STRING_TYPES) {
            if (t.name().equals(up)) {
                return t;
            }
        }
        return null;
    }

    private static long rightsOf(String s) {
        long v = 0;
        for (String name : s.split("\\+")) {
            Right found = null;
            for (Right r : Right.values()) {
                if (r.name().equals(name.toUpperCase(Locale.ROOT))) {
                    found = r;
                }
            }
            if (found == null) {
                throw new IllegalArgumentException("Right '" + name + "' does not exist");
            }
            v |= found.bit();
        }
        return v;
    }

    // ---------------------------------------------------------------- hex form (one.acl.addrule)

    /** As {@link #fromHex(int, String, String, String, String, int)} with local zone 0. */
    public static AclRule fromHex(int id, String user, String resource, String rights, String zone) {
        return fromHex(id, user, resource, rights, zone, 0);
    }

    /**
     * From the hex strings one.acl.addrule receives ("0x100000001" or "100000001"); a missing or empty
     * zone means the local zone. Read like oned's stream parsing: leading hex digits count, text after
     * them is ignored, no digits reads as 0. An invalid rule fails with INTERNAL and
     * "Rule STRING is malformed: REASONS", oned's message.
     */
    public static AclRule fromHex(int id, String user, String resource, String rights, String zone, int localZoneId) {
        long z = zone == null || zone.isEmpty() ? INDIVIDUAL_ID | localZoneId : readHex(zone);
        return validated(new AclRule(id, readHex(user), readHex(resource), readHex(rights), z));
    }

    /** C++ {@code iss >> hex >> (long long)}: optional sign and 0x, digits, saturating on overflow. */
    static long readHex(String s) {
        if (s == null) {
            return 0;
        }
        int i = 0;
        int n = s.length();
        while (i < n && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        if (i + 1 < n && s.charAt(i) == '0' && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')
                && i + 2 < n && Character.digit(s.charAt(i + 2), 16) >= 0) {
            i += 2;
        }
        long magnitude = 0;
        boolean overflow = false;
        int digits = 0;
        for (; i < n; i++) {
            int d = Character.digit(s.charAt(i), 16);
            if (d < 0) {
                break;
            }
            digits++;
            if (Long.compareUnsigned(magnitude, 0x0FFFFFFFFFFFFFFFL) > 0) {
                overflow = true;
            }
            magnitude = (magnitude << 4) | d;
        }
        if (digits == 0) {
            return 0;
        }
        if (negative) {
            return overflow || Long.compareUnsigned(magnitude, Long.MIN_VALUE) > 0 ? Long.MIN_VALUE : -magnitude;
        }
        return overflow || magnitude < 0 ? Long.MAX_VALUE : magnitude;
    }

    /** The rule itself, or INTERNAL "Rule … is malformed: …" as oned's add_rule answers. */
    public static AclRule validated(AclRule rule) {
        String problems = rule.problems();
        if (problems != null) {
            throw new ApiException(ErrorCode.INTERNAL, "Rule " + rule + " is malformed: " + problems);
        }
        return rule;
    }

    /** What is wrong with the rule (OpenNebula's checks and wording, joined by "; "), or null when valid. */
    public String problems() {
        List<String> p = new ArrayList<>();
        checkUser(p);
        checkResource(p);
        if (rights == 0) {
            p.add("wrong [rights], it cannot be 0");
        }
        // Unsigned: a negative value would carry unknown bits too.
        if (Long.compareUnsigned(rights, 0xFL) > 0) {
            p.add("wrong [rights], it cannot be bigger than 0xF");
        }
        checkZone(p);
        return p.isEmpty() ? null : String.join("; ", p);
    }

    private void checkUser(List<String> p) {
        boolean ind = (user & INDIVIDUAL_ID) != 0;
        boolean grp = (user & GROUP_ID) != 0;
        boolean all = (user & ALL_ID) != 0;
        if (ind && grp) {
            p.add("[user] INDIVIDUAL (#) and GROUP (@) bits are exclusive");
        }
        if (ind && all) {
            p.add("[user] INDIVIDUAL (#) and ALL (*) bits are exclusive");
        }
        if (grp && all) {
            p.add("[user] GROUP (@) and ALL (*) bits are exclusive");
        }
        if ((user & (INDIVIDUAL_ID | GROUP_ID | ALL_ID)) == 0) {
            p.add("[user] is missing one of the INDIVIDUAL, GROUP or ALL bits");
        }
        if (userId() < 0) {
            p.add("[user] ID cannot be negative");
        }
        if (all && userId() != 0) {
            p.add("when using the ALL bit, [user] ID must be 0");
        }
    }

    private void checkResource(List<String> p) {
        long sel = resource & SELECTOR_MASK;
        if (((resource & INDIVIDUAL_ID) != 0 && sel != INDIVIDUAL_ID)
                || ((resource & GROUP_ID) != 0 && sel != GROUP_ID)
                || ((resource & CLUSTER_ID) != 0 && sel != CLUSTER_ID)
                || ((resource & ALL_ID) != 0 && sel != ALL_ID)) {
            p.add("[resource] INDIVIDUAL (#), GROUP (@), CLUSTER (%) and ALL (*) bits are exclusive");
        }
        long types = resource & TYPE_MASK;
        if ((resource & CLUSTER_ID) != 0 && (types & INVALID_CLUSTER_TYPES) != 0) {
            p.add("[resource] CLUSTER(%) selector can be applied only to DATASTORE, HOST and NET types");
        }
        if ((resource & GROUP_ID) != 0 && (types & INVALID_GROUP_TYPES) != 0) {
            p.add("[resource] GROUP(@) selector cannot be applied to HOST, GROUP, CLUSTER, ZONE or VDC types");
        }
        if (sel == 0) {
            p.add("[resource] is missing one of the INDIVIDUAL, GROUP, CLUSTER or ALL bits");
        }
        if (resourceId() < 0) {
            p.add("[resource] ID cannot be negative");
        }
        if ((resource & ALL_ID) != 0 && resourceId() != 0) {
            p.add("when using the ALL bit, [resource] ID must be 0");
        }
        if (types == 0) {
            p.add("[resource] type is missing");
        }
        if ((resource & FORBIDDEN_RESOURCE_BITS) != 0) {
            p.add("wrong [resource] type");
        }
    }

    private void checkZone(List<String> p) {
        if ((zone & GROUP_ID) != 0) {
            p.add("[zone] GROUP (@) bit is not supported");
        }
        if ((zone & INDIVIDUAL_ID) != 0 && (zone & ALL_ID) != 0) {
            p.add("[zone] INDIVIDUAL (#) and ALL (*) bits are exclusive");
        }
        if ((zone & (INDIVIDUAL_ID | GROUP_ID | ALL_ID)) == 0) {
            p.add("[zone] is missing one of the INDIVIDUAL or ALL bits");
        }
        if (zoneId() < 0) {
            p.add("[zone] ID cannot be negative");
        }
        if ((zone & ALL_ID) != 0 && zoneId() != 0) {
            p.add("when using the ALL bit, [zone] ID must be 0");
        }
        long types = resource & TYPE_MASK;
        if ((zone & ALL_ID) != 0 && (resource & INDIVIDUAL_ID) != 0 && (types & FEDERATED_TYPES) != types) {
            p.add("[resource] INDIVIDUAL(#) selector cannot be applied to ALL zones, except for USER, GROUP and ZONE types");
        }
    }

    // ---------------------------------------------------------------- errors oned gives for the pool

    /** addrule of a rule equal to an existing one: INTERNAL "Rule STRING already exists". */
    public ApiException alreadyExists() {
        return new ApiException(ErrorCode.INTERNAL, "Rule " + this + " already exists");
    }

    /** delrule of an unknown ID: INTERNAL "Rule ID does not exist". */
    public static ApiException noSuchRule(int id) {
        return new ApiException(ErrorCode.INTERNAL, "Rule " + id + " does not exist", id);
    }

    // ---------------------------------------------------------------- XML

    /** {@code <ACL>} as oned renders it: values in lowercase hex without "0x" or padding. */
    @Override
    public void writeXml(XmlWriter w) {
        w.open("ACL")
                .element("ID", id)
                .element("USER", Long.toHexString(user))
                .element("RESOURCE", Long.toHexString(resource))
                .element("RIGHTS", Long.toHexString(rights))
                .element("ZONE", Long.toHexString(zone))
                .element("STRING", toString())
                .close("ACL");
    }

    /** Reads an {@code <ACL>} element back; STRING is derived, so it is ignored. */
    public static AclRule fromXml(XmlNode acl) {
        return new AclRule(acl.integer("ID", -1), hexField(acl, "USER"), hexField(acl, "RESOURCE"),
                hexField(acl, "RIGHTS"), hexField(acl, "ZONE"));
    }

    private static long hexField(XmlNode acl, String name) {
        String s = acl.text(name, "").strip();
        if (s.startsWith("0x") || s.startsWith("0X")) {
            s = s.substring(2);
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("ACL rule without " + name);
        }
        return Long.parseUnsignedLong(s, 16);
    }

    private static long bits(ObjectType... types) {
        long v = 0;
        for (ObjectType t : types) {
            v |= t.aclBit();
        }
        return v;
    }
}
