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
import java.util.concurrent.ExecutionException;
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
            peers.add(RaftPeer.newBuilder().setId(peerId(p.id())).setAddress(p.raftAddress()).build());
        }
        // One Raft group per zone: every replica derives the same ID.
        this.group = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.nameUUIDFromBytes("nimbo-zone-0".getBytes(StandardCharsets.UTF_8))),
                peers);
        this.selfId = peerId(config.selfId());
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
        // Loaded machines (and WAN links) stall for hundreds of ms: elections after 1-2 s of silence avoid
        // needless leader changes and still fail over well within 5 s.
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(1000, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(2000, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(10, TimeUnit.SECONDS));
        // The log is the replicas' only catch-up source until snapshots carry the database: keep all of it.
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, false);
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

    @Override
    public Snapshot load() {
        return local.load();
    }

    @Override
    public void commit(List<Record> records) {
        if (records.isEmpty()) {
            return;
        }
        UUID id = UUID.randomUUID();
        CompletableFuture<Long> applied = new CompletableFuture<>();
        machine.own.put(id, applied);
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(selfId)
                .setGroupId(group.getGroupId())
                .setCallId(callIds.incrementAndGet())
                .setMessage(Message.valueOf(ByteString.copyFrom(codec.encode(id, writeTerm, records))))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        CompletableFuture<RaftClientReply> reply;
        try {
            reply = server.submitClientRequestAsync(request);
        } catch (IOException e) {
            machine.own.remove(id);
            throw new StoreException("cannot replicate: " + e.getMessage(), e);
        }
        // Whichever comes first decides: the state machine applying the batch (committed), or a failed reply.
        reply.whenComplete((r, err) -> {
            Throwable failure = err != null ? err : r.isSuccess() ? null : r.getException();
            if (failure != null && machine.own.remove(id) != null) {
                applied.completeExceptionally(failure);
            }
        });
        try {
            applied.get(COMMIT_GIVE_UP_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new StoreException("not replicated: " + reason(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while replicating", e);
        } catch (TimeoutException e) {
            // The batch may still commit later; this replica's state would then be ahead of what its controller
            // believes. Stopping is the safe way out: the others elect a leader, a restart replays the log.
            log.error("a batch was neither committed nor refused within {} s; stopping this replica", COMMIT_GIVE_UP_SECONDS);
            Runtime.getRuntime().halt(75);
        }
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
        local.close();
    }
}
