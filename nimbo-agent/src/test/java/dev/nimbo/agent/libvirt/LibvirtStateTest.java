package dev.nimbo.agent.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** libvirt's domain states (virDomainState numbers, as domstats prints them) as a poll's STATE. */
class LibvirtStateTest {
    @Test
    void domainStatesMapToWhatTheFrontEndReads() {
        assertThat(LibvirtVmm.state("1")).isEqualTo("RUNNING");
        assertThat(LibvirtVmm.state("2")).isEqualTo("RUNNING"); // blocked on I/O
        assertThat(LibvirtVmm.state("4")).isEqualTo("RUNNING"); // shutting down
        assertThat(LibvirtVmm.state("3")).isEqualTo("PAUSED");
        assertThat(LibvirtVmm.state("7")).isEqualTo("PAUSED"); // suspended to RAM
        assertThat(LibvirtVmm.state("5")).isEqualTo("POWEROFF");
        assertThat(LibvirtVmm.state("6")).isEqualTo("FAILURE"); // crashed
        assertThat(LibvirtVmm.state(null)).isEqualTo("RUNNING");
    }
}
