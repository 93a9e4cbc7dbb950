package dev.nimbo.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The hosts benchmark end to end at a tiny size: it succeeds only when every request did. */
class HostsBenchTest {
    @TempDir
    Path dir;

    @Test
    void smallRunReportsEveryRunWithoutErrors() throws Exception {
        Path json = dir.resolve("hosts.json");
        int rc = new CommandLine(new NimboBench()).execute("hosts", "--hosts", "10", "--rates", "20,50",
                "--seconds", "1", "--warmup", "0", "--clients", "2", "--json", json.toString());
        assertThat(rc).isZero();
        String report = Files.readString(json);
        assertThat(report).contains("\"hosts\": 10", "\"allMonitoredSeconds\"", "\"mix 20 req/s\"", "\"mix 50 req/s\"",
                "\"saturation 2 clients\"", "\"one.hostpool.info\": {\"requests\": ", "\"errors\": 0")
                .doesNotContain("\"errors\": 1").doesNotContain("\"lost\": 1");
    }

    @Test
    void countsOnlyHostsMonitoredWithTheirProfile() {
        String xml = "<HOST_POOL><HOST><ID>3</ID><STATE>2</STATE><HOST_SHARE><TOTAL_CPU>1600</TOTAL_CPU></HOST_SHARE></HOST>"
                + "<HOST><ID>4</ID><STATE>2</STATE><HOST_SHARE><TOTAL_CPU>800</TOTAL_CPU></HOST_SHARE></HOST>"
                + "<HOST><ID>5</ID><STATE>1</STATE><HOST_SHARE><TOTAL_CPU>9600</TOTAL_CPU></HOST_SHARE></HOST>"
                + "<HOST><ID>6</ID><STATE>2</STATE><HOST_SHARE><TOTAL_CPU>9600</TOTAL_CPU></HOST_SHARE></HOST></HOST_POOL>";
        assertThat(HostsBench.countMonitored(xml, java.util.Map.of(3, 1600, 4, 1600, 5, 9600, 6, 9600))).isEqualTo(2);
    }
}
