package dev.nimbo.core.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TemplateTextParseTest {

    @Test
    void singleValuesQuotedUnquotedAndEmpty() {
        Template t = Template.parseText("""
                NAME = my vm   \t
                CPU=1
                MEMORY   =   "512"
                DESCRIPTION = "say \\"hi\\"
                  over two lines"
                EMPTY = ""
                BLANK =
                PATH = "C:\\\\dir\\x"
                """);
        assertThat(t.attributes()).containsExactly(
                new SingleAttribute("NAME", "my vm"),
                new SingleAttribute("CPU", "1"),
                new SingleAttribute("MEMORY", "512"),
                new SingleAttribute("DESCRIPTION", "say \"hi\"\n  over two lines"),
                new SingleAttribute("EMPTY", ""),
                new SingleAttribute("BLANK", ""),
                new SingleAttribute("PATH", "C:\\dir\\x"));
    }

    @Test
    void emptyValueAtEndOfInputWithoutNewline() {
        assertThat(Template.parseText("A =").get("A")).isEmpty();
    }

    @Test
    void vectorsMayBeEmptyAndSpanLines() {
        Template t = Template.parseText("""
                DISK = [ IMAGE_ID = 1, SIZE = "10" ]
                NIC = [
                  network = "pub, lic ]",
                  # the address is fixed
                  IP = 10.0.0.1 ,
                  MAC=""
                ]
                GRAPHICS=[]
                CONTEXT = [ SSH = "yes" ] FEATURES = [ ACPI = yes ]
                """);
        assertThat(t.attributes()).containsExactly(
                new VectorAttribute("DISK", List.of(new SingleAttribute("IMAGE_ID", "1"), new SingleAttribute("SIZE", "10"))),
                new VectorAttribute("NIC", List.of(
                        new SingleAttribute("NETWORK", "pub, lic ]"),
                        new SingleAttribute("IP", "10.0.0.1"),
                        new SingleAttribute("MAC", ""))),
                new VectorAttribute("GRAPHICS", List.of()),
                new VectorAttribute("CONTEXT", List.of(new SingleAttribute("SSH", "yes"))),
                new VectorAttribute("FEATURES", List.of(new SingleAttribute("ACPI", "yes"))));
    }

    @Test
    void commentsBlankLinesAndCrLf() {
        Template t = Template.parseText("# header\r\n\r\n   # indented comment\r\nCPU = 2 # trailing comment\r\n\r\nVCPU = \"4\" # after quotes\r\n#end");
        assertThat(t.attributes()).containsExactly(new SingleAttribute("CPU", "2"), new SingleAttribute("VCPU", "4"));
    }

    @Test
    void repeatedKeysKeepTheirOrder() {
        Template t = Template.parseText("""
                DISK = [ IMAGE_ID = 1 ]
                CPU = 1
                DISK = [ IMAGE_ID = 2 ]
                CPU = 2
                """);
        assertThat(t.vectors("disk")).extracting(v -> v.get("image_id")).containsExactly("1", "2");
        assertThat(t.all("CPU")).hasSize(2);
        assertThat(t.get("cpu")).isEqualTo("1");
        assertThat(t.attributes()).extracting(Attribute::name).containsExactly("DISK", "CPU", "DISK", "CPU");
    }

    @Test
    void namesAreUpperCased() {
        Template t = Template.parseText("cpu = 1\nDisk = [ image_Id = 3 ]\nsched_requirements_2 = x");
        assertThat(t.attributes()).containsExactly(
                new SingleAttribute("CPU", "1"),
                new VectorAttribute("DISK", List.of(new SingleAttribute("IMAGE_ID", "3"))),
                new SingleAttribute("SCHED_REQUIREMENTS_2", "x"));
        assertThat(t.get("Cpu")).isEqualTo("1");
    }

    @Test
    void emptyInputsGiveTheEmptyTemplate() {
        assertThat(Template.parseText("")).isSameAs(Template.EMPTY);
        assertThat(Template.parse("  \n# only a comment\n")).isEqualTo(Template.EMPTY);
        assertThat(Template.parse("").isEmpty()).isTrue();
    }

    @Test
    void parseDetectsTheSyntax() {
        assertThat(Template.parse("  \n <TEMPLATE><CPU>1</CPU></TEMPLATE>").get("CPU")).isEqualTo("1");
        assertThat(Template.parse("CPU = <1>").get("CPU")).isEqualTo("<1>");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unterminated quote       | 'A = 1\\nB = \"abc\\n\\ndef'                          | line 2, column 5: unterminated quoted value
            missing bracket          | 'DISK = [ A = 1,\\n B = 2\\n'                         | line 3, column 1: missing ']' to close vector DISK opened at line 1
            missing bracket at EOF   | 'DISK = [ '                                          | missing ']' to close vector DISK opened at line 1
            nested vector            | 'A = 1\\nDISK = [ A = [ B = 1 ] ]'                    | line 2, column 14: nested vectors are not allowed (DISK/A)
            bad name dash            | 'GOOD = 1\\n\\nBAD-NAME = 2'                          | line 3, column 4: invalid character '-' in attribute name 'BAD'
            bad name dot             | 'A.B = 2'                                            | line 1, column 2: invalid character '.' in attribute name 'A'
            bad name in vector       | 'D = [ X/Y = 1 ]'                                    | line 1, column 8: invalid character '/'
            leading digit            | 'A = 1\n2B = 2'                                     | line 2, column 1: invalid attribute name '2B'
            leading digit in vector  | 'D = [ A = 1, 9 = 2 ]'                               | line 1, column 14: invalid attribute name '9'
            garbage                  | '!!!'                                                | line 1, column 1: expected attribute name, found '!'
            missing equals           | 'CPU 1'                                              | line 1, column 5: expected '=' after CPU, found '1'
            garbage after value      | 'CPU = \"1\" garbage'                                 | line 1, column 18: expected '=' after garbage, found end of input
            missing comma            | 'D = [ A = \"1\" B = 2 ]'                              | line 1, column 15: expected ',' or ']' in vector D, found 'B'
            trailing comma           | 'D = [ A = 1, ]'                                     | line 1, column 14: expected attribute name in vector D, found ']'
            stray bracket            | '] = 1'                                              | line 1, column 1: expected attribute name, found ']'
            """)
    void syntaxErrorsNameTheLine(String what, String input, String message) {
        String text = input.replace("\\n", "\n").replace("\\\"", "\"");
        assertThatThrownBy(() -> Template.parseText(text))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining(message)
                .hasMessageStartingWith("template syntax error at line ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
