package dev.nimbo.core.vm;

import java.util.concurrent.CompletableFuture;

/**
 * A transfer driver (a datastore's TM_MAD): moves a VM's disks into the host's system datastore (PROLOG, and
 * PROLOG_RESUME from a stop or undeploy), out of it (EPILOG, EPILOG_STOP) and drops them (EPILOG_DELETE).
 * Asynchronous like {@link VmmDriver}; implementations are thread-safe.
 */
public interface TransferDriver {

    /** The TM_MAD name, e.g. "dummy", "ssh", "shared". */
    String name();

    CompletableFuture<DriverResult> execute(DriverRequest request);
}
