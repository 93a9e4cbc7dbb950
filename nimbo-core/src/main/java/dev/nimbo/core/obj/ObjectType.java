package dev.nimbo.core.obj;

/**
 * Every kind of object the pools hold, with OpenNebula's ACL resource bit (PoolObjectSQL::ObjectType),
 * the XML root element, the name used in error messages, and how names must be unique.
 */
public enum ObjectType {
    VM(0x0000001000000000L, "VM", "virtual machine", NameScope.NONE),
    HOST(0x0000002000000000L, "HOST", "host", NameScope.GLOBAL),
    NET(0x0000004000000000L, "VNET", "virtual network", NameScope.OWNER),
    IMAGE(0x0000008000000000L, "IMAGE", "image", NameScope.OWNER),
    USER(0x0000010000000000L, "USER", "user", NameScope.GLOBAL),
    TEMPLATE(0x0000020000000000L, "VMTEMPLATE", "virtual machine template", NameScope.OWNER),
    GROUP(0x0000040000000000L, "GROUP", "group", NameScope.GLOBAL),
    ACL(0x0000080000000000L, "ACL", "ACL", NameScope.NONE),
    DATASTORE(0x0000100000000000L, "DATASTORE", "datastore", NameScope.GLOBAL),
    CLUSTER(0x0000200000000000L, "CLUSTER", "cluster", NameScope.GLOBAL),
    DOCUMENT(0x0000400000000000L, "DOCUMENT", "document", NameScope.OWNER),
    ZONE(0x0000800000000000L, "ZONE", "zone", NameScope.GLOBAL),
    SECGROUP(0x0001000000000000L, "SECURITY_GROUP", "security group", NameScope.OWNER),
    VDC(0x0002000000000000L, "VDC", "VDC", NameScope.GLOBAL),
    VROUTER(0x0004000000000000L, "VROUTER", "virtual router", NameScope.OWNER),
    MARKETPLACE(0x0008000000000000L, "MARKETPLACE", "marketplace", NameScope.GLOBAL),
    MARKETPLACEAPP(0x0010000000000000L, "MARKETPLACEAPP", "marketplaceapp", NameScope.OWNER),
    VMGROUP(0x0020000000000000L, "VM_GROUP", "vm group", NameScope.OWNER),
    VNTEMPLATE(0x0040000000000000L, "VNTEMPLATE", "virtual network template", NameScope.OWNER),
    HOOK(0x0080000000000000L, "HOOK", "hook", NameScope.GLOBAL),
    BACKUPJOB(0x0100000000000000L, "BACKUPJOB", "backup job", NameScope.OWNER),
    /** Nimbo-internal singletons (default quotas, system settings): never visible through ACLs. */
    SETTING(0L, "SETTING", "setting", NameScope.NONE);

    /** How an object's name must be unique: across the pool, per owner, or not at all. */
    public enum NameScope { GLOBAL, OWNER, NONE }

    private final long aclBit;
    private final String xmlRoot;
    private final String humanName;
    private final NameScope nameScope;

    ObjectType(long aclBit, String xmlRoot, String humanName, NameScope nameScope) {
        this.aclBit = aclBit;
        this.xmlRoot = xmlRoot;
        this.humanName = humanName;
        this.nameScope = nameScope;
    }

    public long aclBit() {
        return aclBit;
    }

    public String xmlRoot() {
        return xmlRoot;
    }

    /** Pool root element, e.g. USER_POOL, VM_POOL, VMTEMPLATE_POOL. */
    public String poolRoot() {
        return xmlRoot + "_POOL";
    }

    public String humanName() {
        return humanName;
    }

    public NameScope nameScope() {
        return nameScope;
    }

    /** The type whose ACL bit is exactly this value, or null. */
    public static ObjectType fromAclBit(long bit) {
        for (ObjectType t : values()) {
            if (t.aclBit == bit && bit != 0) {
                return t;
            }
        }
        return null;
    }
}
