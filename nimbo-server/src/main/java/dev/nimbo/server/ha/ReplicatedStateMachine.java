package dev.nimbo.server.ha;

import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.Store;
import java.io.IOException;
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
 * replicated records. Ratis calls {@link #applyTransaction} from one thread.
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

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
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

    private void advance(long index) {
        published.accumulateAndGet(index, Math::max);
    }
}
