package dev.nimbo.server.api.zone;

import dev.nimbo.core.auth.Right;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.zone.Zone;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.ha.HaConfig;
import dev.nimbo.server.ha.RaftStore;
import dev.nimbo.server.ha.ZoneServers;
import dev.nimbo.store.StoreException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * one.zone.addserver / delserver / resetserver: membership of a replicated front-end, changed in the Raft group
 * (which carries it in its log) and then mirrored in the zone's SERVER_POOL. Run on the leader (followers forward
 * them). A server is {@code SERVER = [ NAME, ENDPOINT = "http://host:port/RPC2", RAFT = "host:port" ]}: RAFT, the
 * address its Raft server listens on, is Nimbo's addition (OpenNebula replicates over the XML-RPC endpoint).
 */
public final class ZoneServerMethods {
    private ZoneServerMethods() {
    }

    public static void register(ApiRegistry r) {
        r.register("one.zone.addserver", ZoneServerMethods::addServer);
        r.register("one.zone.delserver", ZoneServerMethods::delServer);
        r.register("one.zone.resetserver", ZoneServerMethods::resetServer);
    }

    private static RaftStore raft(Call call, Zone z) {
        call.authorize(Right.ADMIN, z);
        RaftStore raft = RaftStore.of(call.ctx().controller());
        if (raft == null || z.id() != call.ctx().config().zoneId()) {
            throw ApiException.action("[" + call.method() + "] Zone " + z.id() + " is not a replicated (HA) zone of this server");
        }
        return raft;
    }

    static Object addServer(Call call) {
        call.params().arity(2, 2);
        Zone z = call.ctx().view().require(ObjectType.ZONE, call.params().integer(0));
        RaftStore raft = raft(call, z);
        Template t = Templates.parse(call, call.params().string(1));
        List<VectorAttribute> servers = t.vectors("SERVER");
        if (servers.size() != 1) {
            throw ApiException.api("[" + call.method() + "] The template must hold one SERVER = [ NAME, ENDPOINT, RAFT ]");
        }
        VectorAttribute s = servers.get(0);
        HaConfig.Peer added = newPeer(call, raft, s.get("ENDPOINT"), s.get("RAFT"));
        List<HaConfig.Peer> peers = new ArrayList<>(raft.currentPeers());
        peers.add(added);
        change(call, raft, peers);
        return z.id();
    }

    private static HaConfig.Peer newPeer(Call call, RaftStore raft, String endpoint, String raftAddress) {
        if (endpoint == null || raftAddress == null) {
            throw ApiException.api("[" + call.method() + "] SERVER needs ENDPOINT (its XML-RPC URL) and RAFT (host:port)");
        }
        URI api;
        try {
            api = URI.create(endpoint.strip());
        } catch (IllegalArgumentException e) {
            throw ApiException.api("[" + call.method() + "] ENDPOINT '" + endpoint + "' is not a URL");
        }
        int colon = raftAddress.lastIndexOf(':');
        int raftPort;
        try {
            raftPort = Integer.parseInt(raftAddress.substring(colon + 1).strip());
        } catch (RuntimeException e) {
            throw ApiException.api("[" + call.method() + "] RAFT '" + raftAddress + "' is not host:port");
        }
        if (colon <= 0 || api.getHost() == null || api.getPort() <= 0 || raftPort <= 0 || raftPort > 65535) {
            throw ApiException.api("[" + call.method() + "] SERVER needs ENDPOINT http://host:port/RPC2 and RAFT host:port");
        }
        int id = 0;
        for (HaConfig.Peer p : raft.currentPeers()) {
            if (p.raftAddress().equals(raftAddress.strip())) {
                throw ApiException.action("[" + call.method() + "] Server " + p.id() + " already uses " + raftAddress);
            }
            id = Math.max(id, p.id() + 1);
        }
        return new HaConfig.Peer(id, raftAddress.substring(0, colon).strip(), raftPort, api.getPort());
    }

    static Object delServer(Call call) {
        call.params().arity(2, 2);
        Zone z = call.ctx().view().require(ObjectType.ZONE, call.params().integer(0));
        RaftStore raft = raft(call, z);
        int id = call.params().integer(1);
        List<HaConfig.Peer> peers = new ArrayList<>(raft.currentPeers());
        if (!peers.removeIf(p -> p.id() == id)) {
            throw ApiException.action("[" + call.method() + "] Zone " + z.id() + " has no server " + id);
        }
        if (peers.isEmpty()) {
            throw ApiException.action("[" + call.method() + "] Cannot delete the last server of zone " + z.id());
        }
        change(call, raft, peers);
        return z.id();
    }

    /**
     * OpenNebula resets the leader's record of a follower whose database was wiped. Ratis needs no help: the
     * leader's consistency check on the next append finds the follower's log behind and sends it the snapshot
     * and the log after it. The call checks the server exists.
     */
    static Object resetServer(Call call) {
        call.params().arity(2, 2);
        Zone z = call.ctx().view().require(ObjectType.ZONE, call.params().integer(0));
        RaftStore raft = raft(call, z);
        int id = call.params().integer(1);
        if (raft.currentPeer(id) == null) {
            throw ApiException.action("[" + call.method() + "] Zone " + z.id() + " has no server " + id);
        }
        return z.id();
    }

    private static void change(Call call, RaftStore raft, List<HaConfig.Peer> peers) {
        try {
            raft.setPeers(peers);
        } catch (StoreException e) {
            throw ApiException.action("[" + call.method() + "] " + e.getMessage());
        }
        ZoneServers.sync(call.ctx().controller(), z(call), raft);
    }

    private static int z(Call call) {
        return call.params().integer(0);
    }
}
