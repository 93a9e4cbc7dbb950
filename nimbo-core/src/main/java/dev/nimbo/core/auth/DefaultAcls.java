package dev.nimbo.core.auth;

import static dev.nimbo.core.auth.AclRule.ALL_ID;
import static dev.nimbo.core.auth.AclRule.GROUP_ID;

import dev.nimbo.core.obj.ObjectType;
import java.util.List;

/** The ACL rules a new installation starts with, as OpenNebula's AclManager creates them. */
public final class DefaultAcls {

    /** OpenNebula's "users" group, whose members may create the everyday objects. */
    public static final int USERS_GID = 1;

    private DefaultAcls() {
    }

    /**
     * The rules oned creates on first start, in its order, with IDs 0, 1, 2:
     * <pre>
     * 0  @1 VM+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VMGROUP+BACKUPJOB/* CREATE *
     * 1  * ZONE/* USE *
     * 2  * MARKETPLACE+MARKETPLACEAPP/* USE *
     * </pre>
     * They apply in every zone ("*"), so {@code zoneId} does not change them; it is taken so callers
     * need not know that.
     */
    public static List<AclRule> bootstrap(int zoneId) {
        long usersCreate = ALL_ID | ObjectType.VM.aclBit() | ObjectType.IMAGE.aclBit()
                | ObjectType.TEMPLATE.aclBit() | ObjectType.DOCUMENT.aclBit() | ObjectType.SECGROUP.aclBit()
                | ObjectType.VMGROUP.aclBit() | ObjectType.BACKUPJOB.aclBit();
        return List.of(
                new AclRule(0, GROUP_ID | USERS_GID, usersCreate, Right.CREATE.bit(), ALL_ID),
                new AclRule(1, ALL_ID, ALL_ID | ObjectType.ZONE.aclBit(), Right.USE.bit(), ALL_ID),
                new AclRule(2, ALL_ID, ALL_ID | ObjectType.MARKETPLACE.aclBit() | ObjectType.MARKETPLACEAPP.aclBit(),
                        Right.USE.bit(), ALL_ID));
    }
}
