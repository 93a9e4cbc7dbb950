package dev.nimbo.core.host;

import java.util.concurrent.CompletableFuture;

/**
 * An information (IM_MAD) driver: finds out what a host has and how busy it is. Asynchronous: {@link #monitor}
 * returns at once and completes later, normally with the host's {@link HostMonitoring}, or exceptionally
 * (a {@link MonitoringException} carries the reason the host's ERROR shows). Implementations must be
 * thread-safe; the monitor calls them from its own threads, one monitoring per host at a time.
 */
public interface InformationDriver {

    /** The IM_MAD name hosts use to pick this driver, e.g. "dummy", "kvm". */
    String name();

    CompletableFuture<HostMonitoring> monitor(Host host);
}
