package dev.nimbo.server.ha;

import dev.nimbo.server.StartupException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * How this replica takes part in a replicated front-end: its own server ID, every server of the zone with the
 * port Raft talks on and the port its XML-RPC endpoint answers on, where the Raft log lives, and the commands
 * run on becoming leader / follower (null: none). Immutable.
 */
public record HaConfig(int selfId, List<Peer> peers, Path raftDir, String leaderHook, String followerHook) {

    /** One front-end server. */
    public record Peer(int id, String host, int raftPort, int apiPort) {
        public String raftAddress() {
            return host + ":" + raftPort;
        }

        public String endpoint() {
            return "http://" + host + ":" + apiPort + "/RPC2";
        }
    }

    public HaConfig {
        peers = List.copyOf(peers);
    }

    /** With the role-change commands (OpenNebula's RAFT_LEADER_HOOK / RAFT_FOLLOWER_HOOK). */
    public HaConfig withHooks(String leader, String follower) {
        return new HaConfig(selfId, peers, raftDir, leader, follower);
    }

    public Peer self() {
        return peer(selfId);
    }

    public Peer peer(int id) {
        for (Peer p : peers) {
            if (p.id() == id) {
                return p;
            }
        }
        return null;
    }

    /**
     * Parses {@code --ha-peers}: comma-separated {@code ID=HOST:RAFT_PORT[:API_PORT]}; a peer without an API
     * port answers on {@code defaultApiPort} (the usual case: every front-end on its own host, same port).
     *
     * @throws StartupException with a message naming the bad entry
     */
    public static HaConfig parse(int selfId, String spec, int defaultApiPort, Path dataDir) {
        if (spec == null || spec.isBlank()) {
            throw new StartupException("--ha-id needs --ha-peers (e.g. 0=10.0.0.1:2634,1=10.0.0.2:2634,2=10.0.0.3:2634)");
        }
        if (selfId < 0) {
            throw new StartupException("--ha-id must be 0 or more, not " + selfId);
        }
        List<Peer> peers = new ArrayList<>();
        Set<Integer> ids = new TreeSet<>();
        Set<String> addresses = new TreeSet<>();
        for (String raw : spec.split(",")) {
            String entry = raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            Peer p = parsePeer(entry, defaultApiPort);
            if (!ids.add(p.id())) {
                throw new StartupException("--ha-peers names server " + p.id() + " twice");
            }
            if (!addresses.add(p.raftAddress())) {
                throw new StartupException("--ha-peers uses " + p.raftAddress() + " for two servers");
            }
            peers.add(p);
        }
        if (peers.isEmpty()) {
            throw new StartupException("--ha-peers lists no server");
        }
        HaConfig c = new HaConfig(selfId, peers, dataDir.resolve("raft"), null, null);
        if (c.self() == null) {
            throw new StartupException("--ha-id " + selfId + " is not among --ha-peers (servers " + ids + ")");
        }
        return c;
    }

    private static Peer parsePeer(String entry, int defaultApiPort) {
        int eq = entry.indexOf('=');
        if (eq <= 0) {
            throw new StartupException("--ha-peers entry '" + entry + "' is not ID=HOST:RAFT_PORT[:API_PORT]");
        }
        int id;
        try {
            id = Integer.parseInt(entry.substring(0, eq).strip());
        } catch (NumberFormatException e) {
            throw new StartupException("--ha-peers entry '" + entry + "': server ID must be a number");
        }
        if (id < 0) {
            throw new StartupException("--ha-peers entry '" + entry + "': server ID must be 0 or more");
        }
        String[] parts = entry.substring(eq + 1).strip().split(":");
        if (parts.length < 2 || parts.length > 3 || parts[0].isBlank()) {
            throw new StartupException("--ha-peers entry '" + entry + "' is not ID=HOST:RAFT_PORT[:API_PORT]");
        }
        int raftPort = port(entry, parts[1]);
        int apiPort = parts.length == 3 ? port(entry, parts[2]) : defaultApiPort;
        return new Peer(id, parts[0].strip(), raftPort, apiPort);
    }

    private static int port(String entry, String text) {
        try {
            int p = Integer.parseInt(text.strip());
            if (p > 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new StartupException("--ha-peers entry '" + entry + "': '" + text + "' is not a port (1-65535)");
    }
}
