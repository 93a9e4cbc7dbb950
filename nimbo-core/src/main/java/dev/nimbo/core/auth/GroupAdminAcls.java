package dev.nimbo.core.auth;

import static dev.nimbo.core.auth.AclRule.ALL_ID;
import static dev.nimbo.core.auth.AclRule.GROUP_ID;
import static dev.nimbo.core.auth.AclRule.INDIVIDUAL_ID;

import dev.nimbo.core.obj.ObjectType;
import java.util.List;

/** The ACL rules that make a user administrator of a group (OpenNebula's Group add/del_admin). */
public final class GroupAdminAcls {

    private GroupAdminAcls() {
    }

    /**
     * The four rules added when user {@code uid} becomes admin of group {@code gid}, in OpenNebula's
     * order; removing the admin deletes the rules equal to these ({@link AclRule#sameRuleAs}). IDs are -1:
     * the ACL pool assigns them. They apply in every zone, so {@code zoneId} does not change them.
     * <pre>
     * #uid USER/@gid USE+MANAGE+ADMIN+CREATE *
     * #uid VM+NET+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VROUTER+VMGROUP+BACKUPJOB/@gid USE+MANAGE *
     * #uid VROUTER/* CREATE *
     * #uid GROUP/#gid MANAGE *
     * </pre>
     */
    public static List<AclRule> forAdmin(int uid, int gid, int zoneId) {
        long who = INDIVIDUAL_ID | uid;
        long groupObjects = ObjectType.VM.aclBit() | ObjectType.NET.aclBit() | ObjectType.IMAGE.aclBit()
                | ObjectType.TEMPLATE.aclBit() | ObjectType.DOCUMENT.aclBit() | ObjectType.SECGROUP.aclBit()
                | ObjectType.VROUTER.aclBit() | ObjectType.VMGROUP.aclBit() | ObjectType.BACKUPJOB.aclBit();
        long allRights = Right.USE.bit() | Right.MANAGE.bit() | Right.ADMIN.bit() | Right.CREATE.bit();
        return List.of(
                new AclRule(-1, who, ObjectType.USER.aclBit() | GROUP_ID | gid, allRights, ALL_ID),
                new AclRule(-1, who, groupObjects | GROUP_ID | gid, Right.USE.bit() | Right.MANAGE.bit(), ALL_ID),
                new AclRule(-1, who, ObjectType.VROUTER.aclBit() | ALL_ID, Right.CREATE.bit(), ALL_ID),
                new AclRule(-1, who, ObjectType.GROUP.aclBit() | INDIVIDUAL_ID | gid, Right.MANAGE.bit(), ALL_ID));
    }
}
