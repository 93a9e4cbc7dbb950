package dev.nimbo.server.rpc;

/**
 * Decides, before the pipeline, whether a request is answered by this daemon. A replicated follower answers
 * reads itself and forwards writes to the leader. Thread-safe.
 */
public interface RequestRouter {
    /** Marks a request one replica forwarded to another, so it is never forwarded again. */
    String FORWARDED_HEADER = "X-Nimbo-Forwarded";
    /** On answers: the replication log index the answering replica had applied. */
    String APPLIED_HEADER = "X-Nimbo-Applied-Index";

    /** The answer obtained elsewhere, or null to answer here. */
    byte[] route(byte[] body, boolean forwarded);

    /** Value of {@link #APPLIED_HEADER} for an answer given here. */
    long appliedIndex();
}
