package dev.nimbo.cli.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class XmlTest {
    @Test
    void pathsAndMissingElements() {
        XmlNode u = Xml.parse("<USER><ID>3</ID><GROUPS><ID>1</ID><ID>2</ID></GROUPS><T><![CDATA[ a<b ]]></T></USER>");
        assertThat(u.text("ID")).isEqualTo("3");
        assertThat(u.all("GROUPS/ID")).extracting(XmlNode::text).containsExactly("1", "2");
        assertThat(u.text("T")).isEqualTo("a<b");
        assertThat(u.text("NOPE/X")).isEmpty();
        assertThat(u.all("NOPE/X")).isEmpty();
        assertThat(Xml.serialize(u)).isEqualTo("<USER>\n  <ID>3</ID>\n  <GROUPS>\n    <ID>1</ID>\n    <ID>2</ID>\n"
                + "  </GROUPS>\n  <T> a&lt;b </T>\n</USER>\n");
    }

    @Test
    void refusesDoctypesAndExternalEntities(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "TOPSECRET");
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE u [<!ENTITY x SYSTEM \"" + secret.toUri() + "\">]><u>&x;</u>";
        assertThatThrownBy(() -> Xml.parse(xxe)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("TOPSECRET");
        String bomb = "<!DOCTYPE a [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><a>&b;</a>";
        assertThatThrownBy(() -> Xml.parse(bomb)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Xml.parse("<a><b></a>")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void templateTextQuotesAndVectors() {
        XmlNode t = Xml.parse("<TEMPLATE><A>x \"q\" \\ y</A><NIC><NETWORK>pub</NETWORK><IP>10.0.0.1</IP></NIC>"
                + "<EMPTY/></TEMPLATE>");
        assertThat(TemplateText.render(t)).isEqualTo("A=\"x \\\"q\\\" \\\\ y\"\nNIC=[\n  NETWORK=\"pub\",\n  IP=\"10.0.0.1\" ]\nEMPTY=\"\"\n");
        assertThat(TemplateText.render(null)).isEmpty();
    }
}
