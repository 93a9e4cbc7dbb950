package dev.nimbo.core.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TemplateXmlTest {

    private static final Template SAMPLE = Template.of(List.of(
            new SingleAttribute("CPU", "1"),
            new VectorAttribute("DISK", List.of(new SingleAttribute("IMAGE_ID", "1"), new SingleAttribute("SIZE", "10"))),
            new SingleAttribute("NAME", "a <b> & \"c\"")));

    @Test
    void parsesCdataAndPlainText() {
        Template t = Template.parseXml("""
                <?xml version="1.0" encoding="UTF-8"?>
                <TEMPLATE>
                  <CPU><![CDATA[1]]></CPU>
                  <DISK>
                    <IMAGE_ID><![CDATA[1]]></IMAGE_ID>
                    <SIZE>10</SIZE>
                  </DISK>
                  <NAME>a &lt;b&gt; &amp; "c"</NAME>
                </TEMPLATE>
                """);
        assertThat(t).isEqualTo(SAMPLE);
    }

    @Test
    void acceptsAnyRootElementAndMixedCase() {
        Template t = Template.parse("<VM_TEMPLATE><cpu>2</cpu><Nic><network_id>0</network_id></Nic></VM_TEMPLATE>");
        assertThat(t.get("CPU")).isEqualTo("2");
        assertThat(t.vectors("NIC")).singleElement().satisfies(v -> assertThat(v.get("NETWORK_ID")).isEqualTo("0"));
    }

    @Test
    void valuesAreKeptVerbatimAndEmptyElementsAreEmptyValues() {
        Template t = Template.parseXml("<T><A>  spaced\n</A><B/><C></C><D><E/></D><F>x<![CDATA[<y>]]>z<!-- note --></F></T>");
        assertThat(t.attributes()).containsExactly(
                new SingleAttribute("A", "  spaced\n"),
                new SingleAttribute("B", ""),
                new SingleAttribute("C", ""),
                new VectorAttribute("D", List.of(new SingleAttribute("E", ""))),
                new SingleAttribute("F", "x<y>z"));
    }

    @Test
    void writesOpenNebulaStyleCdata() {
        assertThat(SAMPLE.toXml()).isEqualTo("<TEMPLATE><CPU><![CDATA[1]]></CPU>"
                + "<DISK><IMAGE_ID><![CDATA[1]]></IMAGE_ID><SIZE><![CDATA[10]]></SIZE></DISK>"
                + "<NAME><![CDATA[a <b> & \"c\"]]></NAME></TEMPLATE>");
        XmlWriter w = new XmlWriter();
        w.open("VM");
        SAMPLE.writeXml(w, "USER_TEMPLATE");
        w.close("VM");
        assertThat(w.toString()).startsWith("<VM><USER_TEMPLATE><CPU>").endsWith("</NAME></USER_TEMPLATE></VM>");
        assertThat(Template.EMPTY.toXml()).isEqualTo("<TEMPLATE></TEMPLATE>");
    }

    @Test
    void awkwardValuesSurviveXml() {
        Template t = Template.of(List.of(
                new SingleAttribute("A", "ends ]]> here ]]]]>"),
                new SingleAttribute("B", "cr\r\nlf\rend\r"),
                new SingleAttribute("C", "ünï\u00e7ødé \uD83D\uDE80 \t tab"),
                new VectorAttribute("V", List.of(new SingleAttribute("K", "]]>\r")))));
        assertThat(Template.parseXml(t.toXml())).isEqualTo(t);
        assertThat(Template.fromXml(XmlNode.parse(t.toXml()))).isEqualTo(t);
    }

    @Test
    void charactersXmlCannotCarryAreDropped() {
        Template t = Template.of(List.of(new SingleAttribute("A", "a\u0000b\u0007c\uD800d")));
        assertThat(Template.parseXml(t.toXml()).get("A")).isEqualTo("abcd");
    }

    @Test
    void fromXmlNodeTakesTheChildren() {
        XmlNode vm = XmlNode.parse("<VM><ID>3</ID><TEMPLATE><CPU><![CDATA[1]]></CPU>"
                + "<DISK><IMAGE_ID><![CDATA[1]]></IMAGE_ID><SIZE>10</SIZE></DISK>"
                + "<NAME><![CDATA[a <b> & \"c\"]]></NAME></TEMPLATE></VM>");
        assertThat(Template.fromXml(vm.child("TEMPLATE"))).isEqualTo(SAMPLE);
        assertThatThrownBy(() -> Template.fromXml(XmlNode.parse("<T><D><E><F>1</F></E></D></T>")))
                .isInstanceOf(TemplateException.class).hasMessageContaining("nested vectors");
    }

    @Test
    void nestedVectorsAreRejected() {
        assertThatThrownBy(() -> Template.parseXml("<TEMPLATE>\n<DISK>\n<A><B>1</B></A></DISK></TEMPLATE>"))
                .isInstanceOf(TemplateException.class)
                .hasMessage("XML template error at line 3: nested vectors are not allowed (DISK/A/B)");
    }

    @Test
    void namesValidInXmlButNotInTemplatesAreRejected() {
        assertThatThrownBy(() -> Template.parseXml("<T><A.B>1</A.B></T>")).isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> Template.parseXml("<T><D><ü>1</ü></D></T>")).isInstanceOf(TemplateException.class);
    }

    @Test
    void badNamesAreRejected() {
        assertThatThrownBy(() -> Template.parseXml("<TEMPLATE>\n\n<A-B>1</A-B></TEMPLATE>"))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("line 3")
                .hasMessageContaining("invalid attribute name 'A-B'");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // entity expansion ("billion laughs")
        """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [
          <!ENTITY lol "lol">
          <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
          <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
        ]>
        <TEMPLATE><CPU>&lol3;</CPU></TEMPLATE>
        """,
        // external entity
        """
        <?xml version="1.0"?>
        <!DOCTYPE t [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
        <TEMPLATE><CPU>&xxe;</CPU></TEMPLATE>
        """,
        // an external DTD, even without entities
        "<!DOCTYPE TEMPLATE SYSTEM \"http://127.0.0.1:1/t.dtd\"><TEMPLATE><CPU>1</CPU></TEMPLATE>",
        // an undeclared entity
        "<TEMPLATE><CPU>&nope;</CPU></TEMPLATE>"
    })
    void doctypesAndEntitiesAreRejected(String xml) {
        assertThatThrownBy(() -> Template.parse(xml))
                .isInstanceOf(TemplateException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("root:"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"<TEMPLATE><CPU>1</CPU>", "<TEMPLATE><CPU>1</TEMPLATE>", "<A/><B/>", "<", "<T>x</T>garbage"})
    void malformedXmlIsATemplateException(String xml) {
        assertThatThrownBy(() -> Template.parseXml(xml))
                .isInstanceOf(TemplateException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void malformedXmlNamesTheLine() {
        assertThatThrownBy(() -> Template.parse("\n\n<TEMPLATE>\n<CPU>1</TEMPLATE>"))
                .isInstanceOf(TemplateException.class)
                .hasMessageStartingWith("malformed XML template at line 4: ");
    }

    @Test
    void xmlWithoutRootIsRejected() {
        assertThatThrownBy(() -> Template.parseXml("   "))
                .isInstanceOf(TemplateException.class);
    }
}
