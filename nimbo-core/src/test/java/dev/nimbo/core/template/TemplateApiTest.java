package dev.nimbo.core.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TemplateApiTest {

    private static SingleAttribute s(String n, String v) {
        return new SingleAttribute(n, v);
    }

    private static VectorAttribute v(String n, SingleAttribute... values) {
        return new VectorAttribute(n, List.of(values));
    }

    private final Template base = Template.parseText("""
            NAME = vm
            DISK = [ IMAGE_ID = 1 ]
            CPU = 1
            DISK = [ IMAGE_ID = 2 ]
            MEMORY = 512
            """);

    @Test
    void lookups() {
        assertThat(base.get("cpu")).isEqualTo("1");
        assertThat(base.get("DISK")).as("a vector is not a single value").isNull();
        assertThat(base.get("NOPE")).isNull();
        assertThat(base.get("bad-name")).isNull();
        assertThat(base.vectors("disk")).containsExactly(v("DISK", s("IMAGE_ID", "1")), v("DISK", s("IMAGE_ID", "2")));
        assertThat(base.vectors("CPU")).isEmpty();
        assertThat(base.all("Disk")).hasSize(2);
        assertThat(base.isEmpty()).isFalse();
        assertThat(Template.EMPTY.isEmpty()).isTrue();
        assertThat(Template.of(List.of())).isEqualTo(Template.EMPTY);
    }

    @Test
    void withReplacesAllOfANameAtTheFirstPosition() {
        Template t = base.with("disk", "none");
        assertThat(t.attributes()).extracting(Attribute::name).containsExactly("NAME", "DISK", "CPU", "MEMORY");
        assertThat(t.get("DISK")).isEqualTo("none");
        assertThat(base.with("VCPU", "2").attributes()).last().isEqualTo(s("VCPU", "2"));
        assertThat(base.with(v("cpu", s("x", "y"))).all("CPU")).containsExactly(v("CPU", s("X", "y")));
        assertThat(base.vectors("DISK")).as("the original is untouched").hasSize(2);
    }

    @Test
    void addAndWithout() {
        Template t = base.add(v("DISK", s("IMAGE_ID", "3")));
        assertThat(t.vectors("DISK")).hasSize(3);
        assertThat(t.attributes()).last().isEqualTo(v("DISK", s("IMAGE_ID", "3")));
        assertThat(t.without("disk").all("DISK")).isEmpty();
        assertThat(t.without("disk").attributes()).extracting(Attribute::name).containsExactly("NAME", "CPU", "MEMORY");
        assertThat(base.without("NOPE")).isSameAs(base);
    }

    @Test
    void updateWithoutAppendReplacesEverything() {
        Template other = Template.parseText("CPU = 4");
        assertThat(base.update(other, false)).isEqualTo(other);
        assertThat(base.update(Template.EMPTY, false)).isEqualTo(Template.EMPTY);
    }

    @Test
    void updateWithAppendMergesByName() {
        Template other = Template.parseText("""
                DISK = [ IMAGE_ID = 9 ]
                LABELS = "a,b"
                CPU = 2
                DISK = [ IMAGE_ID = 8 ]
                """);
        Template merged = base.update(other, true);
        assertThat(merged.attributes()).containsExactly(
                s("NAME", "vm"),
                v("DISK", s("IMAGE_ID", "9")),
                v("DISK", s("IMAGE_ID", "8")),
                s("CPU", "2"),
                s("MEMORY", "512"),
                s("LABELS", "a,b"));
        assertThat(base.update(Template.EMPTY, true)).isEqualTo(base);
    }

    @Test
    void updateWithAppendAndAnEmptyVectorRemovesTheName() {
        // OpenNebula's merge erases the name and does not add an empty vector back.
        Template merged = base.update(Template.parseText("DISK = []\nCPU = \"\""), true);
        assertThat(merged.attributes()).containsExactly(s("NAME", "vm"), s("CPU", ""), s("MEMORY", "512"));
    }

    @Test
    void vectorAttributeOperations() {
        VectorAttribute d = v("disk", s("image_id", "1"), s("SIZE", "10"), s("IMAGE_ID", "dup"));
        assertThat(d.name()).isEqualTo("DISK");
        assertThat(d.get("Image_Id")).isEqualTo("1");
        assertThat(d.get("NOPE")).isNull();
        assertThat(d.with("image_id", "7").values()).containsExactly(s("IMAGE_ID", "7"), s("SIZE", "10"));
        assertThat(d.with("TARGET", "vda").values()).last().isEqualTo(s("TARGET", "vda"));
        assertThat(d.without("image_id").values()).containsExactly(s("SIZE", "10"));
        assertThat(d.without("nope")).isSameAs(d);
        assertThat(d.values()).hasSize(3);
    }

    @Test
    void attributesAreValidatedAndImmutable() {
        assertThatThrownBy(() -> s("A-B", "1")).isInstanceOf(TemplateException.class).hasMessageContaining("'A-B'");
        assertThatThrownBy(() -> s("", "1")).isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> s("1A", "1")).isInstanceOf(TemplateException.class);
        assertThat(s("_1a", "1").name()).isEqualTo("_1A");
        assertThatThrownBy(() -> v("É", s("A", "1"))).isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> s("A", null)).isInstanceOf(NullPointerException.class);
        List<SingleAttribute> values = new ArrayList<>(List.of(s("A", "1")));
        VectorAttribute va = new VectorAttribute("V", values);
        values.add(s("B", "2"));
        assertThat(va.values()).hasSize(1);
        assertThatThrownBy(() -> base.attributes().add(s("X", "1"))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void equalityIsByContent() {
        Template a = Template.parseText("cpu=1\ndisk=[size=2]");
        Template b = Template.parseXml("<TEMPLATE><CPU>1</CPU><DISK><SIZE>2</SIZE></DISK></TEMPLATE>");
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(Template.parseText("DISK=[SIZE=2]\nCPU=1"));
    }

    @Test
    void textFormat() {
        Template t = Template.of(List.of(
                s("CPU", "1"),
                s("Q", "say \"hi\" \\o/\nbye"),
                v("DISK", s("IMAGE_ID", "1"), s("SIZE", "10")),
                v("EMPTY")));
        assertThat(t.toText()).isEqualTo("""
                CPU="1"
                Q="say \\"hi\\" \\\\o/
                bye"
                DISK=[
                  IMAGE_ID="1",
                  SIZE="10" ]
                EMPTY=[ ]
                """);
        assertThat(Template.parseText(t.toText())).isEqualTo(t);
        assertThat(t.toString()).isEqualTo(t.toText());
        assertThat(Template.EMPTY.toText()).isEmpty();
    }
}
