package dev.nimbo.core.cluster;

import dev.nimbo.core.obj.PoolObject;
import java.util.Set;

/**
 * An object that belongs to clusters (datastores and virtual networks to several, hosts to one). Cluster
 * membership is recorded on both sides, so adding or removing changes the member and the cluster together.
 */
public interface ClusterMember extends PoolObject {
    Set<Integer> clusters();

    ClusterMember withClusters(Set<Integer> clusterIds);
}
