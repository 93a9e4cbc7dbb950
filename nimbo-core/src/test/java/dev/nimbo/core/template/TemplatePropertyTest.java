package dev.nimbo.core.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.xml.XmlNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class TemplatePropertyTest {

    private static final List<String> AWKWARD = List.of(
            "\"", "\\", "\\\"", "\n", "\r\n", "]]>", "#", "[", "]", ",", "=", " ", "\t", "<![CDATA[", "&amp;",
            "ñ", "日本", "\uD83D\uDE80", "'");

    @Property(tries = 300)
    void textRoundTrips(@ForAll("anyTemplate") Template t) {
        String text = t.toText();
        Template back = Template.parseText(text);
        assertThat(back).isEqualTo(t);
        assertThat(back.toText()).isEqualTo(text);
        assertThat(Template.parse(text)).isEqualTo(t);
    }

    @Property(tries = 300)
    void xmlRoundTrips(@ForAll("xmlTemplate") Template t) {
        String xml = t.toXml();
        assertThat(Template.parseXml(xml)).isEqualTo(t);
        assertThat(Template.parse(xml)).isEqualTo(t);
        assertThat(Template.fromXml(XmlNode.parse(xml))).isEqualTo(t);
    }

    /** Hand-written layouts (case, spacing, comments, unquoted values) parse to the same template. */
    @Property(tries = 300)
    void looseLayoutsParse(@ForAll("looseText") Loose loose) {
        Template t = Template.parseText(loose.text());
        assertThat(t).isEqualTo(loose.expected());
        assertThat(Template.parseText(t.toText())).isEqualTo(t);
    }

    record Loose(String text, Template expected) {
    }

    @Provide
    Arbitrary<Template> anyTemplate() {
        return templates(values(Arbitraries.strings().ofMaxLength(12)), 0);
    }

    @Provide
    Arbitrary<Template> xmlTemplate() {
        // Only what XML 1.0 can carry; an empty vector reads back as an empty single value, so vectors have values.
        Arbitrary<String> xmlChars = Arbitraries.strings()
                .withCharRange(' ', '\uD7FF').withCharRange('\uE000', '\uFFFD').withChars("\t\n\r")
                .ofMaxLength(12);
        return templates(values(xmlChars), 1);
    }

    private static Arbitrary<String> values(Arbitrary<String> chunks) {
        return Arbitraries.oneOf(chunks, Arbitraries.of(AWKWARD)).list().ofMaxSize(5).map(l -> String.join("", l));
    }

    private static Arbitrary<String> names() {
        Arbitrary<String> first = Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withChars('_')
                .ofLength(1);
        Arbitrary<String> rest = Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').numeric()
                .withChars('_').ofMaxLength(9);
        return Combinators.combine(first, rest).as(String::concat);
    }

    private static Arbitrary<Template> templates(Arbitrary<String> values, int minVectorSize) {
        Arbitrary<SingleAttribute> single = Combinators.combine(names(), values).as(SingleAttribute::new);
        Arbitrary<Attribute> vector = Combinators.combine(names(), single.list().ofMinSize(minVectorSize).ofMaxSize(4))
                .as(VectorAttribute::new);
        Arbitrary<Attribute> attribute = Arbitraries.oneOf(single.map(a -> a), vector);
        return attribute.list().ofMaxSize(8).map(Template::of);
    }

    @Provide
    Arbitrary<Loose> looseText() {
        Arbitrary<String> blanks = Arbitraries.of("", " ", "  ", "\t", " \t ");
        Arbitrary<String> safe = Arbitraries.strings().withCharRange('a', 'z').withChars("-./:;@é<>").ofMinLength(1).ofMaxLength(8);
        Arbitrary<String> topValue = Combinators.combine(safe, safe, Arbitraries.of(" ", "")).as((a, b, sp) -> a + sp + b);
        Arbitrary<Boolean> flag = Arbitraries.of(true, false);

        Arbitrary<String[]> single = Combinators.combine(names(), topValue, blanks, blanks, flag, flag)
                .as((n, val, b1, b2, quote, lower) -> {
                    String shown = lower ? n.toLowerCase(Locale.ROOT) : n;
                    String rhs = quote ? "\"" + val + "\"" : val;
                    return new String[] {shown + b1 + "=" + b2 + rhs + b1, n, val};
                });
        Arbitrary<String[]> pair = Combinators.combine(names(), safe, blanks, flag, Arbitraries.of(",", " ,\n", ",\n# c\n  "))
                .as((n, val, b, quote, sep) -> new String[] {n + b + "=" + b + (quote ? "\"" + val + "\"" : val), n, val, sep});
        Arbitrary<Object[]> vector = Combinators.combine(names(), pair.list().ofMaxSize(4), blanks)
                .as((n, pairs, b) -> new Object[] {n, pairs, b});

        Arbitrary<Object> entry = Arbitraries.oneOf(single.map(x -> x), vector.map(x -> x));
        Arbitrary<String> filler = Arbitraries.of("", "\n", "# a comment\n", "  \n", "\t# x = [\n");
        return Combinators.combine(entry.list().ofMaxSize(6), filler.list().ofSize(7)).as((entries, fill) -> {
            StringBuilder text = new StringBuilder();
            List<Attribute> expected = new ArrayList<>();
            for (int i = 0; i < entries.size(); i++) {
                text.append(fill.get(i));
                if (entries.get(i) instanceof String[] s) {
                    text.append(s[0]).append('\n');
                    expected.add(new SingleAttribute(s[1], s[2]));
                } else {
                    Object[] v = (Object[]) entries.get(i);
                    @SuppressWarnings("unchecked")
                    List<String[]> pairs = (List<String[]>) v[1];
                    text.append(v[0]).append(v[2]).append("=").append(v[2]).append("[").append(v[2]);
                    List<SingleAttribute> values = new ArrayList<>();
                    for (int p = 0; p < pairs.size(); p++) {
                        if (p > 0) {
                            text.append(pairs.get(p - 1)[3]);
                        }
                        text.append(pairs.get(p)[0]);
                        values.add(new SingleAttribute(pairs.get(p)[1], pairs.get(p)[2]));
                    }
                    text.append(v[2]).append("]\n");
                    expected.add(new VectorAttribute((String) v[0], values));
                }
            }
            text.append(fill.get(6));
            return new Loose(text.toString(), Template.of(expected));
        });
    }
}
