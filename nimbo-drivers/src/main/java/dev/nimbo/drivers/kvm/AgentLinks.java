package dev.nimbo.drivers.kvm;

import java.util.concurrent.CompletionException;

/** Small helpers of the kvm drivers. */
final class AgentLinks {
    private AgentLinks() {
    }

    /** The message of a failure, without the CompletionException / ExecutionException wrappers. */
    static String reason(Throwable e) {
        while ((e instanceof CompletionException || e instanceof java.util.concurrent.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
