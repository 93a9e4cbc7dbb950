package dev.nimbo.core.obj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import org.junit.jupiter.api.Test;

class PermissionsAndNamesTest {

    @Test
    void chmodSetsClearsAndKeepsBits() {
        Permissions p = Permissions.parse("640");
        assertThat(p.chmod(new int[] {-1, -1, 1, -1, 0, -1, 1, -1, -1})).hasToString("744");
        assertThat(p.chmod(new int[] {0, 0, 0, 0, 0, 0, 0, 0, 0})).hasToString("000");
        assertThatThrownBy(() -> p.chmod(new int[] {2, 0, 0, 0, 0, 0, 0, 0, 0})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Permissions.parse("800")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void permissionsXmlRoundTrip() {
        for (int octal = 0; octal <= 0777; octal++) {
            XmlWriter w = new XmlWriter();
            new Permissions(octal).writeXml(w);
            assertThat(Permissions.fromXml(XmlNode.parse(w.toString())).octal()).isEqualTo(octal);
        }
    }

    @Test
    void nameRules() {
        assertThat(NameRules.problem("web-01.example", "")).isNull();
        assertThat(NameRules.problem("", "")).contains("empty");
        assertThat(NameRules.problem("a/b", "")).contains("'/'");
        assertThat(NameRules.problem("has space", NameRules.USER_EXTRA_INVALID)).contains("' '");
        assertThat(NameRules.problem("has space", "")).isNull();
        assertThat(NameRules.problem("x".repeat(129), "")).contains("128");
        assertThat(NameRules.problem("tab\there", "")).contains("not allowed");
    }
}
