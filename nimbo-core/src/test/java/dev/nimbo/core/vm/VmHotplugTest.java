package dev.nimbo.core.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.template.Template;
import org.junit.jupiter.api.Test;

class VmHotplugTest {
    @Test
    void anAttachedDiskTakesAnIdAboveTheContextCdrom() {
        // as oned: the context disk's ID counts, or the new disk would take the context ISO's file on the host
        assertThat(VmHotplug.nextDiskId(Template.parse("DISK=[ DISK_ID=0 ]\nDISK=[ DISK_ID=1 ]\nCONTEXT=[ DISK_ID=2 ]")))
                .isEqualTo(3);
        assertThat(VmHotplug.nextDiskId(Template.parse("DISK=[ DISK_ID=0 ]\nDISK=[ DISK_ID=4 ]\nCONTEXT=[ DISK_ID=1 ]")))
                .isEqualTo(5);
        assertThat(VmHotplug.nextDiskId(Template.parse("CPU=1"))).isZero();
    }
}
