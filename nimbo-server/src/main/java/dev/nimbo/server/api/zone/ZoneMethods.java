package dev.nimbo.server.api.zone;

import dev.nimbo.core.auth.Right;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.xml.XmlWriter;
import dev.nimbo.core.zone.Zone;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.PoolQuery;
import dev.nimbo.server.ha.RaftStore;

/** one.zone.info, one.zonepool.info and one.zone.raftstatus (solo, or this replica's Raft state). */
public final class ZoneMethods {
    /** OpenNebula's Raft states: SOLO 0, CANDIDATE 1, FOLLOWER 2, LEADER 3. */
    static final int RAFT_SOLO = 0;

    private ZoneMethods() {
    }

    public static void register(ApiRegistry r) {
        r.register("one.zone.info", ZoneMethods::info);
        r.register("one.zonepool.info", ZoneMethods::poolInfo);
        r.register("one.zone.raftstatus", ZoneMethods::raftStatus);
    }

    static Object info(Call call) {
        call.params().arity(1, 2);
        Zone z = call.ctx().view().require(ObjectType.ZONE, call.params().integer(0));
        call.authorize(Right.USE, z);
        return call.ctx().renders().object(z);
    }

    static Object poolInfo(Call call) {
        call.params().arity(0, 0);
        return call.ctx().renders().pool("ZONE_POOL", PoolQuery.visible(call, ObjectType.ZONE));
    }

    static Object raftStatus(Call call) {
        call.params().arity(0, 0);
        Zone z = call.ctx().view().require(ObjectType.ZONE, call.ctx().config().zoneId());
        call.authorize(Right.USE, z);
        XmlWriter w = new XmlWriter();
        RaftStore raft = RaftStore.of(call.ctx().controller());
        if (raft != null) {
            RaftStore.Status s = raft.status();
            w.open("RAFT").element("SERVER_ID", s.serverId()).element("STATE", s.state()).element("TERM", s.term())
                    .element("VOTEDFOR", s.votedFor()).element("COMMIT", s.commit()).element("LOG_INDEX", s.logIndex())
                    .element("LOG_TERM", s.logTerm()).element("FEDLOG_INDEX", -1).close("RAFT");
            return w.toString();
        }
        w.open("RAFT").element("SERVER_ID", -1).element("STATE", RAFT_SOLO).element("TERM", 0).element("VOTEDFOR", -1)
                .element("COMMIT", 0).element("LOG_INDEX", 0).element("LOG_TERM", 0).element("FEDLOG_INDEX", -1)
                .close("RAFT");
        return w.toString();
    }
}
