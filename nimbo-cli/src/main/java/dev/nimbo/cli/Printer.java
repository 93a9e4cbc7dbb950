package dev.nimbo.cli;

import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.output.Csv;
import dev.nimbo.cli.output.Format;
import dev.nimbo.cli.output.Json;
import dev.nimbo.cli.output.PoolDoc;
import dev.nimbo.cli.output.RowFilter;
import dev.nimbo.cli.output.Table;
import dev.nimbo.cli.output.Terminal;
import dev.nimbo.cli.xml.Xml;
import dev.nimbo.cli.xml.XmlNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Turns documents into what the user asked for: tables, detail views, XML, JSON or CSV, applying
 * {@code --list}, {@code --filter}, {@code --search} and {@code --no-header} to lists. Output
 * choices come from the global options; this class only formats (no I/O besides building strings).
 */
public final class Printer {
    private final Format format;
    private final List<String> listColumns;
    private final List<RowFilter> filters;
    private final String search;
    private final boolean header;
    private final int width;

    Printer(Format format, List<String> listColumns, List<String> filters, String search, boolean header, Io io) {
        this.format = format;
        this.listColumns = listColumns == null ? List.of() : List.copyOf(listColumns);
        this.filters = new ArrayList<>();
        for (String f : filters == null ? List.<String>of() : filters) {
            try {
                this.filters.add(RowFilter.parse(f));
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
        }
        this.search = search;
        this.header = header;
        this.width = Terminal.width(io.env(), io.terminal());
    }

    public Format format() {
        return format;
    }

    /** A pool document as the chosen format, with filters applied (XML/JSON keep only matching items). */
    public String list(Kind kind, XmlNode pool) {
        List<Column> shown = selectedColumns(kind);
        for (RowFilter f : filters) {
            if (kind.column(f.column()) == null) {
                throw CliException.usage("unknown column '" + f.column() + "' in --filter; " + kind.name()
                        + " columns: " + kind.columnNames());
            }
        }
        PoolDoc doc = new PoolDoc(pool);
        List<List<String>> rows = new ArrayList<>();
        for (XmlNode item : pool.children(kind.itemElement())) {
            Map<String, String> cells = new LinkedHashMap<>();
            for (Column c : kind.columns()) {
                cells.put(c.name().toUpperCase(Locale.ROOT), safe(c, item, doc));
            }
            boolean keep = filters.stream().allMatch(f -> f.matches(cells))
                    && (search == null || RowFilter.search(search, new ArrayList<>(cells.values())));
            if (!keep) {
                item.remove();
                continue;
            }
            rows.add(shown.stream().map(c -> cells.get(c.name().toUpperCase(Locale.ROOT))).toList());
        }
        return switch (format) {
            case XML -> Xml.serialize(pool);
            case JSON -> Json.fromXml(pool, Set.of(kind.itemElement()));
            case CSV -> Csv.render(shown.stream().map(Column::name).toList(), rows, header);
            case TABLE -> Table.render(shown.stream().map(Column::header).toList(), rows, width, header);
        };
    }

    // a column that cannot read an odd document shows "-" instead of failing the whole list
    private static String safe(Column c, XmlNode item, PoolDoc doc) {
        try {
            String v = c.cell().of(item, doc);
            return v == null ? "" : v;
        } catch (RuntimeException e) {
            return "-";
        }
    }

    private List<Column> selectedColumns(Kind kind) {
        List<String> names = listColumns.isEmpty() ? kind.defaults() : listColumns;
        List<Column> out = new ArrayList<>();
        for (String n : names) {
            if (n.isBlank()) {
                continue;
            }
            Column c = kind.column(n);
            if (c == null) {
                throw CliException.usage("unknown column '" + n.trim() + "' in --list; " + kind.name()
                        + " columns: " + kind.columnNames());
            }
            out.add(c);
        }
        return out;
    }

    /** A single document: its detail view for humans, else XML or JSON. */
    public String document(XmlNode doc, Supplier<String> human) {
        return switch (format) {
            case XML -> Xml.serialize(doc);
            case JSON -> Json.fromXml(doc, Set.of());
            case CSV -> throw CliException.usage("--csv is for lists; use -x or -j for a single object");
            case TABLE -> human.get();
        };
    }

    /** A new object's ID: "ID: 5", or {@code {"ID": 5}} / {@code <ID>5</ID>} / CSV for scripts. */
    public String id(int id) {
        return switch (format) {
            case XML -> "<ID>" + id + "</ID>\n";
            case JSON -> "{\n  \"ID\": " + id + "\n}\n";
            case CSV -> (header ? "ID\n" : "") + id + "\n";
            case TABLE -> "ID: " + id + "\n";
        };
    }
}
