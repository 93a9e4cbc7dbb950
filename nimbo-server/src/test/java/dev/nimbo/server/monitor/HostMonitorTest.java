package dev.nimbo.server.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.core.cluster.Cluster;
import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.HostMonitoring;
import dev.nimbo.core.host.HostState;
import dev.nimbo.core.host.InformationDriver;
import dev.nimbo.core.host.MonitoringStore;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.ObjectTable;
import dev.nimbo.core.state.Record;
import dev.nimbo.core.state.Store;
import dev.nimbo.drivers.im.DummyInformationDriver;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The host monitor against a real controller, in-memory history and stand-in drivers, at a fast pace. */
class HostMonitorTest {

    /** Keeps nothing: the pools live in the controller's tables. */
    static final class NoStore implements Store {
        @Override
        public Snapshot load() {
            return new Snapshot(List.of(), Map.of());
        }

        @Override
        public void commit(List<Record> records) {
        }

        @Override
        public String describe() {
            return "none";
        }

        @Override
        public void close() {
        }
    }

    /** History in a list; counts what the monitor asks of it. */
    /** A driver that never answers. */
    static final class StuckDriver implements InformationDriver {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public String name() {
            return "stuck";
        }

        @Override
        public CompletableFuture<HostMonitoring> monitor(Host host) {
            calls.incrementAndGet();
            return new CompletableFuture<>();
        }
    }

    Controller controller;
    ObjectTable published;
    MemoryMonitoringStore history = new MemoryMonitoringStore();
    StuckDriver stuck = new StuckDriver();
    HostMonitor monitor;

    @BeforeEach
    void start() {
        published = new ObjectTable();
        controller = new Controller(new NoStore(), published, Clock.systemUTC());
        controller.start();
        controller.execute(tx -> {
            tx.put(Cluster.create(0, "default"));
            return null;
        });
        monitor = new HostMonitor(controller, published, history,
                Map.of("dummy", new DummyInformationDriver(), "stuck", stuck),
                new MonitorSettings(Duration.ofMillis(200), Duration.ofMillis(300), Duration.ofSeconds(2)),
                Clock.systemUTC());
        monitor.begin();
    }

    @AfterEach
    void stop() {
        monitor.close();
        controller.close();
    }

    int addHost(String name, String im, HostState state) {
        return controller.execute(tx -> {
            int id = tx.nextId(ObjectType.HOST);
            Host h = Host.create(id, name, im, "dummy", 0, "default");
            tx.put(state == HostState.INIT ? h : h.withState(state));
            tx.put(((Cluster) tx.get(ObjectType.CLUSTER, 0)).withHost(id));
            return id;
        });
    }

    Host host(int id) {
        return (Host) published.get(ObjectType.HOST, id);
    }

    @Test
    void monitorsFailsTimesOutAndKeepsHistory() {
        int ok = addHost("ok", "dummy", HostState.INIT);
        int slow = addHost("slow", "stuck", HostState.INIT);
        int ghost = addHost("ghost", "nope", HostState.INIT);
        int off = addHost("off", "dummy", HostState.OFFLINE);

        await().atMost(Duration.ofSeconds(20)).until(() -> host(ok).state() == HostState.MONITORED);
        assertThat(host(ok).share().totalCpu()).isEqualTo(800);
        await().atMost(Duration.ofSeconds(20)).until(() -> host(slow).state() == HostState.ERROR);
        assertThat(host(slow).template().get("ERROR")).contains("monitoring timed out after");
        await().atMost(Duration.ofSeconds(20)).until(() -> host(ghost).state() == HostState.ERROR);
        assertThat(host(ghost).template().get("ERROR")).contains("Cannot find IM driver 'nope'");

        // periodic: several records for the good host, none for the offline one
        await().atMost(Duration.ofSeconds(20)).until(() -> history.of(ok).size() >= 2);
        assertThat(history.of(off)).isEmpty();
        assertThat(host(off).state()).isEqualTo(HostState.OFFLINE);
        // one monitoring at a time: a call that never answers is retried only after its timeout
        assertThat(stuck.calls.get()).isPositive();

        // old records expire
        await().atMost(Duration.ofSeconds(20)).until(() -> history.expiries.get() > 0);

        // a deleted host's history goes with it
        controller.execute(tx -> {
            tx.delete(ObjectType.HOST, ok);
            return null;
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> history.deletedHosts.contains(ok));
        assertThat(history.of(ok)).isEmpty();
    }

    @Test
    void askingWhileAMonitoringRunsMonitorsAgainAfterIt() {
        int id = addHost("again", "dummy", HostState.INIT);
        await().atMost(Duration.ofSeconds(20)).until(() -> host(id).state() == HostState.MONITORED);
        controller.execute(tx -> {
            Host h = (Host) tx.get(ObjectType.HOST, id);
            tx.put(h.withUserTemplate(h.template().with("DUMMY_PROFILE", "edge-small"), null));
            return null;
        });
        monitor.requestMonitoring(id);
        monitor.requestMonitoring(id);
        await().atMost(Duration.ofSeconds(20)).until(() -> host(id).share().totalCpu() == 1600);
        assertThat(host(id).share().pciDevices()).hasSize(5);
    }
}
