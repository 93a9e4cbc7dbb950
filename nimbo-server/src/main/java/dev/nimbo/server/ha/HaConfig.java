package dev.nimbo.server.ha;

import dev.nimbo.server.StartupException;
import dev.nimbo.server.config.Section;
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
        return parse(selfId, spec, defaultApiPort, dataDir, FLAGS);
    }

    /** How the settings are called where they came from, for messages: the command line or the file's ha section. */
    private record Names(String id, String peers, String hooks) {
    }

    private static final Names FLAGS = new Names("--ha-id", "--ha-peers", "--ha-leader-hook and --ha-follower-hook");
    private static final Names FILE = new Names("ha.id", "ha.peers", "ha.leader_hook and ha.follower_hook");

    /**
     * This replica's settings from the command line and the configuration file's {@code ha} section, the command
     * line winning setting by setting (so one file can serve every replica, each started with its own
     * {@code --ha-id}):
     *
     * <pre>
     * ha:
     *   id: 0
     *   peers:                      # or one comma-separated line, as --ha-peers
     *     - 0=10.0.0.1:2634
     *     - 1=10.0.0.2:2634
     *     - 2=10.0.0.3:2634
     *   leader_hook: ip addr add 10.0.0.10/24 dev eth0
     *   follower_hook: ip addr del 10.0.0.10/24 dev eth0
     * </pre>
     *
     * Null when neither asks for replication (a single front-end).
     *
     * @throws StartupException for incomplete or wrong settings, naming them as they were given
     * @throws Section.ConfigException for a value of the wrong kind in the file
     */
    public static HaConfig resolve(Section file, Integer flagId, String flagPeers, String flagLeaderHook,
                                   String flagFollowerHook, int defaultApiPort, Path dataDir) {
        List<String> filePeers = file.strings("peers");
        boolean fromFlags = flagId != null || flagPeers != null;
        Integer id = flagId != null ? flagId : file.has("id") ? file.integer("id", -1) : null;
        String peers = flagPeers != null ? flagPeers : filePeers.isEmpty() ? null : String.join(",", filePeers);
        String leaderHook = flagLeaderHook != null ? flagLeaderHook : file.string("leader_hook", null);
        String followerHook = flagFollowerHook != null ? flagFollowerHook : file.string("follower_hook", null);
        Names names = fromFlags || flagLeaderHook != null || flagFollowerHook != null ? FLAGS : FILE;
        if (id == null && peers == null) {
            if (leaderHook != null || followerHook != null) {
                throw new StartupException(names.hooks() + " need " + names.id() + " and " + names.peers());
            }
            if (!file.values().isEmpty()) {
                throw new Section.ConfigException("the ha section needs id and peers");
            }
            return null;
        }
        if (id == null) {
            throw new StartupException((flagPeers != null ? FLAGS : FILE).peers() + " needs " + names.id()
                    + " (this front-end's server ID)");
        }
        for (String key : file.values().keySet()) {
            if (!List.of("id", "peers", "leader_hook", "follower_hook").contains(key)) {
                throw new Section.ConfigException(file.name(key) + " is not a setting (id, peers, leader_hook, follower_hook)");
            }
        }
        return parse(id, peers, defaultApiPort, dataDir, flagPeers != null ? FLAGS : FILE).withHooks(leaderHook, followerHook);
    }

    private static HaConfig parse(int selfId, String spec, int defaultApiPort, Path dataDir, Names names) {
        if (spec == null || spec.isBlank()) {
            throw new StartupException(names.id() + " needs " + names.peers()
                    + " (e.g. 0=10.0.0.1:2634,1=10.0.0.2:2634,2=10.0.0.3:2634)");
        }
        if (selfId < 0) {
            throw new StartupException(names.id() + " must be 0 or more, not " + selfId);
        }
        List<Peer> peers = new ArrayList<>();
        Set<Integer> ids = new TreeSet<>();
        Set<String> addresses = new TreeSet<>();
        for (String raw : spec.split(",")) {
            String entry = raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            Peer p = parsePeer(entry, defaultApiPort, names);
            if (!ids.add(p.id())) {
                throw new StartupException(names.peers() + " names server " + p.id() + " twice");
            }
            if (!addresses.add(p.raftAddress())) {
                throw new StartupException(names.peers() + " uses " + p.raftAddress() + " for two servers");
            }
            peers.add(p);
        }
        if (peers.isEmpty()) {
            throw new StartupException(names.peers() + " lists no server");
        }
        HaConfig c = new HaConfig(selfId, peers, dataDir.resolve("raft"), null, null);
        if (c.self() == null) {
            throw new StartupException(names.id() + " " + selfId + " is not among " + names.peers() + " (servers " + ids + ")");
        }
        return c;
    }

    private static Peer parsePeer(String entry, int defaultApiPort, Names names) {
        int eq = entry.indexOf('=');
        if (eq <= 0) {
            throw new StartupException(names.peers() + " entry '" + entry + "' is not ID=HOST:RAFT_PORT[:API_PORT]");
        }
        int id;
        try {
            id = Integer.parseInt(entry.substring(0, eq).strip());
        } catch (NumberFormatException e) {
            throw new StartupException(names.peers() + " entry '" + entry + "': server ID must be a number");
        }
        if (id < 0) {
            throw new StartupException(names.peers() + " entry '" + entry + "': server ID must be 0 or more");
        }
        String[] parts = entry.substring(eq + 1).strip().split(":");
        if (parts.length < 2 || parts.length > 3 || parts[0].isBlank()) {
            throw new StartupException(names.peers() + " entry '" + entry + "' is not ID=HOST:RAFT_PORT[:API_PORT]");
        }
        int raftPort = port(entry, parts[1], names);
        int apiPort = parts.length == 3 ? port(entry, parts[2], names) : defaultApiPort;
        return new Peer(id, parts[0].strip(), raftPort, apiPort);
    }

    private static int port(String entry, String text, Names names) {
        try {
            int p = Integer.parseInt(text.strip());
            if (p > 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new StartupException(names.peers() + " entry '" + entry + "': '" + text + "' is not a port (1-65535)");
    }
}
