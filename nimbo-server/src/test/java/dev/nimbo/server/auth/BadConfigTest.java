package dev.nimbo.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.testing.NimbodProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A bad configuration file stops nimbod at start with exit 2 and one line naming the setting, no stack trace. */
@dev.nimbo.server.it.ParallelSafe
class BadConfigTest {

    NimbodProcess.ProcessResult run(String yaml) throws Exception {
        Path dir = Files.createTempDirectory("nimbod-badconfig-");
        Path config = dir.resolve("nimbod.yaml");
        Files.writeString(config, yaml);
        return NimbodProcess.runToExit(dir, Duration.ofSeconds(60), "--data", dir.resolve("data").toString(),
                "--port", String.valueOf(NimbodProcess.freePort()), "--config", config.toString());
    }

    @Test
    void unknownDriverMissingLdapBaseBadYamlAndMissingTlsFilesAreReported() throws Exception {
        var unknown = run("auth:\n  authn: [core, kerberos]\n");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.output()).contains("auth.authn: unknown driver 'kerberos'").doesNotContain("Exception");

        var noBase = run("auth:\n  authn: [core, ldap]\n  ldap:\n    main:\n      :host: localhost\n");
        assertThat(noBase.exitCode()).isEqualTo(2);
        assertThat(noBase.output()).contains("auth.ldap.main.base is required");

        var yaml = run("auth:\n  authn: [core\n");
        assertThat(yaml.exitCode()).isEqualTo(2);
        assertThat(yaml.output()).contains("line 2");

        var tls = run("tls:\n  cert: missing.pem\n  key: missing.key\n");
        assertThat(tls.exitCode()).isEqualTo(1);
        assertThat(tls.output()).contains("TLS").contains("missing.key").doesNotContain("\tat ");
    }
}
