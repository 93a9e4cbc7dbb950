package dev.nimbo.server.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.testing.NimbodProcess;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The external scheduler: nimbod posts each pending VM and its candidate hosts to a small HTTP server in this
 * test, which picks the worst-ranked candidate (so its choice is visible against the built-in one); when it is
 * slow or fails, the built-in choice stands.
 */
@dev.nimbo.server.it.ParallelSafe
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExternalSchedulerTest {
    private static final Pattern HOST_ID = Pattern.compile("\\{\"id\":(\\d+),\"name\"");

    HttpServer http;
    volatile String mode = "last";
    final List<String> requests = new CopyOnWriteArrayList<>();
    NimbodProcess nimbod;
    OneClient admin;

    @BeforeAll
    void start() throws Exception {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/place", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(body);
            String answer;
            int status = 200;
            switch (mode) {
                case "slow" -> {
                    try {
                        Thread.sleep(3000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    answer = lastHost(body);
                }
                case "broken" -> {
                    status = 500;
                    answer = "{\"error\":\"down\"}";
                }
                default -> answer = lastHost(body);
            }
            byte[] out = answer.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        });
        http.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        http.start();
        nimbod = NimbodProcess.start(Files.createTempDirectory("nimbod-extsched-"), null, Map.of(
                "NIMBO_HOST_MONITOR_INTERVAL", "1", "NIMBO_VM_MONITOR_INTERVAL", "0", "NIMBO_DUMMY_LATENCY", "5",
                "NIMBO_SCHED_INTERVAL", "1", "NIMBO_SCHED_EXTERNAL_TIMEOUT", "0.5",
                "NIMBO_SCHED_EXTERNAL_URL", "http://127.0.0.1:" + http.getAddress().getPort() + "/place"));
        admin = nimbod.client();
    }

    @AfterAll
    void stop() throws Exception {
        if (nimbod != null) {
            assertThat(nimbod.stop()).isZero();
        }
        if (http != null) {
            http.stop(0);
        }
    }

    /** The answer choosing the last candidate listed (the worst built-in rank) and system datastore 0. */
    static String lastHost(String body) {
        Matcher m = HOST_ID.matcher(body);
        String last = "-1";
        while (m.find()) {
            last = m.group(1);
        }
        return "{\"host_id\":" + last + ",\"ds_id\":0}";
    }

    OneResponse ok(OneResponse r) {
        assertThat(r.ok()).as("call failed: %s", r.ok() ? "" : r.message()).isTrue();
        return r;
    }

    int host(String name) {
        int id = ok(admin.call("one.host.allocate", name, "dummy", "dummy", -1)).intValue();
        await().atMost(Duration.ofSeconds(15)).until(() -> XmlNode.parse(ok(admin.call("one.host.info", id))
                .stringValue()).integer("STATE", -1) == 2);
        return id;
    }

    int placedOn(int vm) {
        XmlNode[] x = new XmlNode[1];
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            x[0] = XmlNode.parse(ok(admin.call("one.vm.info", vm)).stringValue());
            return x[0].integer("STATE", -1) == 3 && x[0].integer("LCM_STATE", -1) == 3;
        });
        List<XmlNode> h = x[0].child("HISTORY_RECORDS").all("HISTORY");
        return h.get(h.size() - 1).integer("HID", -1);
    }

    @Test
    void theEndpointChoosesAndFailuresFallBackToTheBuiltInPolicy() throws Exception {
        int busy = host("ext-busy");
        int idle = host("ext-idle");
        // make 'busy' busier: with striping the built-in choice is 'idle'
        int filler = ok(admin.call("one.vm.allocate", "NAME = f\nCPU = 0.1\nMEMORY = 64\nSCHED_REQUIREMENTS = \"ID = "
                + busy + "\"", false)).intValue();
        mode = "broken"; // the filler only has one candidate anyway
        assertThat(placedOn(filler)).isEqualTo(busy);

        mode = "last";
        requests.clear();
        int chosen = ok(admin.call("one.vm.allocate", "NAME = ext\nCPU = 0.1\nMEMORY = 64", false)).intValue();
        assertThat(placedOn(chosen)).as("the endpoint picked the worst-ranked host").isEqualTo(busy);
        String req = requests.stream().filter(r -> r.contains("\"id\":" + chosen + ",")).findFirst().orElseThrow();
        assertThat(req).contains("\"name\":\"ext\"").contains("\"memory_kb\":65536")
                .contains("\"name\":\"ext-busy\"").contains("\"name\":\"ext-idle\"");
        // candidates come best first: idle (fewer VMs) before busy
        assertThat(req.indexOf("ext-idle")).isLessThan(req.indexOf("ext-busy"));

        mode = "slow";
        int slow = ok(admin.call("one.vm.allocate", "NAME = slow\nCPU = 0.1\nMEMORY = 64", false)).intValue();
        assertThat(placedOn(slow)).as("timed out: striping").isEqualTo(idle);
        mode = "broken";
        int broken = ok(admin.call("one.vm.allocate", "NAME = broken\nCPU = 0.1\nMEMORY = 64", false)).intValue();
        int h = placedOn(broken);
        assertThat(h).as("HTTP 500: striping").isIn(busy, idle);
        assertThat(nimbod.log()).contains("external scheduler").contains("built-in placement");
    }
}
