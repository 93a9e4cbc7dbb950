package dev.nimbo.cli.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.cli.xml.Xml;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FormattingTest {
    static final List<Table.Header> HEADERS = List.of(new Table.Header("ID", true, false),
            new Table.Header("NAME", false, true), new Table.Header("STATE", false, false));
    static final List<List<String>> ROWS = List.of(List.of("1", "a-rather-long-name", "on"), List.of("100", "b", "off"));

    @Test
    void tableAlignsNumbersRightAndTextLeft() {
        assertThat(Table.render(HEADERS, ROWS, 0, true)).isEqualTo("""
                 ID NAME               STATE
                  1 a-rather-long-name on
                100 b                  off
                """);
    }

    @Test
    void tableShrinksExpandableColumnsFirst() {
        String t = Table.render(HEADERS, ROWS, 20, true);
        assertThat(t).isEqualTo("""
                 ID NAME       STATE
                  1 a-rather-~ on
                100 b          off
                """);
        assertThat(t.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(20));
    }

    @Test
    void tableShrinksOthersWhenStillTooWideAndCanOmitHeader() {
        String t = Table.render(HEADERS, List.of(List.of("1", "n", "a-very-long-state")), 16, true);
        assertThat(t.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(16));
        assertThat(Table.render(HEADERS, ROWS, 0, false)).startsWith("  1 a-rather-long-name on\n");
    }

    @Test
    void csvQuotesOnlyWhenNeeded() {
        assertThat(Csv.render(List.of("A", "B"), List.of(List.of("x,y", "say \"hi\""), List.of("plain", "two\nlines")), true))
                .isEqualTo("A,B\n\"x,y\",\"say \"\"hi\"\"\"\nplain,\"two\nlines\"\n");
    }

    @Test
    void jsonFromOpenNebulaXml() {
        var doc = Xml.parse("<POOL><ITEM><ID>1</ID><T><K>a\"b\\c\n</K><L/></T><R>x</R><R>y</R></ITEM></POOL>");
        assertThat(Json.fromXml(doc, Set.of("ITEM"))).isEqualTo("""
                {
                  "POOL": {
                    "ITEM": [
                      {
                        "ID": "1",
                        "T": {
                          "K": "a\\"b\\\\c\\n",
                          "L": ""
                        },
                        "R": [
                          "x",
                          "y"
                        ]
                      }
                    ]
                  }
                }
                """);
        assertThat(Json.fromXml(Xml.parse("<POOL/>"), Set.of("ITEM"))).isEqualTo("{\n  \"POOL\": \"\"\n}\n");
        assertThat(Json.string("\u0001")).isEqualTo("\"\\u0001\"");
    }

    @Test
    void humanSizesParseToMebibytes() {
        assertThat(Sizes.parseMb("512")).isEqualTo(512);
        assertThat(Sizes.parseMb("512m")).isEqualTo(512);
        assertThat(Sizes.parseMb("512MB")).isEqualTo(512);
        assertThat(Sizes.parseMb("2g")).isEqualTo(2048);
        assertThat(Sizes.parseMb("2GiB")).isEqualTo(2048);
        assertThat(Sizes.parseMb("1.5G")).isEqualTo(1536);
        assertThat(Sizes.parseMb("1t")).isEqualTo(1048576);
        assertThat(Sizes.parseMb("100k")).isEqualTo(1); // rounds up to whole MiB
        assertThat(Sizes.parseMb(" 3 g ")).isEqualTo(3072);
        for (String bad : List.of("", "g", "-1g", "2x", "1..5g", "99999999999999999999p")) {
            assertThatThrownBy(() -> Sizes.parseMb(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void humanSizesFormat() {
        assertThat(Sizes.formatMb(0)).isEqualTo("0M");
        assertThat(Sizes.formatMb(512)).isEqualTo("512M");
        assertThat(Sizes.formatMb(2048)).isEqualTo("2G");
        assertThat(Sizes.formatMb(1536)).isEqualTo("1.5G");
        assertThat(Sizes.formatMb(3 * 1024 * 1024)).isEqualTo("3T");
    }

    @Test
    void relativeTimes() {
        Instant now = Instant.ofEpochSecond(1_000_000);
        assertThat(Times.relative(1_000_000 - 180, now)).isEqualTo("3m ago");
        assertThat(Times.relative(1_000_000 + 7200, now)).isEqualTo("in 2h");
        assertThat(Times.relative(1_000_000 - 5, now)).isEqualTo("5s ago");
        assertThat(Times.relative(1_000_000 - 3 * 86400, now)).isEqualTo("3d ago");
        assertThat(Times.relative(0, now)).isEqualTo("-");
        assertThat(Times.relative(-1, now)).isEqualTo("-");
    }

    @Test
    void rowFilters() {
        Map<String, String> row = Map.of("NAME", "alice", "STATE", "on");
        assertThat(RowFilter.parse("name=alice").matches(row)).isTrue();
        assertThat(RowFilter.parse("NAME=ali").matches(row)).isFalse();
        assertThat(RowFilter.parse("NAME!=bob").matches(row)).isTrue();
        assertThat(RowFilter.parse("NAME~^al").matches(row)).isTrue();
        assertThat(RowFilter.parse("STATE~off").matches(row)).isFalse();
        assertThat(RowFilter.parse("NAME=").matches(row)).isFalse();
        assertThatThrownBy(() -> RowFilter.parse("NAME")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RowFilter.parse("=x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RowFilter.parse("N~[")).isInstanceOf(IllegalArgumentException.class);
        assertThat(RowFilter.search("LIC", List.of("1", "alice"))).isTrue();
    }

    @Test
    void terminalWidthFromColumns() {
        assertThat(Terminal.width(Map.of("COLUMNS", "123"), false)).isEqualTo(123);
        assertThat(Terminal.width(Map.of("COLUMNS", "junk"), false)).isZero();
        assertThat(Terminal.width(Map.of(), false)).isZero();
    }
}
