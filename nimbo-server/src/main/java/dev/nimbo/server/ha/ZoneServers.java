package dev.nimbo.server.ha;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.state.Controller;
import dev.nimbo.core.zone.Zone;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the zone's SERVER_POOL (one.zone.info) equal to the Raft group's members; the leader calls it on taking
 * over and after each membership change.
 */
public final class ZoneServers {
    private ZoneServers() {
    }

    public static void sync(Controller controller, int zoneId, RaftStore raft) {
        List<Zone.Server> wanted = new ArrayList<>();
        for (HaConfig.Peer p : raft.currentPeers()) {
            wanted.add(new Zone.Server(p.id(), "server-" + p.id(), p.endpoint()));
        }
        controller.execute(tx -> {
            Zone z = tx.require(ObjectType.ZONE, zoneId);
            if (!z.servers().equals(wanted)) {
                tx.put(new Zone(z.id(), z.name(), z.state(), z.template(), wanted));
            }
            return null;
        });
    }
}
