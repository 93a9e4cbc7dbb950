package dev.nimbo.core.auth;

import java.util.HashSet;
import java.util.Set;

/**
 * Who is calling: the user, the effective group (the primary one, or the group a scoped token was
 * issued for) and every group whose rules apply to the call. Immutable; {@code groupIds} always holds
 * {@code gid} as well.
 */
public record Subject(int uid, int gid, Set<Integer> groupIds, String uname, String gname) {

    public static final int ONEADMIN_UID = 0;
    public static final int ONEADMIN_GID = 0;

    public Subject {
        if (groupIds == null || (gid >= 0 && !groupIds.contains(gid))) {
            Set<Integer> all = new HashSet<>();
            if (groupIds != null) {
                all.addAll(groupIds);
            }
            if (gid >= 0) {
                all.add(gid);
            }
            groupIds = Set.copyOf(all);
        } else {
            groupIds = Set.copyOf(groupIds);
        }
        uname = uname == null ? "" : uname;
        gname = gname == null ? "" : gname;
    }

    /** OpenNebula lets user 0 and every member of group 0 do anything (only locks still apply). */
    public boolean isOneadmin() {
        return uid == ONEADMIN_UID || groupIds.contains(ONEADMIN_GID);
    }
}
