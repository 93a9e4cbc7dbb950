package dev.nimbo.server.rpc;

import java.util.List;

/**
 * Watches API calls as the pipeline runs them, for API hooks: {@link #begin} sees every authenticated call of a
 * known method before it runs and says whether it wants to see the outcome. Called on the request threads, so
 * implementations must be thread-safe, cheap when not interested (one map lookup), never block, and never throw
 * (the pipeline logs and ignores what they throw).
 */
public interface CallListener {

    /** Listens to nothing. */
    CallListener NONE = (method, params) -> null;

    /**
     * A call is about to run. {@code params} are all the XML-RPC parameters, the session string first, as
     * decoded (not to be modified). Returns null when the outcome is of no interest.
     */
    Observation begin(String method, List<Object> params);

    /** Receives the outcome of one observed call. */
    @FunctionalInterface
    interface Observation {
        /**
         * The call finished: on success {@code value} is the result (errorCode 0, objectId -1); on failure it is
         * the error text the client got, with its code and object ID.
         */
        void end(boolean success, Object value, int errorCode, int objectId);
    }
}
