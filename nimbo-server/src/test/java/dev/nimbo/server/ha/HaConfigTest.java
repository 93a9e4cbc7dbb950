package dev.nimbo.server.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.server.StartupException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HaConfigTest {
    private static final Path DATA = Path.of("/var/lib/nimbo");

    @Test
    void parsesPeersWithAndWithoutApiPorts() {
        HaConfig c = HaConfig.parse(1, "0=10.0.0.1:2634, 1=10.0.0.2:2634:3633,2=front3:2634", 2633, DATA);
        assertThat(c.peers()).containsExactly(new HaConfig.Peer(0, "10.0.0.1", 2634, 2633),
                new HaConfig.Peer(1, "10.0.0.2", 2634, 3633), new HaConfig.Peer(2, "front3", 2634, 2633));
        assertThat(c.self().endpoint()).isEqualTo("http://10.0.0.2:3633/RPC2");
        assertThat(c.raftDir()).isEqualTo(DATA.resolve("raft"));
    }

    @Test
    void badInputGetsAMessageNamingTheProblem() {
        assertThatThrownBy(() -> HaConfig.parse(3, "0=a:1,1=b:1", 2633, DATA)).isInstanceOf(StartupException.class)
                .hasMessageContaining("--ha-id 3 is not among --ha-peers");
        assertThatThrownBy(() -> HaConfig.parse(0, "0=a:1,0=b:2", 2633, DATA)).hasMessageContaining("names server 0 twice");
        assertThatThrownBy(() -> HaConfig.parse(0, "0=a:1,1=a:1", 2633, DATA)).hasMessageContaining("uses a:1 for two");
        assertThatThrownBy(() -> HaConfig.parse(0, "0=a", 2633, DATA)).hasMessageContaining("is not ID=HOST:RAFT_PORT");
        assertThatThrownBy(() -> HaConfig.parse(0, "x=a:1", 2633, DATA)).hasMessageContaining("server ID must be a number");
        assertThatThrownBy(() -> HaConfig.parse(0, "0=a:99999", 2633, DATA)).hasMessageContaining("is not a port");
        assertThatThrownBy(() -> HaConfig.parse(0, " , ", 2633, DATA)).hasMessageContaining("lists no server");
        assertThatThrownBy(() -> HaConfig.parse(0, null, 2633, DATA)).hasMessageContaining("needs --ha-peers");
    }
}
