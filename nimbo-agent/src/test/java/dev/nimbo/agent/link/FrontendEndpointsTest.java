package dev.nimbo.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FrontendEndpointsTest {

    @Test
    void parsesAListWithDefaultPortsAndIpv6() {
        FrontendEndpoints e = FrontendEndpoints.parse("fe1:5000, fe2 ,[fd00::1]:4200,[fd00::2]");
        assertThat(e.all()).containsExactly(new FrontendEndpoints.Endpoint("fe1", 5000),
                new FrontendEndpoints.Endpoint("fe2", 4124), new FrontendEndpoints.Endpoint("fd00::1", 4200),
                new FrontendEndpoints.Endpoint("fd00::2", 4124));
    }

    @Test
    void movesOnAtOnceAndWaitsOnlyAfterAWholeRound() {
        FrontendEndpoints e = FrontendEndpoints.parse("a:1,b:1,c:1");
        assertThat(e.current().host()).isEqualTo("a");
        assertThat(e.failed()).isFalse();
        assertThat(e.current().host()).isEqualTo("b");
        assertThat(e.failed()).isFalse();
        assertThat(e.failed()).as("a, b and c failed in a row").isTrue();
        assertThat(e.current().host()).isEqualTo("a");
        e.failed();
        e.succeeded(); // b leads: the agent stays with it
        assertThat(e.current().host()).isEqualTo("b");
        assertThat(e.failed()).as("b's session dropped: try c at once").isFalse();
        assertThat(e.current().host()).isEqualTo("c");

        FrontendEndpoints single = FrontendEndpoints.parse("only:4124");
        assertThat(single.failed()).as("one front-end: wait before each retry, as before").isTrue();
        assertThat(single.current().host()).isEqualTo("only");
    }

    @Test
    void badListsAreRefusedWithTheEntry() {
        assertThatThrownBy(() -> FrontendEndpoints.parse("a:1,b:x")).hasMessageContaining("'b:x'");
        assertThatThrownBy(() -> FrontendEndpoints.parse("a:70000")).hasMessageContaining("1-65535");
        assertThatThrownBy(() -> FrontendEndpoints.parse(":1")).hasMessageContaining("no host");
        assertThatThrownBy(() -> FrontendEndpoints.parse(" , ")).hasMessageContaining("no front-end given");
    }
}
