package dev.nimbo.server.api;

import dev.nimbo.core.auth.ObjectAuth;
import dev.nimbo.core.auth.Right;
import dev.nimbo.core.auth.Subject;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenNebula's pool filters: who (-4 my group's, -3 mine, -2 all I may use, -1 mine and my group's, N user N's),
 * an ID range (start/end, -1 meaning open), and paging (start below -1 is an offset, end below -1 a page size).
 * Every listed object is one the caller may USE: filters only narrow what the authorizer allows.
 */
public final class PoolQuery {
    public static final int GROUP_RESOURCES = -4;
    public static final int MINE = -3;
    public static final int ALL = -2;
    public static final int MINE_AND_GROUP = -1;

    private PoolQuery() {
    }

    public static List<PoolObject> select(Call call, ObjectType type, int filter, int start, int end) {
        if (filter < GROUP_RESOURCES) {
            throw ApiException.api("[" + call.method() + "] Incorrect filter_flag " + filter + ".");
        }
        Subject s = call.subject();
        int offset = start < -1 ? -start : 0;
        int limit = end < -1 ? -end : Integer.MAX_VALUE;
        int from = start >= 0 ? start : Integer.MIN_VALUE;
        int to = end >= 0 ? end : Integer.MAX_VALUE;
        List<PoolObject> out = new ArrayList<>();
        int skipped = 0;
        for (PoolObject o : call.ctx().view().list(type)) {
            if (o.id() < from || o.id() > to || !matches(filter, s, o) || !visible(call, o)) {
                continue;
            }
            if (skipped < offset) {
                skipped++;
                continue;
            }
            out.add(o);
            if (out.size() >= limit) {
                break;
            }
        }
        return out;
    }

    /** Every object of the type the caller may USE. */
    public static List<PoolObject> visible(Call call, ObjectType type) {
        return select(call, type, ALL, -1, -1);
    }

    private static boolean matches(int filter, Subject s, PoolObject o) {
        return switch (filter) {
            case GROUP_RESOURCES -> o.gid() == s.gid();
            case MINE -> o.uid() == s.uid();
            case ALL -> true;
            case MINE_AND_GROUP -> o.uid() == s.uid() || o.gid() == s.gid();
            default -> o.uid() == filter;
        };
    }

    private static boolean visible(Call call, PoolObject o) {
        return call.subject().isOneadmin()
                || call.ctx().authorizer().allowed(call.subject(), Right.USE, ObjectAuth.of(o));
    }
}
