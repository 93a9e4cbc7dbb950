package dev.nimbo.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class NumaNodeMergeTest {
    static NumaNode node(int cores, int allCores) {
        List<NumaNode.Core> cs = new java.util.ArrayList<>();
        for (int c = 0; c < cores; c++) {
            cs.add(NumaNode.Core.fresh(c, List.of(c, c + allCores), 1));
        }
        return new NumaNode(0, cs, List.of(), new NumaNode.Memory("0", 1024, 0));
    }

    @Test
    void aChangedTopologyReplacesTheCoresSoNoThreadIsListedTwice() {
        NumaNode small = node(4, 4);        // threads 0..7
        NumaNode large = node(24, 48);      // core c: threads c and c + 48
        NumaNode merged = small.mergeTopology(large);
        assertThat(merged.cores()).hasSize(24);
        assertThat(merged.cores().get(0).cpus()).isEqualTo("0:-1,48:-1");
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (NumaNode.Core c : merged.cores()) {
            for (int t : c.threads()) {
                assertThat(seen.add(t)).as("thread %d listed once", t).isTrue();
            }
        }
    }

    @Test
    void pinnedCoresKeepTheirVmsAcrossReports() {
        NumaNode n = node(2, 2);
        NumaNode pinned = new NumaNode(0, List.of(new NumaNode.Core(0, "0:7,2:-2", true, 0), n.cores().get(1)),
                List.of(), n.memory());
        assertThat(pinned.mergeTopology(n)).isEqualTo(pinned);
        NumaNode smaller = new NumaNode(0, List.of(n.cores().get(1)), List.of(), n.memory());
        assertThat(pinned.mergeTopology(smaller).cores()).extracting(NumaNode.Core::id).containsExactly(0, 1);
    }
}
