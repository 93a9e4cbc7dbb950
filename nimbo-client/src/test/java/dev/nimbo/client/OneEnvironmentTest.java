package dev.nimbo.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OneEnvironmentTest {
    @TempDir
    Path dir;

    @Test
    void endpointFromEnvOrDefault() {
        assertThat(OneEnvironment.endpoint(Map.of())).isEqualTo(URI.create("http://localhost:2633/RPC2"));
        assertThat(OneEnvironment.endpoint(Map.of("ONE_XMLRPC", "  "))).isEqualTo(URI.create("http://localhost:2633/RPC2"));
        assertThat(OneEnvironment.endpoint(Map.of("ONE_XMLRPC", " http://10.0.0.1:2633/RPC2\n")))
                .isEqualTo(URI.create("http://10.0.0.1:2633/RPC2"));
        assertThatThrownBy(() -> OneEnvironment.endpoint(Map.of("ONE_XMLRPC", "http://bad host/")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ONE_XMLRPC");
    }

    @Test
    void sessionFromOneAuthFile() throws IOException {
        Path auth = Files.writeString(dir.resolve("auth"), "  alice:s3cret \nsecond line ignored\n");
        assertThat(OneEnvironment.session(Map.of("ONE_AUTH", auth.toString(), "HOME", "/nonexistent"))).isEqualTo("alice:s3cret");
    }

    @Test
    void sessionFromHomeDotOne() throws IOException {
        Files.createDirectories(dir.resolve(".one"));
        Files.writeString(dir.resolve(".one/one_auth"), "oneadmin:opennebula");
        assertThat(OneEnvironment.session(Map.of("HOME", dir.toString()))).isEqualTo("oneadmin:opennebula");
        assertThat(OneEnvironment.session(Map.of("HOME", dir.toString(), "ONE_AUTH", ""))).isEqualTo("oneadmin:opennebula");
    }

    @Test
    void missingOrEmptyFileIsAClearIOException() throws IOException {
        assertThatThrownBy(() -> OneEnvironment.session(Map.of("ONE_AUTH", dir.resolve("nope").toString())))
                .isInstanceOf(IOException.class).hasMessageContaining("nope").hasMessageContaining("ONE_AUTH");
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertThatThrownBy(() -> OneEnvironment.session(Map.of("ONE_AUTH", empty.toString())))
                .isInstanceOf(IOException.class).hasMessageContaining("empty");
    }
}
