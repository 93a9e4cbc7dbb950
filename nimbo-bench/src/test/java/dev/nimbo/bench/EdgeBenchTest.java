package dev.nimbo.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The edge benchmark end to end at a tiny size (no QEMU: the simulated hypervisor), so it runs wherever CI runs:
 * an image crosses the emulated link, the link is cut and restored, the VMs stopped during the cut end POWEROFF
 * and the others RUNNING and monitored again. It succeeds only when all of that happened in time.
 */
class EdgeBenchTest {
    @Test
    void smallRunTransfersCutsAndReconciles() {
        int rc = new CommandLine(new NimboBench()).execute("edge", "--rtt-ms", "40", "--rates", "100",
                "--image-mb", "4", "--vms", "12", "--stopped", "3", "--cut-seconds", "1");
        assertThat(rc).isZero();
    }
}
