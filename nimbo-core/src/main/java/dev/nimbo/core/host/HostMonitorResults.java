package dev.nimbo.core.host;

import dev.nimbo.core.cluster.Cluster;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Transaction;

/**
 * What a finished monitoring does to its host, as one controller action: it re-reads the host (which may
 * have been deleted, taken offline or moved to another cluster meanwhile) and stages the new version.
 * Controller thread only.
 */
public final class HostMonitorResults {
    private HostMonitorResults() {
    }

    /**
     * Applies a success ({@code failure} null, {@code result} given) or a failure (its reason). Returns the
     * monitoring record to keep in the history, or null when there is none (failure, host gone or offline).
     */
    public static MonitoringSample apply(Transaction tx, int hostId, HostMonitoring result, String failure) {
        PoolObject o = tx.get(ObjectType.HOST, hostId);
        if (!(o instanceof Host h) || h.state() == HostState.OFFLINE) {
            return null;
        }
        if (failure != null || result == null) {
            tx.put(h.monitorFailed(failure == null ? "no monitoring data" : failure, tx.now()));
            return null;
        }
        Cluster c = (Cluster) tx.get(ObjectType.CLUSTER, h.clusterId());
        Host next = h.monitored(result, c, tx.now());
        tx.put(next);
        return next.monitoring();
    }
}
