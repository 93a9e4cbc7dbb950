package dev.nimbo.server.ha;

import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.Record;
import dev.nimbo.core.state.Store;
import dev.nimbo.server.StartupException;
import dev.nimbo.server.persist.ObjectDecoders;
import dev.nimbo.store.StoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Store} of a replicated front-end: a batch is durable once the Raft log has it on a majority and
 * this replica has applied it to its own database; only the leader can commit. Wraps the local store (read
 * at start, written only by the state machine) and owns this replica's Ratis server. {@link #commit} is
 * called by the controller thread; the status methods from any thread.
 */
public final class RaftStore implements Store {
    private static final Logger log = LoggerFactory.getLogger(RaftStore.class);
    /** A commit that neither succeeds nor fails for this long means a stuck replica: stop (fail-stop). */
    private static final long COMMIT_GIVE_UP_SECONDS = 120;
    /**
     * Where a batch's outcome reaches the controller. Never on a Ratis thread: Ratis fails pending requests from
     * inside its log (a deposed leader truncating its uncommitted entries), and the controller's reaction (roll
     * back, propose the next batch) must not run there: proposing appends to that same log, which then refuses
     * every later append ("Already running a method") and the replica never catches up. One thread keeps order.
     */
    private final java.util.concurrent.ExecutorService outcomes = java.util.concurrent.Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("raft-outcomes").daemon(true).factory());
    private static final Map<Controller, RaftStore> RUNNING = new ConcurrentHashMap<>();

    private final Store local;
    private final HaConfig config;
    private final RecordCodec codec;
    private final ReplicatedStateMachine machine;
    private final RaftGroup group;
    private final RaftPeerId selfId;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private RaftServer server;
    private RaftServer.Division division;
    /** The term this replica leads in while its controller accepts writes; stamped on each batch. */
    private volatile long writeTerm = -1;

    public RaftStore(Store local, HaConfig config, ObjectDecoders decoders) {
        this.local = local;
        this.config = config;
        this.codec = new RecordCodec(decoders);
        this.machine = new ReplicatedStateMachine(local, codec);
        List<RaftPeer> peers = new ArrayList<>();
        for (HaConfig.Peer p : config.peers()) {
            peers.add(raftPeer(p));
        }
        // One Raft group per zone: every replica derives the same ID.
        this.group = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.nameUUIDFromBytes("nimbo-zone-0".getBytes(StandardCharsets.UTF_8))),
                peers);
        this.selfId = peerId(config.selfId());
    }

    /** The XML-RPC address travels as the peer's client address, so membership changes carry it in the log. */
    static RaftPeer raftPeer(HaConfig.Peer p) {
        return RaftPeer.newBuilder().setId(peerId(p.id())).setAddress(p.raftAddress())
                .setClientAddress(p.host() + ":" + p.apiPort()).build();
    }

    static HaConfig.Peer peer(RaftPeer r) {
        String raft = r.getAddress();
        String api = r.getClientAddress() != null ? r.getClientAddress() : raft;
        int colon = raft.lastIndexOf(':');
        return new HaConfig.Peer(serverId(r.getId()), raft.substring(0, colon), Integer.parseInt(raft.substring(colon + 1)),
                Integer.parseInt(api.substring(api.lastIndexOf(':') + 1)));
    }

    /** The servers of the group now (the configuration in the log, which membership changes update). */
    public List<HaConfig.Peer> currentPeers() {
        List<HaConfig.Peer> out = new ArrayList<>();
        for (RaftPeer r : division.getRaftConf().getCurrentPeers()) {
            out.add(peer(r));
        }
        out.sort(java.util.Comparator.comparingInt(HaConfig.Peer::id));
        return out;
    }

    /** A server of the group now, or null. */
    public HaConfig.Peer currentPeer(int id) {
        RaftPeer r = division.getRaftConf().getPeer(peerId(id));
        return r == null ? null : peer(r);
    }

    /**
     * Changes the group's members (leader only): Ratis first brings new members up to date, then commits the
     * joint and the new configuration. Returns when the new configuration is committed.
     */
    public void setPeers(List<HaConfig.Peer> peers) {
        List<RaftPeer> wanted = new ArrayList<>();
        for (HaConfig.Peer p : peers) {
            wanted.add(raftPeer(p));
        }
        RaftClientReply reply;
        try {
            reply = server.setConfiguration(new org.apache.ratis.protocol.SetConfigurationRequest(clientId, selfId,
                    group.getGroupId(), callIds.incrementAndGet(), wanted));
        } catch (IOException e) {
            throw new StoreException("membership change failed: " + reason(e), e);
        }
        if (!reply.isSuccess()) {
            throw new StoreException("membership change failed: " + reason(reply.getException()), reply.getException());
        }
    }

    static RaftPeerId peerId(int serverId) {
        return RaftPeerId.valueOf("s" + serverId);
    }

    static int serverId(RaftPeerId id) {
        return Integer.parseInt(id.toString().substring(1));
    }

    /** The replication of a daemon, or null on a single front-end. */
    public static RaftStore of(Controller controller) {
        return RUNNING.get(controller);
    }

    /**
     * Starts the Raft server: replays the log into the controller (whose write gate the caller keeps closed
     * until {@link LeaderDuties} opens it), joins the group and takes part in elections.
     */
    public void start(Controller controller) {
        machine.attach(controller);
        RUNNING.put(controller, this);
        RaftProperties props = new RaftProperties();
        try {
            Files.createDirectories(config.raftDir());
        } catch (IOException e) {
            throw new StartupException("cannot create the Raft directory " + config.raftDir() + ": " + e.getMessage(), e);
        }
        RaftServerConfigKeys.setStorageDir(props, List.of(config.raftDir().toFile()));
        GrpcConfigKeys.Server.setPort(props, config.self().raftPort());
        // Listen only on the address the peers dial (not every interface): the Raft traffic stays on its network.
        GrpcConfigKeys.Server.setHost(props, config.self().host());
        // Loaded machines (and WAN links) stall for hundreds of ms: elections after 0.75-1.5 s of silence avoid
        // needless leader changes and fail over within 5 s (docs/benchmarks.md); NIMBO_HA_ELECTION_TIMEOUT_MS
        // (MIN-MAX) sets another range.
        long[] election = electionTimeoutMs();
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(election[0], TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(election[1], TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(10, TimeUnit.SECONDS));
        // Snapshot every N applied entries, keep two, and compact the log up to the snapshot: a replica too far
        // behind gets the snapshot, then the log after it.
        long every = snapshotEvery();
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, every);
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(props, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(props, true);
        RaftServerConfigKeys.Log.setPurgeGap(props, (int) Math.min(every, 1024));
        // Only closed segments can be purged; NIMBO_HA_LOG_SEGMENT_BYTES lets tests roll them quickly.
        long segment = positiveEnv("NIMBO_HA_LOG_SEGMENT_BYTES", 8L << 20);
        RaftServerConfigKeys.Log.setSegmentSizeMax(props, SizeInBytes.valueOf(segment));
        boolean existing = Files.isDirectory(config.raftDir().resolve(group.getGroupId().getUuid().toString()));
        try {
            server = RaftServer.newBuilder()
                    .setServerId(selfId)
                    .setStateMachine(machine)
                    .setProperties(props)
                    .setGroup(group)
                    .setOption(existing ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
                    .build();
            server.start();
            division = server.getDivision(group.getGroupId());
        } catch (IOException | RuntimeException e) {
            throw new StartupException("cannot start Raft server " + config.selfId() + " on port " + config.self().raftPort()
                    + ": " + e.getMessage(), e);
        }
        log.info("Raft server {} of {} started on {} ({} log in {})", config.selfId(), config.peers().size(),
                config.self().raftAddress(), existing ? "existing" : "new", config.raftDir());
    }

    /** NIMBO_HA_ELECTION_TIMEOUT_MS=MIN-MAX: silence from the leader before a follower stands (default 750-1500). */
    static long[] electionTimeoutMs() {
        String v = System.getenv("NIMBO_HA_ELECTION_TIMEOUT_MS");
        if (v != null && !v.isBlank()) {
            String[] parts = v.strip().split("-");
            try {
                long min = Long.parseLong(parts[0].strip());
                long max = parts.length == 2 ? Long.parseLong(parts[1].strip()) : 2 * min;
                if (parts.length <= 2 && min >= 100 && max > min) {
                    return new long[] {min, max};
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            log.warn("ignoring NIMBO_HA_ELECTION_TIMEOUT_MS '{}': not MIN-MAX milliseconds (MIN >= 100, MAX > MIN)", v);
        }
        return new long[] {750, 1500};
    }

    /** NIMBO_HA_SNAPSHOT_EVERY: applied log entries between snapshots (default 10,000). */
    static long snapshotEvery() {
        return positiveEnv("NIMBO_HA_SNAPSHOT_EVERY", 10_000);
    }

    private static long positiveEnv(String name, long fallback) {
        String v = System.getenv(name);
        if (v != null && !v.isBlank()) {
            try {
                long n = Long.parseLong(v.strip());
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            log.warn("ignoring {} '{}': not a positive number", name, v);
        }
        return fallback;
    }

    @Override
    public Snapshot load() {
        return local.load();
    }

    @Override
    public void commit(List<Record> records) {
        if (records.isEmpty()) {
            return;
        }
        try {
            commitAsync(records).durable().join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof StoreException se ? se : new StoreException(reason(e.getCause()), e.getCause());
        }
    }

    /**
     * Proposes the batch to the group without waiting: the controller prepares the next batch meanwhile. The log
     * keeps the order of proposals (they are appended on the calling thread, one after the other).
     */
    @Override
    public Commit commitAsync(List<Record> records) {
        UUID id = UUID.randomUUID();
        CompletableFuture<Long> applied = new CompletableFuture<>();
        CompletableFuture<Void> durable = new CompletableFuture<>();
        Commit commit = new Commit() {
            @Override
            public CompletableFuture<Void> durable() {
                return durable;
            }

            @Override
            public boolean abandon() {
                // Taken out of our own batches: if it ever commits, the state machine hands it over as replicated.
                boolean mine = machine.own.remove(id) != null;
                if (mine) {
                    applied.completeExceptionally(new StoreException("abandoned: an earlier batch failed"));
                }
                return mine || durable.isCompletedExceptionally();
            }
        };
        machine.own.put(id, applied);
        // Whichever comes first decides: the state machine applying the batch (committed), or a failed reply.
        applied.orTimeout(COMMIT_GIVE_UP_SECONDS, TimeUnit.SECONDS).whenCompleteAsync((index, err) -> {
            if (err == null) {
                durable.complete(null);
            } else if (err instanceof TimeoutException) {
                // The batch may still commit later; this replica's state would then be ahead of what its controller
                // believes. Stopping is the safe way out: the others elect a leader, a restart replays the log.
                log.error("a batch was neither committed nor refused within {} s; stopping this replica", COMMIT_GIVE_UP_SECONDS);
                Runtime.getRuntime().halt(75);
            } else {
                durable.completeExceptionally(err instanceof StoreException ? err : new StoreException("not replicated: " + reason(err), err));
            }
        }, outcomes);
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(selfId)
                .setGroupId(group.getGroupId())
                .setCallId(callIds.incrementAndGet())
                .setMessage(Message.valueOf(ByteString.copyFrom(codec.encode(id, writeTerm, records))))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        try {
            server.submitClientRequestAsync(request).whenComplete((r, err) -> {
                Throwable failure = err != null ? err : r.isSuccess() ? null : r.getException();
                if (failure != null && machine.own.remove(id) != null) {
                    applied.completeExceptionally(failure);
                }
            });
        } catch (IOException e) {
            if (machine.own.remove(id) != null) {
                applied.completeExceptionally(new StoreException("cannot replicate: " + e.getMessage(), e));
            }
        }
        return commit;
    }

    private static String reason(Throwable t) {
        String name = t.getClass().getSimpleName();
        if (name.equals("NotLeaderException")) {
            return "this server is not the leader";
        }
        return t.getMessage() != null ? t.getMessage() : name;
    }

    // ------------------------------------------------------------------ status

    public HaConfig config() {
        return config;
    }

    DivisionInfo info() {
        return division.getInfo();
    }

    RaftLog raftLog() {
        return division.getRaftLog();
    }

    /** Runs r (quickly, on a Ratis thread) whenever this replica's role may have changed. */
    void onRoleChange(Runnable r) {
        machine.onRoleChange(r);
    }

    void setWriteTerm(long term) {
        writeTerm = term;
    }

    /** The leader's server ID, or -1 while none is known. */
    public int leaderId() {
        RaftPeerId leader = division == null ? null : division.getInfo().getLeaderId();
        return leader == null ? -1 : serverId(leader);
    }

    /** The highest log index this replica has applied to its database. */
    public long appliedIndex() {
        return machine.getLastAppliedTermIndex() == null ? 0 : machine.getLastAppliedTermIndex().getIndex();
    }

    /** The highest log index whose records this replica's readers see. */
    public long publishedIndex() {
        return machine.publishedIndex();
    }

    /** One.zone.raftstatus' numbers; state as OpenNebula numbers it (CANDIDATE 1, FOLLOWER 2, LEADER 3). */
    public record Status(int serverId, int state, long term, int votedFor, long commit, long logIndex, long logTerm,
                         long applied) {
    }

    public Status status() {
        DivisionInfo info = division.getInfo();
        RaftPeerRole role = info.getCurrentRole();
        int state = switch (role) {
            case LEADER -> 3;
            case CANDIDATE -> 1;
            default -> 2;
        };
        int votedFor = -1;
        try {
            RaftPeerId v = division.getRaftStorage().getMetadataFile().getMetadata().getVotedFor();
            if (v != null && !v.toString().isEmpty()) {
                votedFor = serverId(v);
            }
        } catch (IOException | RuntimeException e) {
            // not known: -1
        }
        var last = division.getRaftLog().getLastEntryTermIndex();
        return new Status(config.selfId(), state, info.getCurrentTerm(), votedFor,
                division.getRaftLog().getLastCommittedIndex(), last == null ? 0 : last.getIndex(),
                last == null ? 0 : last.getTerm(), appliedIndex());
    }

    @Override
    public String describe() {
        return "raft(" + config.selfId() + " of " + config.peers().size() + ") over " + local.describe();
    }

    /** Leaves the group and closes the local store; the controller must be closed before. */
    @Override
    public void close() {
        RUNNING.values().remove(this);
        if (server != null) {
            try {
                server.close();
            } catch (IOException | RuntimeException e) {
                log.warn("Raft server did not stop cleanly: {}", e.toString());
            }
            server = null;
        }
        outcomes.shutdown();
        local.close();
    }
}
