package dev.nimbo.server.ha;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LeaderRouterTest {

    @Test
    void readOnlyMethodsAreAnsweredByAnyReplica() {
        assertThat(LeaderRouter.readOnly("one.vm.info")).isTrue();
        assertThat(LeaderRouter.readOnly("one.vmpool.info")).isTrue();
        assertThat(LeaderRouter.readOnly("one.vmpool.infoextended")).isTrue();
        assertThat(LeaderRouter.readOnly("one.userquota.info")).isTrue();
        assertThat(LeaderRouter.readOnly("one.zone.raftstatus")).isTrue();
        assertThat(LeaderRouter.readOnly("one.system.version")).isTrue();
        assertThat(LeaderRouter.readOnly("one.vm.allocate")).isFalse();
        assertThat(LeaderRouter.readOnly("one.user.login")).isFalse();
        assertThat(LeaderRouter.readOnly("one.vm.monitoring")).as("monitoring lives on the leader").isFalse();
        assertThat(LeaderRouter.readOnly("one.vmpool.calculateshowback")).isFalse();
    }
}
