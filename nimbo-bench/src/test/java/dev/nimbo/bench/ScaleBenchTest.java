package dev.nimbo.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The scale benchmark end to end at 1 % size: the report is complete and every request succeeded. */
class ScaleBenchTest {
    @TempDir
    Path dir;

    @Test
    void onePercentRunReportsEverythingWithoutErrors() throws Exception {
        Path json = dir.resolve("scale.json");
        int rc = new CommandLine(new NimboBench()).execute("scale", "--scale", "0.01", "--rates", "20,60",
                "--seconds", "2", "--saturation-seconds", "2", "--clients", "4",
                "--data", dir.resolve("data").toString(), "--json", json.toString());
        assertThat(rc).isZero();
        String report = Files.readString(json);
        assertThat(report).contains("\"hosts\": 13", "\"vms\": 200", "\"createToAllRunningSeconds\"",
                "\"hostMonitoringRate\"", "\"liveHeapMb\"", "\"rssMb\"", "\"databaseMb\"", "\"startupFullDatabaseMs\"",
                "\"vmsActiveAfterRestart\": 200", "\"stopExitCode\": 0", "\"mix 20 req/s\"", "\"mix 60 req/s\"",
                "\"mix saturation 4 clients\"", "\"single-object saturation 4 clients\"");
        for (String method : new String[] {"one.host.info", "one.hostpool.info", "one.vm.info", "one.vmpool.info"}) {
            assertThat(report).contains("\"" + method + "\": {\"requests\": ");
        }
        // no request failed or went missing in any run
        assertThat(report).doesNotContainPattern("\"errors\": [1-9]").doesNotContainPattern("\"lost\": [1-9]");
    }
}
