package dev.nimbo.core.quota;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;

/**
 * The system-wide default limits that a user's (id 0) or group's (id 1) "-1" limits resolve to; what
 * one.userquota.info / one.groupquota.info return and what every USER / GROUP document embeds. Here a
 * missing limit means unlimited (-2) and -1 is not allowed, as in oned. Stored as an internal SETTING
 * singleton. Immutable and thread-safe.
 */
public final class DefaultQuotas implements PoolObject {

    public static final int USER_ID = 0;
    public static final int GROUP_ID = 1;
    public static final String USER_ROOT = "DEFAULT_USER_QUOTAS";
    public static final String GROUP_ROOT = "DEFAULT_GROUP_QUOTAS";

    private static final Permissions NO_PERMISSIONS = new Permissions(0);

    private final int id;
    private final QuotaSet limits;

    private DefaultQuotas(int id, QuotaSet limits) {
        this.id = id;
        this.limits = limits;
    }

    /** oned bootstraps both with no entries: nothing is limited until an admin sets defaults. */
    public static DefaultQuotas initialUser() {
        return new DefaultQuotas(USER_ID, QuotaSet.EMPTY);
    }

    public static DefaultQuotas initialGroup() {
        return new DefaultQuotas(GROUP_ID, QuotaSet.EMPTY);
    }

    public boolean isUser() {
        return id == USER_ID;
    }

    /** The default limits; used counters are always 0. */
    public QuotaSet limits() {
        return limits;
    }

    /**
     * one.userquota.update / one.groupquota.update: sets default limits from a quota template. Errors
     * (ACTION) as oned: more than one VM vector, CLUSTER_IDS, -1 or other negative limits, bad format.
     */
    public DefaultQuotas update(Template quotaTemplate) {
        var vms = quotaTemplate.vectors(QuotaKind.VM.entryElement());
        if (vms.size() > 1) {
            throw ApiException.action("Only one default VM quota can be defined");
        }
        return new DefaultQuotas(id, limits.apply(quotaTemplate, true));
    }

    @Override
    public ObjectType type() {
        return ObjectType.SETTING;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public String name() {
        return isUser() ? USER_ROOT : GROUP_ROOT;
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

    /** {@code <DEFAULT_USER_QUOTAS>} (or GROUP) with the four families, as oned returns and stores it. */
    @Override
    public void writeXml(XmlWriter w) {
        w.open(name());
        limits.writeXml(w);
        w.close(name());
    }

    /** The element a USER / GROUP document ends with; the same as the standalone document. */
    public void writeEmbedded(XmlWriter w) {
        writeXml(w);
    }

    /** Reads a DEFAULT_USER_QUOTAS or DEFAULT_GROUP_QUOTAS element (the root decides which). */
    public static DefaultQuotas fromXml(XmlNode node) {
        int id = switch (node.name()) {
            case USER_ROOT -> USER_ID;
            case GROUP_ROOT -> GROUP_ID;
            default -> throw new IllegalArgumentException(
                    "expected " + USER_ROOT + " or " + GROUP_ROOT + ", got " + node.name());
        };
        return new DefaultQuotas(id, QuotaSet.read(node, Amounts.UNLIMITED));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DefaultQuotas d && d.id == id && d.limits.equals(limits);
    }

    @Override
    public int hashCode() {
        return id * 31 + limits.hashCode();
    }

    @Override
    public String toString() {
        return toXml();
    }
}
