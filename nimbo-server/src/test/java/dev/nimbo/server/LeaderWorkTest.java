package dev.nimbo.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.state.Controller;
import dev.nimbo.server.agent.AgentHub;
import dev.nimbo.server.api.ApiContext;
import dev.nimbo.server.monitor.HostMonitor;
import dev.nimbo.server.sched.SchedulerLoop;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica that leads, follows and leads again runs {@link LeaderWork#stop} and {@link LeaderWork#start} on the
 * same controller each time: the cycles must not pile up commit listeners (each would keep a dead manager alive
 * and make every commit slower) and must leave the managers running again after each new leadership.
 */
class LeaderWorkTest {

    @Test
    void leadershipCyclesLeaveNoCommitListenersBehind(@TempDir Path dir) {
        System.setProperty("nimbo.agent.port", "0");
        NimboServer server;
        try {
            server = NimboServer.start(new ServerConfig(dir.resolve("front"), "127.0.0.1", 0, null, 0,
                    ServerConfig.DEFAULT_MAX_REQUEST_BYTES, 1000));
        } finally {
            System.clearProperty("nimbo.agent.port");
        }
        try (server) {
            Controller c = server.controller();
            ApiContext ctx = server.context();
            assertThat(HostMonitor.find(ctx)).as("a single front-end leads from the start").isNotNull();
            int leading = c.commitListenerCount();
            LeaderWork.stop(c);
            int following = c.commitListenerCount();
            assertThat(following).as("the host monitor and the scheduler unregister").isLessThanOrEqualTo(leading - 2);
            System.setProperty("nimbo.agent.port", "0");
            try {
                for (int cycle = 0; cycle < 3; cycle++) {
                    LeaderWork.start(ctx);
                    assertThat(c.commitListenerCount()).as("leading again, cycle %d", cycle).isEqualTo(leading);
                    assertThat(HostMonitor.find(ctx)).isNotNull();
                    assertThat(SchedulerLoop.of(c)).isNotNull();
                    LeaderWork.stop(c);
                    assertThat(c.commitListenerCount()).as("following again, cycle %d", cycle).isEqualTo(following);
                    assertThat(HostMonitor.find(ctx)).isNull();
                    assertThat(AgentHub.linkOf(ctx).connected(0)).isFalse();
                }
                LeaderWork.start(ctx);
            } finally {
                System.clearProperty("nimbo.agent.port");
            }
        }
    }
}
