package dev.nimbo.server.sched;

import dev.nimbo.core.sched.HostSlot;
import dev.nimbo.core.sched.Placer;
import dev.nimbo.core.sched.VmRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An outside placement policy over HTTP: for each VM, after the built-in filters, it POSTs the VM and its
 * candidate hosts (best built-in rank first) as JSON and reads back the host and, optionally, the system
 * datastore:
 * <pre>
 * → {"vm":{"id":7,"name":"web-7","uid":3,"gid":1,"cpu":100,"memory_kb":1048576,"disk_mb":0,"vcpu":2},
 *    "hosts":[{"id":4,"name":"edge-4","cluster_id":0,"rank":-3.0,"free_cpu":700,"free_memory_kb":30000000,
 *              "running_vms":3}, …]}
 * ← {"host_id":4,"ds_id":0}
 * </pre>
 * No answer within the timeout, an error status, a body without a known host: the built-in choice stands (and is
 * logged once per failure streak). Thread-safe; one HTTP client for the daemon.
 */
final class ExternalScheduler implements Placer.Chooser {
    private static final Logger log = LoggerFactory.getLogger(ExternalScheduler.class);
    private static final Pattern HOST = Pattern.compile("\"host_id\"\\s*:\\s*(-?\\d+)");
    private static final Pattern DS = Pattern.compile("\"ds_id\"\\s*:\\s*(-?\\d+)");

    private final URI url;
    private final Duration timeout;
    private final HttpClient http;
    private volatile boolean failing;

    ExternalScheduler(URI url, Duration timeout) {
        this.url = url;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public Placer.Choice choose(VmRequest r, List<Placer.Candidate> candidates) {
        try {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(url).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body(r, candidates))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() / 100 != 2) {
                return fallback("HTTP " + res.statusCode());
            }
            Matcher h = HOST.matcher(res.body());
            if (!h.find()) {
                return fallback("no host_id in the answer");
            }
            Matcher d = DS.matcher(res.body());
            failing = false;
            return new Placer.Choice(Integer.parseInt(h.group(1)), d.find() ? Integer.parseInt(d.group(1)) : -1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fallback("interrupted");
        } catch (Exception e) {
            return fallback(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    private Placer.Choice fallback(String why) {
        if (!failing) {
            log.warn("external scheduler {} not used ({}): built-in placement until it answers again", url, why);
            failing = true;
        }
        return null;
    }

    static String body(VmRequest r, List<Placer.Candidate> candidates) {
        StringBuilder b = new StringBuilder(256 + 160 * candidates.size());
        b.append("{\"vm\":{\"id\":").append(r.id()).append(",\"name\":").append(quote(r.vm().name()))
                .append(",\"uid\":").append(r.vm().uid()).append(",\"gid\":").append(r.vm().gid())
                .append(",\"cpu\":").append(r.cpu()).append(",\"memory_kb\":").append(r.memKb())
                .append(",\"disk_mb\":").append(r.diskMb()).append(",\"vcpu\":").append(r.vm().vcpu())
                .append("},\"hosts\":[");
        for (int i = 0; i < candidates.size(); i++) {
            HostSlot h = candidates.get(i).host();
            b.append(i == 0 ? "" : ",").append("{\"id\":").append(h.id()).append(",\"name\":")
                    .append(quote(h.host().name())).append(",\"cluster_id\":").append(h.host().clusterId())
                    .append(",\"rank\":").append(candidates.get(i).rank()).append(",\"free_cpu\":").append(h.freeCpu())
                    .append(",\"free_memory_kb\":").append(h.freeMem()).append(",\"running_vms\":")
                    .append(h.runningVms()).append('}');
        }
        return b.append("]}").toString();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
