package dev.nimbo.server.ha;

import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.Store;
import dev.nimbo.core.state.Record;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.protocol.RaftGroupId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies committed record batches, in log order, on every replica: first to this replica's own database, then
 * to its in-memory pools. A batch this replica's controller proposed and still waits for goes back to it (the
 * controller publishes it as after any commit); every other batch is handed to the controller's queue as
 * replicated records. Snapshots are copies of the local database in {@link RecordCodec}'s format; they let
 * Ratis compact the log and bring a new or wiped replica up to date. Ratis calls {@link #applyTransaction},
 * {@link #takeSnapshot} and {@link #reinitialize} from one thread.
 */
final class ReplicatedStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(ReplicatedStateMachine.class);

    private final Store local;
    private final RecordCodec codec;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    /** Batches proposed here whose controller waits for them, by batch ID: completed with the log index. */
    final Map<UUID, CompletableFuture<Long>> own = new ConcurrentHashMap<>();
    /** The highest log index whose records this replica's readers can see. */
    private final AtomicLong published = new AtomicLong();
    private volatile Controller controller;
    /** Told at once when this replica's role may have changed (the leader duties wake up). */
    private volatile Runnable roleChanged = () -> { };

    ReplicatedStateMachine(Store local, RecordCodec codec) {
        this.local = local;
        this.codec = codec;
    }

    void attach(Controller c) {
        this.controller = c;
    }

    long publishedIndex() {
        return published.get();
    }

    /**
     * The local database already holds at least everything up to the latest snapshot (a snapshot is a copy of
     * it), so the log is replayed from there; replaying batches the database already has is harmless because
     * each record sets an object to a whole version.
     */
    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        SingleFileSnapshotInfo latest = storage.loadLatestSnapshot();
        if (latest != null) {
            updateLastAppliedTermIndex(latest.getTerm(), latest.getIndex());
            published.set(latest.getIndex());
        }
        // BaseStateMachine leaves its life cycle to us; Ratis checks it is PAUSED before reinitialize().
        getLifeCycle().transition(LifeCycle.State.STARTING);
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    /** Ratis pauses before writing each chunk of a snapshot the leader sends. */
    @Override
    public void pause() {
        if (getLifeCycleState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    /** Ratis calls this between applies: the database is exactly the state at the last applied index. */
    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() <= 0) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        Path tmp = file.toPath().resolveSibling(file.getName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            RecordCodec.encodeSnapshot(local.load(), last.getTerm(), out);
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last));
        log.info("snapshot at log index {} (term {}): {} bytes", last.getIndex(), last.getTerm(), Files.size(file.toPath()));
        return last.getIndex();
    }

    /**
     * After the leader installed its snapshot here (this replica was new, wiped, or too far behind the
     * compacted log): make the database and the pools exactly the snapshot's state.
     */
    @Override
    public void reinitialize() throws IOException {
        SingleFileSnapshotInfo latest = storage.loadLatestSnapshot();
        if (latest == null) {
            return;
        }
        RecordCodec.Batch state;
        try (InputStream in = Files.newInputStream(latest.getFile().getPath())) {
            state = codec.decode(in);
        }
        Set<String> kept = new HashSet<>();
        for (Record r : state.records()) {
            if (r instanceof Record.Put p) {
                kept.add(p.object().type() + "/" + p.object().id());
            }
        }
        List<Record> change = new ArrayList<>();
        for (Store.Row row : local.load().rows()) {
            if (!kept.contains(row.type() + "/" + row.id())) {
                change.add(new Record.Delete(row.type(), row.id()));
            }
        }
        change.addAll(state.records());
        local.commit(change);
        updateLastAppliedTermIndex(latest.getTerm(), latest.getIndex());
        long index = latest.getIndex();
        controller.applyReplicated(change).thenRun(() -> advance(index));
        log.info("installed the leader's snapshot at log index {} ({} records)", index, change.size());
        // Ratis paused this state machine for the installation; it runs again from here.
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    /**
     * Leader side, before the batch is appended: a batch computed while this replica led in an earlier term was
     * validated against a state that may since have changed, so it is refused.
     */
    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        long batchTerm = RecordCodec.term(request.getMessage().getContent().toByteArray());
        long current = getServer().join().getDivision(getGroupId()).getInfo().getCurrentTerm();
        if (batchTerm != current) {
            throw new StateMachineException("batch prepared in term " + batchTerm + " refused in term " + current);
        }
        return super.startTransaction(request);
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long index = entry.getIndex();
        try {
            RecordCodec.Batch batch = codec.decode(entry.getStateMachineLogEntry().getLogData().toByteArray());
            local.commit(batch.records());
            updateLastAppliedTermIndex(entry.getTerm(), index);
            CompletableFuture<Long> mine = own.remove(batch.id());
            if (mine != null) {
                advance(index);
                mine.complete(index);
            } else {
                controller.applyReplicated(batch.records()).thenRun(() -> advance(index));
            }
            return CompletableFuture.completedFuture(Message.EMPTY);
        } catch (RuntimeException | Error e) {
            // The replicas would diverge if this one went on without the batch: stop, and replay the log on restart.
            log.error("cannot apply log entry {}; stopping this replica", index, e);
            Runtime.getRuntime().halt(70);
            throw e;
        }
    }

    /** Entries without records (elections' no-ops, configuration changes) also move the visible index. */
    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        super.notifyTermIndexUpdated(term, index);
        Controller c = controller;
        if (c != null) {
            c.applyReplicated(List.of()).thenRun(() -> advance(index));
        }
    }

    void onRoleChange(Runnable r) {
        roleChanged = r;
    }

    /** A leader that steps down stops its managers now, not at the next poll (fencing). */
    @Override
    public void notifyNotLeader(java.util.Collection<org.apache.ratis.statemachine.TransactionContext> pending) {
        roleChanged.run();
    }

    @Override
    public void notifyLeaderChanged(org.apache.ratis.protocol.RaftGroupMemberId member,
                                    org.apache.ratis.protocol.RaftPeerId newLeader) {
        roleChanged.run();
    }

    @Override
    public void notifyLeaderReady() {
        roleChanged.run();
    }

    private void advance(long index) {
        published.accumulateAndGet(index, Math::max);
    }
}
