package dev.nimbo.server.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.server.StartupException;
import dev.nimbo.server.config.Section;
import dev.nimbo.server.config.YamlLite;
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

    private static Section ha(String yaml) {
        return Section.of(YamlLite.parse(yaml)).section("ha");
    }

    @Test
    void theConfigurationFileGivesWhatTheOptionsGive() {
        Section file = ha("""
                ha:
                  id: 1
                  peers:
                    - 0=10.0.0.1:2634
                    - 1=10.0.0.2:2634:3633
                  leader_hook: echo leader
                  follower_hook: echo follower
                """);
        HaConfig fromFile = HaConfig.resolve(file, null, null, null, null, 2633, DATA);
        HaConfig fromFlags = HaConfig.resolve(ha(""), 1, "0=10.0.0.1:2634,1=10.0.0.2:2634:3633", "echo leader",
                "echo follower", 2633, DATA);
        assertThat(fromFile).isEqualTo(fromFlags);
        assertThat(fromFile.leaderHook()).isEqualTo("echo leader");
        assertThat(fromFile.self().endpoint()).isEqualTo("http://10.0.0.2:3633/RPC2");
        // One file for every replica: each names its own ID (and may change a hook) on the command line.
        HaConfig replica0 = HaConfig.resolve(file, 0, null, null, "true", 2633, DATA);
        assertThat(replica0.selfId()).isZero();
        assertThat(replica0.peers()).isEqualTo(fromFile.peers());
        assertThat(replica0.leaderHook()).isEqualTo("echo leader");
        assertThat(replica0.followerHook()).isEqualTo("true");
        // Peers on one line, as --ha-peers.
        assertThat(HaConfig.resolve(ha("ha:\n  id: 0\n  peers: 0=a:1, 1=b:1\n"), null, null, null, null, 2633, DATA)
                .peers()).hasSize(2);
        // Neither: a single front-end.
        assertThat(HaConfig.resolve(ha(""), null, null, null, null, 2633, DATA)).isNull();
    }

    @Test
    void badSettingsInTheFileAreNamedAsInTheFile() {
        assertThatThrownBy(() -> HaConfig.resolve(ha("ha:\n  id: 3\n  peers: 0=a:1,1=b:1\n"), null, null, null, null, 2633, DATA))
                .isInstanceOf(StartupException.class).hasMessageContaining("ha.id 3 is not among ha.peers");
        assertThatThrownBy(() -> HaConfig.resolve(ha("ha:\n  id: 0\n"), null, null, null, null, 2633, DATA))
                .hasMessageContaining("ha.id needs ha.peers");
        assertThatThrownBy(() -> HaConfig.resolve(ha("ha:\n  peers: 0=a:1\n"), null, null, null, null, 2633, DATA))
                .hasMessageContaining("ha.peers needs ha.id");
        assertThatThrownBy(() -> HaConfig.resolve(ha("ha:\n  id: x\n  peers: 0=a:1\n"), null, null, null, null, 2633, DATA))
                .isInstanceOf(Section.ConfigException.class).hasMessageContaining("ha.id must be an integer");
        assertThatThrownBy(() -> HaConfig.resolve(ha("ha:\n  id: 0\n  peers: 0=a:1\n  leader: x\n"), null, null, null,
                null, 2633, DATA)).isInstanceOf(Section.ConfigException.class).hasMessageContaining("ha.leader is not a setting");
        assertThatThrownBy(() -> HaConfig.resolve(ha("ha:\n  leader_hook: x\n"), null, null, null, null, 2633, DATA))
                .hasMessageContaining("ha.leader_hook and ha.follower_hook need ha.id and ha.peers");
        assertThatThrownBy(() -> HaConfig.resolve(ha(""), null, null, "x", null, 2633, DATA))
                .hasMessageContaining("--ha-leader-hook and --ha-follower-hook need --ha-id and --ha-peers");
        assertThatThrownBy(() -> HaConfig.resolve(ha("ha:\n  id: 0\n  peers: 0=a\n"), null, null, null, null, 2633, DATA))
                .hasMessageContaining("ha.peers entry '0=a' is not ID=HOST:RAFT_PORT");
    }
}
