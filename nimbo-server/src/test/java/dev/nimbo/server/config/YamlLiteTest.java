package dev.nimbo.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The YAML subset: OpenNebula's ldap_auth.conf shape, mapping files, and clear errors for what is not supported. */
class YamlLiteTest {

    @Test
    void readsOpenNebulasLdapAuthConfShape() {
        Map<String, Object> doc = YamlLite.parse("""
                server 1:
                    # a comment
                    :user: 'admin'
                    :password: "pa#ss word"   # trailing comment
                    :auth_method: :simple
                    :port: 389
                    :base: 'dc=domain'
                :order:
                    - server 1
                    - [server 2, server 3]
                :match_user_regex:
                  "^(.*)@a.example.com$": ldap-a
                """);
        Section s = Section.of(doc);
        Section server = s.section("server 1");
        assertThat(server.string("user", null)).isEqualTo("admin");
        assertThat(server.string("password", null)).isEqualTo("pa#ss word");
        assertThat(server.string("auth_method", null)).isEqualTo("simple");
        assertThat(server.integer("port", 0)).isEqualTo(389);
        assertThat(doc.get("order")).isEqualTo(List.of("server 1", List.of("server 2", "server 3")));
        assertThat(s.section("match_user_regex").string("^(.*)@a.example.com$", null)).isEqualTo("ldap-a");
    }

    @Test
    void readsMappingFilesWithDnKeys() {
        Map<String, Object> doc = YamlLite.parse("---\nCN=technicians,CN=Groups,DC=example,DC=com: '100'\n"
                + "'CN=Domain Admins,CN=Users,DC=example,DC=com': '101'\n");
        assertThat(doc).containsEntry("CN=technicians,CN=Groups,DC=example,DC=com", "100")
                .containsEntry("CN=Domain Admins,CN=Users,DC=example,DC=com", "101");
    }

    @Test
    void reportsWhatItCannotReadWithTheLine() {
        assertThatThrownBy(() -> YamlLite.parse("a: 1\nb: &anchor x\n")).hasMessageContaining("line 2");
        assertThatThrownBy(() -> YamlLite.parse("a: 1\na: 2\n")).hasMessageContaining("duplicate key 'a'");
        assertThatThrownBy(() -> YamlLite.parse("just text\n")).hasMessageContaining("line 1");
        assertThatThrownBy(() -> Section.of(YamlLite.parse("port: abc\n")).integer("port", 1))
                .hasMessageContaining("port must be an integer");
    }
}
