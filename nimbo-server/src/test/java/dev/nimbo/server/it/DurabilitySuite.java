package dev.nimbo.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.testing.NimbodProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Restarts and crashes of a real nimbod: what was acknowledged must be there afterwards, on every database. */
abstract class DurabilitySuite {

    abstract String dbUrl() throws Exception;

    @Test
    void gracefulRestartKeepsEverything() throws Exception {
        Path dir = Files.createTempDirectory("nimbod-restart-");
        try (NimbodProcess nimbod = NimbodProcess.start(dir, dbUrl())) {
            OneClient admin = nimbod.client();
            int gid = admin.call("one.group.allocate", "restart_grp").intValue();
            int uid = admin.call("one.user.allocate", "restart_user", "pw", "", List.of(gid)).intValue();
            assertThat(admin.call("one.user.quota", uid, "VM=[VMS=3]").ok()).isTrue();
            int rule = admin.call("one.acl.addrule", "0x" + Long.toHexString(0x100000000L | uid), "0x1000400000000",
                    "0x1").intValue();
            int doc = admin.call("one.document.allocate", "NAME=kept\nDATA=1", 3).intValue();
            String token = nimbod.client("restart_user:pw").call("one.user.login", "restart_user", "", 3600, -1).stringValue();
            String users = admin.call("one.userpool.info").stringValue();
            String groups = admin.call("one.grouppool.info").stringValue();
            String acls = admin.call("one.acl.info").stringValue();
            String docs = admin.call("one.documentpool.info", -2, -1, -1).stringValue();

            assertThat(nimbod.stop()).isZero();
            nimbod.restart();

            OneClient again = nimbod.client();
            assertThat(again.call("one.userpool.info").stringValue()).isEqualTo(users);
            assertThat(again.call("one.grouppool.info").stringValue()).isEqualTo(groups);
            assertThat(again.call("one.acl.info").stringValue()).isEqualTo(acls);
            assertThat(again.call("one.documentpool.info", -2, -1, -1).stringValue()).isEqualTo(docs);
            assertThat(nimbod.client("restart_user:" + token).call("one.user.info", -1).ok()).isTrue();
            // Sequences survive: new IDs continue after the old ones, never reusing them.
            assertThat(again.call("one.document.allocate", "NAME=next", 3).intValue()).isGreaterThan(doc);
            assertThat(again.call("one.group.allocate", "restart_grp2").intValue()).isGreaterThan(gid);
            assertThat(rule).isPositive();
            assertThat(nimbod.log()).contains("stopped");
        }
    }

    @Test
    void killNineLosesNoAcknowledgedWrite() throws Exception {
        stopUnderLoad(true);
    }

    @Test
    void sigtermUnderLoadFinishesInFlightRequestsAndExitsCleanly() throws Exception {
        stopUnderLoad(false);
    }

    /** Eight writers allocate documents while the daemon is killed (kill -9) or stopped (SIGTERM). */
    private void stopUnderLoad(boolean crash) throws Exception {
        Path dir = Files.createTempDirectory("nimbod-kill-");
        try (NimbodProcess nimbod = NimbodProcess.start(dir, dbUrl())) {
            Map<Integer, String> acknowledged = new ConcurrentHashMap<>();
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor();
            for (int w = 0; w < 8; w++) {
                int writer = w;
                writers.submit(() -> {
                    try (OneClient c = nimbod.client()) {
                        for (int i = 0; running.get(); i++) {
                            String name = "w" + writer + "_" + i;
                            OneResponse r = c.call("one.document.allocate", "NAME=" + name, 1);
                            if (r.ok()) {
                                acknowledged.put(r.intValue(), name);
                            }
                        }
                    } catch (RuntimeException connectionCut) {
                        // the daemon died under us: expected
                    }
                    return null;
                });
            }
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
            while (System.nanoTime() < until || acknowledged.size() < 50) {
                Thread.sleep(20);
            }
            if (crash) {
                nimbod.kill();
            } else {
                assertThat(nimbod.stop()).as("exit code after SIGTERM").isZero();
            }
            running.set(false);
            writers.shutdown();
            assertThat(writers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

            nimbod.restart();
            String pool = nimbod.client().call("one.documentpool.info", -2, -1, -1).stringValue();
            for (Map.Entry<Integer, String> e : acknowledged.entrySet()) {
                assertThat(pool).as("acknowledged document %s", e.getKey())
                        .contains("<ID>" + e.getKey() + "</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME>"
                                + "<GNAME>oneadmin</GNAME><NAME>" + e.getValue() + "</NAME>");
            }
            assertThat(acknowledged.size()).isGreaterThanOrEqualTo(50);
        }
    }
}
